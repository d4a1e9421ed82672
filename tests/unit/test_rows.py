"""Rows of an import file become the payloads the forms would give (no I/O): text cells
converted to each field's type, every problem of a row at once, in the forms' words."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from domain.commands import ConflictReport, Correction, CounsellingSession, Participant
from domain.errors import InvalidEntry
from domain.rows import parse, submission_id

ZONE = timezone(timedelta(hours=5))


def problems(row: dict) -> dict[str, str]:  # type: ignore[type-arg]
    with pytest.raises(InvalidEntry) as refused:
        parse(row, 7, ZONE)
    return {p.field: p.message for p in refused.value.problems}


def test_a_csv_row_of_text_becomes_the_forms_payload():
    row = parse({"row_id": "r1", "form": "conflict", "child_code": "AST-0001",
                 "occurred_at": "2026-03-02 10:30", "kind": "physical", "severity": " 3 ",
                 "description": "Pushing at break.", "staff_involved": "yes",
                 "participants": "AST-0002:initiator; AST-0003:witness", "action_taken": ""},
                7, ZONE)
    assert isinstance(row.payload, ConflictReport)
    assert row.payload.occurred_at == datetime(2026, 3, 2, 10, 30, tzinfo=ZONE)  # local time
    assert row.payload.severity == 3 and row.payload.staff_involved is True
    assert row.payload.participants == (Participant("AST-0002", "initiator"),
                                        Participant("AST-0003", "witness"))
    assert row.entry_id == submission_id("r1") == parse(
        {"row_id": "r1", "form": "retraction", "child_code": "AST-0001", "entry": "r0",
         "reason": "x"}, 1, ZONE).entry_id


def test_a_session_takes_its_scores_as_columns_or_as_one_object():
    common = {"row_id": "s", "form": "session", "child_code": "AST-0001",
              "occurred_at": "2026-03-02T10:30:00+05:00", "session_type": "individual",
              "attendance": "attended", "follow_up_on": "2026-03-16"}
    columns = parse({**common, "social_ties": "3", "school_engagement": "4",
                     "emotional_state": "2", "family_support": "5"}, 1, ZONE).payload
    whole = parse({**common, "wellbeing": '{"social_ties": 3, "school_engagement": 4, '
                                           '"emotional_state": 2, "family_support": 5}'},
                  1, ZONE).payload
    assert isinstance(columns, CounsellingSession) and columns == whole
    assert columns.follow_up_on == date(2026, 3, 16)
    assert problems({**common, "social_ties": "3"}) == {
        "school_engagement": "is needed and missing.",
        "emotional_state": "is needed and missing.", "family_support": "is needed and missing."}


def test_every_problem_of_a_row_at_once_in_the_forms_words():
    found = problems({"row_id": "r2", "form": "conflict", "child_code": "ast 1",
                      "occurred_at": "yesterday", "kind": "shouting", "severity": "9",
                      "social_ties": "3", "participants": "AST-0002"})
    assert found == {
        "child_code": "a child code is 3 to 20 capital letters, digits or dashes, e.g. AST-0042.",
        "social_ties": "is not a field of the conflict form.",
        "occurred_at": "must be a date and time like 2026-03-02T10:30.",
        "participants": "list the other children as CODE:role separated by ';', "
                        "e.g. AST-0042:initiator.",
        "description": "is needed and missing.",
        "kind": "must be one of: verbal, physical, with_teacher, property.",
        "severity": "must be a whole number from 1 to 5."}
    assert problems({"form": "party"}) == {
        "row_id": "please write something here; it cannot be empty.",
        "form": "must be one of: enrolment, conflict, peer_incident, session, concern, "
                "amendment, retraction, family_contact, consent, plan, measure, review."}


def test_an_amendment_names_its_changes_by_column_or_as_an_object():
    by_column = parse({"row_id": "a", "form": "amendment", "child_code": "AST-0001",
                       "entry": "r1", "reason": "Worse than written.", "change.severity": "4",
                       "change.occurred_at": "2026-03-02T09:00"}, 1, ZONE).payload
    assert isinstance(by_column, Correction) and by_column.entry_id == submission_id("r1")
    assert by_column.changes == {"severity": 4,
                                 "occurred_at": datetime(2026, 3, 2, 9, 0, tzinfo=ZONE)}
    assert problems({"row_id": "a", "form": "amendment", "child_code": "AST-0001",
                     "entry": "r1", "reason": "Nothing."}) == {
        "changes": "an amendment must change something."}
    assert problems({"row_id": "b", "form": "retraction", "child_code": "AST-0001",
                     "reason": "x", "change.severity": "2"}) == {
        "change.severity": "is not a field of the retraction form.",
        "entry": "is needed and missing."}
