"""A child's file as a PDF: the chronology, the support plan and the concerns with their
decisions, as the reader's role may see them, in the reader's language (kk, ru or en).

Making the file is one deliberate read of the child's record, logged with the purpose
"print" (`projections.queries.child_file`); this module only lays the pages out.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from domain import access
from domain.access import Actor
from projections.queries.child_file import child_file
from projections.queries.staff import StaffQueries
from ui import names, printable
from ui.i18n import LANGUAGES, fmt_date, fmt_datetime, translate
from ui.pdf_layout import Document, Frame, fonts

CHRONOLOGY_WIDTHS = (31, 29, 102, 28)
MEASURE_WIDTHS = (32, 25, 33, 21, 21, 20, 38)


def child_file_pdf(staff: StaffQueries, actor: Actor, code: str, language: str,
                   printed_at: datetime) -> bytes:
    """The child's file as PDF bytes, for `actor` in `language`; logged as one read (purpose
    "print"). Raises the query's refusals (unknown child, not in scope), and `FontMissing`
    before anything is read when the font is not installed."""
    fonts()
    data = child_file(staff, actor, code)
    return render(data, actor, language if language in LANGUAGES else "en", printed_at)


def render(data: dict[str, Any], actor: Actor, language: str, printed_at: datetime) -> bytes:
    """Lay out a file made by `child_file` (already redacted for `actor`)."""
    def t(key: str, **values: object) -> str:
        return translate(key, language, **values)

    code = data["summary"]["code"]
    school = data["school"]
    name = names.actor(actor, language)
    frame = Frame(header=(
        t("pdf.title", code=code) + " · " + t("pdf.school", school=f"{names.school(school, language)} "
                                                                   f"({school['school_id']})"),
        t("pdf.printed", name=name, role=t(f"role.{actor.role.value}"),
          when=fmt_datetime(printed_at, language))),
        notice=t("pdf.confidential"), page_label=t("pdf.page", n="{n}", total="{total}"))
    pdf = Document(frame, title=t("pdf.title", code=code), author=name)
    pdf.title_line(t("pdf.title", code=code))
    summary = data["summary"]
    facts = [f"{t('col.grade')}: {summary.get('grade', '')}",
             f"{t('col.age_band')}: {summary.get('age_band', '')}"]
    if data["plan"].get("status"):
        facts.append(f"{t('plan.status')}: {plan_status(data['plan'], language)}")
    pdf.paragraph(" · ".join(facts))

    pdf.heading(t("pdf.chronology"))
    if not access.sees_whole_chronology(actor):
        pdf.paragraph(t("chronology.own_entries"), muted=True)
    if data["entries"]:
        pdf.grid([t("col.when"), t("col.what"), t("col.summary"), t("col.recorded_by")],
                 [entry_cells(row, language) for row in data["entries"]], CHRONOLOGY_WIDTHS)
    else:
        pdf.paragraph(t("empty.chronology"), muted=True)

    pdf.heading(t("pdf.plan"))
    plan_section(pdf, data["plan"], language)
    pdf.heading(t("pdf.concerns"))
    concerns_section(pdf, data["concerns"], language)
    return pdf.output_bytes()


def entry_cells(row: dict[str, Any], language: str) -> list[str]:
    """One chronology entry: when, what, what it says (with its marks, scores and notes as
    far as the reader may see them), who recorded it."""
    def t(key: str, **values: object) -> str:
        return translate(key, language, **values)

    fields = row["fields"]
    lines = []
    if row["kind"] == "CounsellingSessionRecorded":
        lead = [t(f"choice.{name}.{fields[name]}") for name in ("session_type", "attendance")
                if fields.get(name)]
        if lead:
            lines.append(", ".join(lead))
    text = printable.summary_text(row, language)
    if text:
        lines.append(text)
    if fields.get("severity"):
        lines.append(f"{t('col.severity')}: {fields['severity']}")
    if isinstance(fields.get("wellbeing"), dict) and fields["wellbeing"]:
        lines.append(t("field.wellbeing") + ": " + ", ".join(
            f"{t('field.' + k)} {v}" for k, v in sorted(fields["wellbeing"].items())))
    if row.get("confidential_notes"):
        lines.append(f"{t('field.confidential_notes')}: {row['confidential_notes']}")
    marks = printable.marks(row, language)
    if marks:
        lines.append(f"[{marks}]")
    return [fmt_datetime(row["occurred_at"], language), t(f"kind.{row['kind']}"),
            "\n".join(lines), row["recorded_by"]]


def plan_status(plan: dict[str, Any], language: str) -> str:
    status = plan["status"] + ("_closing" if plan.get("closing") else "")
    return translate(f"plan.status.{status}", language)


def day(value: Any, language: str) -> str:
    """A plan's date (a date, a moment, or ISO text) in the language's form; '—' if none."""
    if not value:
        return "—"
    if isinstance(value, str):
        try:
            value = (datetime.fromisoformat(value) if "T" in value
                     else date.fromisoformat(value[:10]))
        except ValueError:
            return value
    return fmt_date(value, language)


def plan_section(pdf: Document, plan: dict[str, Any], language: str) -> None:
    def t(key: str, **values: object) -> str:
        return translate(key, language, **values)

    if not plan.get("status"):
        pdf.paragraph(t("plan.none"), muted=True)
        return
    pdf.paragraph(" · ".join([
        f"{t('plan.status')}: {plan_status(plan, language)}",
        f"{t('plan.owner')}: {names.person(plan, 'owner', language)}, "
        f"{day(plan.get('drafted_at'), language)}",
        f"{t('plan.next_review')}: {day(plan.get('review_on'), language)}"]))
    if plan.get("note"):
        pdf.paragraph(f"{t('field.note')}: {plan['note']}")
    if plan.get("closure_reason"):
        pdf.paragraph(f"{t('field.closure_reason')}: "
                      f"{t('choice.closure_reason.' + plan['closure_reason'])}")
    pdf.subheading(t("plan.goals"))
    pdf.grid([t("plan.area"), t("plan.target_col")],
             [[t(f"field.{g['area']}"), g.get("target", "")] for g in plan["goals"]], (45, 145))
    pdf.subheading(t("plan.measures"))
    if plan["measures"]:
        pdf.grid([t("plan.measure"), t("plan.area"), t("plan.responsible"), t("plan.starts_on"),
                  t("plan.review_on"), t("plan.measure_status"), t("plan.result")],
                 [[t(f"choice.measure_type.{m['measure_type']}")
                   + (f"\n{m['description']}" if m.get("description") else ""),
                   t(f"field.{m['area']}"),
                   names.person(m, "responsible", language),
                   day(m.get("starts_on"), language), day(m.get("review_on"), language),
                   t(f"choice.measure_status.{m['status']}"), m.get("result", "")]
                  for m in plan["measures"]], MEASURE_WIDTHS)
    else:
        pdf.paragraph(t("plan.no_measures"), muted=True)
    goals = {g["goal_id"]: t(f"field.{g['area']}") for g in plan["goals"]}
    pdf.subheading(t("pdf.reviews"))
    if plan["reviews"]:
        pdf.grid([t("plan.reviewed_at"), t("col.recorded_by"), t("field.outcomes"),
                  t("field.note")],
                 [[day(r["at"], language), r["by"],
                   "\n".join(f"{goals.get(goal, '…')}: {t('choice.goal_outcome.' + outcome)}"
                             for goal, outcome in r["outcomes"].items()), r.get("note", "")]
                  for r in plan["reviews"]], (27, 33, 60, 70))
    else:
        pdf.paragraph(t("plan.no_reviews"), muted=True)
    if plan["steps"]:
        pdf.subheading(t("plan.history"))
        pdf.grid([t("col.when"), t("pdf.decision"), t("col.recorded_by"), t("field.note")],
                 [[day(s["at"], language), t(f"plan.step.{s['step']}")
                   + (f": {t('choice.closure_reason.' + s['closure_reason'])}"
                      if s.get("closure_reason") else ""),
                   s["by"] + (f" ({s['acting_for']})" if s.get("acting_for") else ""),
                   s.get("note", "")] for s in plan["steps"]], (27, 55, 40, 68))


def concerns_section(pdf: Document, concerns: list[dict[str, Any]] | None,
                     language: str) -> None:
    def t(key: str, **values: object) -> str:
        return translate(key, language, **values)

    if concerns is None:
        pdf.paragraph(t("pdf.concerns_hidden"), muted=True)
        return
    if not concerns:
        pdf.paragraph(t("pdf.no_concerns"), muted=True)
        return
    for row in concerns:
        pdf.subheading(t("pdf.concern", opened=fmt_datetime(row["opened_at"], language),
                         level=t(f"choice.level.{row['level']}"),
                         status=t(f"status.{row['status']}"), n=row["signal_count"]))
        if row.get("outcome"):
            pdf.paragraph(f"{t('field.outcome')}: {t('choice.outcome.' + row['outcome'])}")
        rows = [[decision(step, language), step.get("note", "")]
                for step in row["history"]]
        if rows:
            pdf.grid([t("pdf.decision"), t("field.note")], rows, (85, 105))


def decision(step: dict[str, Any], language: str) -> str:
    """A step in a concern's history as a sentence: who decided what, and when."""
    by = step.get("by", "")
    if step.get("acting_for"):
        by = translate("history.acting_for", language, deputy=by, supervisor=step["acting_for"])
    at = step.get("at")
    when = fmt_datetime(datetime.fromisoformat(at) if isinstance(at, str) else at, language) \
        if at else ""
    text = translate(f"history.{step['action']}", language, by=by, at=when)
    if step.get("outcome"):
        text += f" ({translate('choice.outcome.' + step['outcome'], language)})"
    return text


def download_button(actor: Actor, code: str, key: str) -> None:
    """A page's button for the child's file as a PDF. The file is made, and its read logged,
    only when the button is pressed, not on every run of the page."""
    import streamlit as st

    from ui import services
    from ui.i18n import current_language

    staff, clock, language = services.staff(), services.app().clock, current_language()
    st.download_button(
        translate("pdf.download", language), icon=":material/picture_as_pdf:",
        help=translate("pdf.download_help", language),
        data=lambda: child_file_pdf(staff, actor, code, language, clock.now()),
        file_name=f"{code}.pdf", mime="application/pdf", key=key)
