"""Subject access: everything Köpir holds about one child, read from the log for the
data-protection officer alone, and the export logged as a read of the child's record."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence
from uuid import UUID

from domain import access
from domain.access import Actor
from domain.application.administration import Administration
from domain.application.base import command
from domain.concern import Concern, concern_id
from domain.model import AccessEntry, Child, KopirAggregate

PURPOSE = "subject_access"  # the access log's purpose of an export (at most 16 letters)


@dataclass(frozen=True)
class SubjectStreams:
    """A child's stored events, decrypted as far as their keys still exist: the child's own
    stream, the stream of their concerns, and each signal (escalation) raised about them."""

    child: Child
    events: list[KopirAggregate.Event]
    concern: list[KopirAggregate.Event] = field(default_factory=list)
    signals: dict[str, list[KopirAggregate.Event]] = field(default_factory=dict)


class SubjectAccess(Administration):
    def subject_streams(self, actor: Actor, code: str,
                        signal_ids: Iterable[str] = ()) -> SubjectStreams:
        """Every event held about the child, for a subject-access export (the
        data-protection officer only). Signals are found from the concern stream and the
        record's own entries, and `signal_ids` (those the read models know) are added; a
        signal about another child is never included."""
        access.check_may_export_subject(actor)
        child = self.child(code)
        events = self._without_erased_participants(list(self.events.get(child.id)))
        concern = list(self.events.get(concern_id(str(child.id))))
        wanted = {str(e.signal_id) for e in concern if isinstance(e, Concern.SignalAttached)}
        wanted |= {str(e.escalation_id) for e in events
                   if isinstance(e, Child.ConcernRaised) and e.escalation_id}
        wanted |= {str(s) for s in signal_ids}
        signals = {}
        for signal_id in sorted(wanted):
            stream = list(self.events.get(_uuid(signal_id))) if _uuid(signal_id) else []
            if stream and str(getattr(stream[0], "child_id", "")) == str(child.id):
                signals[signal_id] = stream
        return SubjectStreams(child, events, concern, signals)

    @command
    def record_subject_access(self, actor: Actor, code: str, fields: Sequence[str]) -> UUID:
        """Log a subject-access export of the child's record (who, which child, what it
        held, when) in the access log: only by the data-protection officer."""
        access.check_may_export_subject(actor)
        child = self.child(code)
        entry = AccessEntry.view(self.new_id(), str(child.id), code, PURPOSE, fields, "",
                                 self._stamp(actor, child.school_id))
        self._save(entry)
        return entry.id


def _uuid(text: str) -> UUID | None:
    try:
        return UUID(text)
    except ValueError:
        return None


def plain(event: Any) -> dict[str, Any]:
    """An event as plain data: its kind, version, when it was recorded, and its fields."""
    values = {k: v for k, v in vars(event).items()
              if k not in ("originator_id", "originator_version", "timestamp")}
    return {"kind": type(event).__name__, "version": event.originator_version,
            "recorded_at": event.timestamp, **values}
