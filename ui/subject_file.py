"""A subject-access export as a printable PDF (the printed file's layout, `ui.pdf_layout`):
the child, the record entry by entry with every field (the text as first recorded beside an
amended one), the support plan, the concerns' signals and decisions, and the access log.

The export itself is made (and logged) by `processes.subject_access`; this only lays it
out, in English, Russian or Kazakh."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Callable

from domain.access import Actor
from domain.application import SchoolIntegration
from processes.subject_access import subject_access
from projections.views import ReadModelView
from ui.child_file import plan_section
from ui.i18n import LANGUAGES, fmt_datetime, translate
from ui.pdf_layout import Document, Frame, fonts

RECORD_WIDTHS = (34, 34, 122)
EVENT_WIDTHS = (30, 30, 40, 90)
READ_WIDTHS = (30, 38, 34, 88)
# What every event carries, shown in its own columns rather than among its fields.
STAMP = frozenset({"kind", "version", "recorded_at", "recorded_by", "role", "school_id",
                   "occurred_at", "originator_topic"})
ALIASES = {"code": "child_code", "enrolled_at": "enrolled_on"}  # the child's facts' labels


def export_of(app: SchoolIntegration, view: ReadModelView, actor: Actor, code: str,
              language: str, say: Callable[[str], None] = lambda _: None
              ) -> tuple[dict[str, Any], bytes]:
    """The subject-access export of `code` and its PDF in `language`, as the command line
    and the page make it: a missing font is said before anything is read or logged; the
    export is logged as one read of the record. Each step is told to `say` by its key."""
    fonts()
    say("subject.step.read")
    data = subject_access(app, view, actor, code)
    say("subject.step.pdf")
    return data, subject_pdf(data, actor.display_name or actor.user_id, language)


def subject_pdf(export: dict[str, Any], made_by: str, language: str) -> bytes:
    """The export (`processes.subject_access.subject_access`) as PDF bytes."""
    language = language if language in LANGUAGES else "en"
    page = Page(language)
    t = page.t
    child = export["child"]
    frame = Frame(header=(t("subject.title", code=child["code"]),
                          t("subject.made", name=made_by, role=t("role.dpo"),
                            when=page.when(export["exported_at"]))),
                  notice=t("subject.notice"), page_label=t("pdf.page", n="{n}", total="{total}"))
    pdf = Document(frame, title=t("subject.title", code=child["code"]), author=made_by)
    pdf.title_line(t("subject.title", code=child["code"]))
    if export["erased"]:
        erased = export["erased"]
        pdf.paragraph(t("subject.erased", when=page.when(erased["at"]),
                        basis=erased["legal_basis"] or "—"))
    pdf.heading(t("subject.child"))
    pdf.paragraph("\n".join(f"{page.label(k)}: {page.text(v)}" for k, v in child.items()
                            if v not in (None, "", [])))

    pdf.heading(t("subject.record"))
    if export["record"]:
        pdf.grid([t("col.when"), t("col.what"), t("col.content")],
                 [page.record_cells(row) for row in export["record"]], RECORD_WIDTHS)
    else:
        pdf.paragraph(t("subject.none"), muted=True)

    pdf.heading(t("pdf.plan"))
    plan_section(pdf, export["plan"], language)

    pdf.heading(t("subject.decisions"))
    page.events(pdf, export["concerns"]["decisions"])
    pdf.heading(t("subject.signals"))
    if not export["concerns"]["signals"]:
        pdf.paragraph(t("subject.none"), muted=True)
    for signal in export["concerns"]["signals"]:
        pdf.subheading(t("subject.signal", id=signal["signal_id"]))
        page.events(pdf, signal["events"])

    pdf.heading(t("subject.access_log"))
    if export["access_log"]:
        pdf.grid([t("col.when"), t("col.reader"), t("col.purpose"), t("col.fields")],
                 [[page.when(r["viewed_at"]), f"{r['viewed_by']} ({page.role(r['role'])})",
                   page.purpose(r["purpose"]), ", ".join(r["fields"])]
                  for r in export["access_log"]], READ_WIDTHS)
    else:
        pdf.paragraph(t("subject.none"), muted=True)
    return pdf.output_bytes()


class Page:
    """The words and values of one export in one language."""

    def __init__(self, language: str) -> None:
        self.language = language

    def t(self, key: str, **values: object) -> str:
        return translate(key, self.language, **values)

    def named(self, key: str, fallback: str) -> str:
        """The label of `key`, or `fallback` where there is none."""
        found = translate(key, self.language)
        return fallback if found == key else found

    def label(self, name: str) -> str:
        return self.named(f"field.{ALIASES.get(name, name)}", name)

    def kind(self, name: str) -> str:
        return self.named(f"kind.{name}", name)

    def role(self, name: str) -> str:
        return self.named(f"role.{name}", name)

    def purpose(self, name: str) -> str:
        return self.named(f"access.purpose.{name}", name)

    def when(self, value: Any) -> str:
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                return value
        return fmt_datetime(value, self.language) if isinstance(value, datetime) else \
            self.text(value)

    def text(self, value: Any) -> str:
        """A field's value as text: a dict as "name: value" pairs, a list item by item."""
        if value is None:
            return ""
        if isinstance(value, bool):
            return self.t("family.yes" if value else "family.no")
        if isinstance(value, datetime):
            return self.when(value)
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, dict):
            return "; ".join(f"{self.label(str(k))}: {self.text(v)}" for k, v in value.items()
                             if v not in (None, "", [], {}))
        if isinstance(value, (list, tuple, set, frozenset)):
            return ", ".join(self.text(v) for v in value)
        return str(value)

    def lines(self, fields: dict[str, Any]) -> list[str]:
        return [f"{self.label(k)}: {self.text(v)}" for k, v in sorted(fields.items())
                if k not in STAMP and v not in (None, "", [], {})]

    def record_cells(self, row: dict[str, Any]) -> list[str]:
        """One entry: when it happened and was recorded, what it is (and its state), and
        every field it holds."""
        lines = self.lines(row["fields"])
        if row.get("confidential_notes"):
            lines.append(f"{self.label('confidential_notes')}: {row['confidential_notes']}")
        if row.get("reason"):
            lines.append(f"{self.label('reason')}: {row['reason']}")
        if row.get("original_fields"):
            lines.append(f"{self.t('subject.as_recorded')}: "
                         + "; ".join(self.lines(row["original_fields"])))
        what = [self.kind(row["kind"])]
        if row["status"] != "recorded":
            what.append(f"[{self.t('mark.' + row['status'])}]")
        if row.get("late"):
            what.append(f"[{self.t('mark.late', days=row['delay_seconds'] // 86400)}]")
        return [f"{self.when(row['occurred_at'])}\n{self.t('col.recorded_at')}: "
                f"{self.when(row['recorded_at'])}\n{row['recorded_by']} "
                f"({self.role(row['role'])})", "\n".join(what), "\n".join(lines)]

    def events(self, pdf: Document, events: list[dict[str, Any]]) -> None:
        """A stream's events (a concern's decisions, a signal's life): when, who, what."""
        if not events:
            pdf.paragraph(self.t("subject.none"), muted=True)
            return
        pdf.grid([self.t("col.when"), self.t("col.recorded_by"), self.t("col.what"),
                  self.t("col.content")],
                 [[self.when(e["recorded_at"]), f"{e['recorded_by']} ({self.role(e['role'])})",
                   self.kind(e["kind"]), "\n".join(self.lines(e))] for e in events],
                 EVENT_WIDTHS)
