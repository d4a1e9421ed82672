"""The words for the audit pages: a stored event's content as a short sentence in the
reader's language (fields as "label: value", choices and dates in words, other children
by code, people by name, other entries as "entry of 12 March"), and the fields an access
entry names. No raw JSON and no identifiers: those stay in the audit export."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Mapping

from ui.i18n import (
    current_language,
    fmt_date,
    fmt_datetime,
    fmt_number,
    has,
    translate,
    translate_n,
)

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)

# The choice list a field's values come from (its labels are `choice.<list>.<value>`).
CHOICES = {"attendance": "attendance", "closure_reason": "closure_reason",
           "purpose": "consent_purpose", "contact_type": "contact_type",
           "family_situation": "family", "given_by": "family_member",
           "refused_by": "family_member", "contact_with": "family_member",
           "label_about": "label_about", "languages": "language", "level": "level",
           "measure_type": "measure_type", "child_role": "participant_role",
           "role": "participant_role", "session_type": "session_type"}
BY_EVENT = {("ConflictRecorded", "kind"): "conflict_kind",
            ("PeerIncidentRecorded", "kind"): "peer_kind",
            ("FamilyContactRecorded", "outcome"): "contact_outcome",
            ("MeasureUpdated", "status"): "measure_status"}
PEOPLE = {"responsible", "acting_for", "assignee", "deputy", "recorded_by", "supervisor"}
ENTRIES = {"amends", "retracts"}
# Identifiers of the event itself or of its parts: the export has them, the page does not.
OWN_IDS = {"entry_id", "incident_id", "goal_id", "review_id", "measure_id", "escalation_id"}
# A field whose label is another field's.
SAME_AS = {"code": "child_code", "owner_name": "owner", "owner_names": "owner",
           "responsible_name": "responsible", "responsible_names": "responsible",
           "wellbeing_trend": "wellbeing", "concern_id": "concern"}


def label(name: str, language: str | None = None) -> str:
    """A field's name in words (`field.<name>`), or the name itself if it has none."""
    language = language or current_language()
    base = SAME_AS.get(name, name.split("[", 1)[0].split(".", 1)[0])
    return translate(f"field.{base}", language) if has(f"field.{base}") else base


def fields_in_words(names: list[str], language: str | None = None) -> str:
    """The fields an access entry names, as words: "When it happened, Kind, Severity"."""
    return ", ".join(dict.fromkeys(label(name, language) for name in names))


class Wording:
    """Turns one child's events into sentences. `events` is the whole log (to find the
    entries, goals and measures it refers to); `names` maps user ids to display names."""

    def __init__(self, events: list[dict[str, Any]], names: Mapping[str, str],
                 language: str | None = None):
        self.language = language or current_language()
        self.names = names
        self.entries: dict[str, datetime] = {}
        self.parts: dict[str, str] = {}
        for event in events:
            fields = event["fields"]
            if isinstance(fields.get("entry_id"), str):
                self.entries.setdefault(fields["entry_id"], event["occurred_at"])
            if isinstance(fields.get("goal_id"), str) and fields.get("area"):
                self.parts[fields["goal_id"]] = self._t(f"field.{fields['area']}")
            if isinstance(fields.get("measure_id"), str) and fields.get("measure_type"):
                self.parts[fields["measure_id"]] = self._choice("measure_type",
                                                                fields["measure_type"])

    def _t(self, key: str, **values: object) -> str:
        return translate(key, self.language, **values)

    def _choice(self, group: str, value: Any) -> str:
        key = f"choice.{group}.{value}"
        return self._t(key) if has(key) else str(value)

    def summary(self, event: dict[str, Any]) -> str:
        """"Label: value; label: value" for every field of the event that has a value."""
        kind = event["type"]
        parts = []
        for name, value in event["fields"].items():
            if name in OWN_IDS and name != "measure_id" or _empty(value):
                continue
            if name == "measure_id" and kind != "MeasureUpdated":
                continue
            parts.append(f"{label(name, self.language)}: {self.value(kind, name, value)}")
        return "; ".join(parts)

    def value(self, kind: str, name: str, value: Any) -> str:
        group = BY_EVENT.get((kind, name)) or CHOICES.get(name)
        if name in PEOPLE and isinstance(value, str):
            return self.names.get(value, value)
        if name in ENTRIES and isinstance(value, str):
            return self.entry(value)
        if name in ("measure_id", "goal_id") and isinstance(value, str):
            return self.parts.get(value) or self.reference(value)
        if name == "participants" and isinstance(value, list):
            return ", ".join(self.participant(p) for p in value)
        if name == "outcomes" and isinstance(value, dict):
            return ", ".join(f"{self.parts.get(k) or self.reference(k)} — "
                             f"{self._choice('goal_outcome', v)}" for k, v in value.items())
        if isinstance(value, dict):
            return ", ".join(f"{label(k, self.language)} {self.value(kind, k, v)}"
                             for k, v in value.items() if not _empty(v))
        if isinstance(value, list):
            return ", ".join(self.value(kind, name, v) for v in value)
        if isinstance(value, bool):
            return self._t("events.yes" if value else "events.no")
        if group and isinstance(value, str):
            return self._choice(group, value)
        if name in ("area",) and has(f"field.{value}"):
            return self._t(f"field.{value}")
        return self.scalar(value)

    def scalar(self, value: Any) -> str:
        if isinstance(value, datetime):
            return fmt_datetime(value, self.language)
        if isinstance(value, date):
            return fmt_date(value, self.language)
        text = str(value)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return fmt_date(date.fromisoformat(text), self.language)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}T[\d:.]+([+-]\d{2}:\d{2}|Z)?", text):
            return fmt_datetime(datetime.fromisoformat(text), self.language)
        return UUID.sub(lambda found: self.reference(found.group(0)), text)

    def participant(self, part: Any) -> str:
        if not isinstance(part, dict):
            return self.scalar(part)
        code = part.get("child_code") or self._t("events.erased_child")
        role = part.get("role")
        return f"{code} ({self._choice('participant_role', role)})" if role else str(code)

    def entry(self, entry_id: str) -> str:
        when = self.entries.get(entry_id)
        if when is None:
            return self.reference(entry_id)
        return self._t("events.entry_of", when=fmt_date(when, self.language))

    def reference(self, identifier: str) -> str:
        """A short reference ("ref. 1b2c3d") where the log names nothing better."""
        return self._t("events.reference", ref=identifier.replace("-", "")[:6])


def fingerprint(key_id: str) -> str:
    """A checkpoint key as a person can compare it: "3F2A 9C1B" (the first 8 characters
    of the key id `kopir verify-log` prints)."""
    return f"{key_id[:4]} {key_id[4:8]}".upper()


def ledger_sentences(verdict: Any, every: int, minutes: float,
                     language: str | None = None) -> list[str]:
    """What a verified log means, counted in words: how many events and checkpoints, by
    which key, and what the events after the last checkpoint rest on."""
    language = language or current_language()

    def count(key: str, n: int, **values: object) -> str:
        return translate_n(key, n, language, **values)

    keys = [fingerprint(k) for k in verdict.key_ids]
    said = [count("events.ledger.verified", verdict.events),
            count("events.ledger.checkpoints", verdict.checkpoints)]
    if keys:
        said.append(count("events.ledger.keys", len(keys), fingerprints=", ".join(keys)))
    said.append(count("events.ledger.covered", verdict.events,
                      covered=fmt_number(verdict.covered, language)))
    rest = verdict.events - verdict.covered
    if rest:
        said.append(count("events.ledger.rest", rest, every=fmt_number(every, language),
                          minutes=fmt_number(minutes, language)))
    return said


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}
