"""Printable HTML and CSV of a chronology or an audit bundle, and the lines of an entry the
printed PDF shares (in a given language). Every value is escaped:
what a person typed is never markup."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from html import escape
from typing import Any

from ui.i18n import current_language, fmt_datetime, translate

KINDS = ("ChildEnrolled", "ChildTransferred", "EnrolmentClosed", "ConflictRecorded",
         "PeerIncidentRecorded", "CounsellingSessionRecorded", "ConcernRaised", "EntryAmended",
         "EntryRetracted", "FamilyContactRecorded", "PlanDrafted", "GoalAdded", "MeasureAdded",
         "MeasureUpdated", "PlanApproved", "PlanReviewed", "PlanClosureProposed",
         "PlanClosureDeclined", "PlanClosed", "PlanReopened", "ConsentRecorded",
         "TransferProposed", "TransferRejected")
# What a step of the support plan or the family work says first, by the choice it names.
LEADS = {"MeasureAdded": ("measure_type", "choice.measure_type."),
         "MeasureUpdated": ("status", "choice.measure_status."),
         "GoalAdded": ("area", "field."),
         "PlanClosureProposed": ("closure_reason", "choice.closure_reason."),
         "PlanClosed": ("closure_reason", "choice.closure_reason."),
         "ConsentRecorded": ("purpose", "choice.consent_purpose."),
         "FamilyContactRecorded": ("outcome", "choice.contact_outcome."),
         "TransferProposed": ("to_school_id", ""), "TransferRejected": ("to_school_id", "")}
STYLE = ("body{font-family:system-ui,sans-serif;margin:2em;color:#222}"
         "table{border-collapse:collapse;width:100%}td,th{border:1px solid #bbb;padding:4px;"
         "vertical-align:top;font-size:12px}th{background:#eee}"
         ".muted{color:#666}@media print{a{display:none}}")


def t(key: str, language: str | None = None, **values: object) -> str:
    """The label `key` in `language` (by default the session's)."""
    return translate(key, language or current_language(), **values)


def summary_text(row: dict[str, Any], language: str | None = None) -> str:
    """What an entry says, in a line: the choice it names first, then what was written."""
    fields = row["fields"]
    text = str(fields.get("description") or fields.get("summary") or fields.get("reason")
               or row.get("reason") or fields.get("target") or fields.get("result")
               or fields.get("note") or "")
    lead = LEADS.get(row["kind"])
    if lead is not None and fields.get(lead[0]):
        value = str(fields[lead[0]])
        named = t(lead[1] + value, language) if lead[1] else value
        if row["kind"] == "ConsentRecorded":
            named += ": " + t("family.yes" if fields.get("given") else "family.no", language)
        text = f"{named}. {text}" if text else named
    if row["kind"] == "PlanReviewed" and isinstance(fields.get("outcomes"), dict):
        counts: dict[str, int] = {}
        for outcome in fields["outcomes"].values():
            counts[outcome] = counts.get(outcome, 0) + 1
        text = ", ".join(f"{t('choice.goal_outcome.' + k, language)} {n}"
                         for k, n in counts.items()) \
            + (f". {text}" if text else "")
    return text


def chronology_rows(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [{
        t("col.when"): fmt_datetime(r["occurred_at"]),
        t("col.what"): t(f"kind.{r['kind']}"),
        t("col.severity"): str(r["fields"].get("severity") or ""),
        t("col.summary"): summary_text(r),
        t("col.marks"): marks(r),
        t("col.recorded_by"): r["recorded_by"],
        t("col.recorded_at"): fmt_datetime(r["recorded_at"]),
    } for r in rows]


def marks(row: dict[str, Any], language: str | None = None) -> str:
    found = []
    if row["late"]:
        found.append(t("mark.late", language, days=row["delay_seconds"] // 86400))
    if row["status"] != "recorded":
        found.append(t(f"mark.{row['status']}", language))
    if row.get("corrects"):
        found.append(t("mark.correction", language))
    return ", ".join(found)


def html_page(title: str, subtitle: str, table: list[dict[str, str]]) -> str:
    head = "".join(f"<th>{escape(k)}</th>" for k in (table[0] if table else {}))
    body = "".join("<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in row.values())
                   + "</tr>" for row in table)
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
            f"<style>{STYLE}</style></head><body><h1>{escape(title)}</h1>"
            f"<p class='muted'>{escape(subtitle)}</p><table><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table></body></html>")


def to_csv(table: list[dict[str, str]]) -> str:
    out = io.StringIO()
    if table:
        writer = csv.DictWriter(out, fieldnames=list(table[0]))
        writer.writeheader()
        writer.writerows(table)
    return out.getvalue()


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def to_json(bundle: dict[str, Any]) -> str:
    return json.dumps(bundle, ensure_ascii=False, indent=2, default=_plain, sort_keys=True)
