"""A form sent many times at once records once, enforced by the store: sixteen concurrent
submissions with one submission id store exactly one entry, and every one of them is
answered with that entry; the same id for another child is refused, so the projection
never meets two entries with one id. (Finding 4.)"""

from __future__ import annotations

import threading
from uuid import uuid4

import pytest

from domain.errors import KopirError, SubmissionReused
from tests import forms


def test_sixteen_concurrent_submissions_with_one_id_record_one_entry(world):
    world.app.enrol_child(world.psychologist, forms.enrolment("AST-0001", world.later(hours=1)))
    world.app.enrol_child(world.psychologist, forms.enrolment("AST-0002", world.later(hours=1)))
    submission = str(uuid4())
    when = world.later(hours=1)
    report = forms.conflict(when, participants=forms.with_other("AST-0002"))
    answers: list[str] = []
    refusals: list[str] = []
    start = threading.Barrier(16)

    def submit() -> None:
        start.wait()
        try:
            answers.append(world.app.record_conflict(world.teacher, "AST-0001", report,
                                                     entry_id=submission))
        except KopirError as refusal:  # told to reload: nothing was recorded twice either
            refusals.append(type(refusal).__name__)

    threads = [threading.Thread(target=submit) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(answers) <= {submission} and answers, (answers, refusals)
    for code in ("AST-0001", "AST-0002"):  # the other child's copy too
        kinds = [type(e).__name__ for e in world.app.child_events(world.auditor, code)]
        assert kinds.count("ConflictRecorded") == 1, (code, kinds)
    assert world.project() > 0  # and the read models take it


def test_one_submission_id_for_two_children_records_once_and_the_projection_goes_on(world):
    for code in ("AST-0001", "AST-0002", "AST-0003"):
        world.app.enrol_child(world.psychologist, forms.enrolment(code, world.later(hours=1)))
    submission = str(uuid4())
    recorded: list[str] = []
    refused: list[str] = []
    start = threading.Barrier(16)

    def submit(code: str) -> None:
        start.wait()
        try:
            world.app.record_conflict(world.teacher, code, forms.conflict(world.later()),
                                      entry_id=submission)
            recorded.append(code)
        except KopirError as refusal:
            refused.append(type(refusal).__name__)

    threads = [threading.Thread(target=submit, args=(("AST-0001", "AST-0003")[n % 2],))
               for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(recorded)) == 1, (recorded, refused)  # one child got it, however often asked
    stored = [e for code in ("AST-0001", "AST-0003")
              for e in world.app.child_events(world.auditor, code)
              if getattr(e, "entry_id", None) == submission]
    assert len(stored) == 1
    assert set(refused) <= {"SubmissionReused", "RecordChanged"}
    with pytest.raises(SubmissionReused):
        world.app.record_peer_incident(world.teacher, "AST-0002",
                                       forms.peer_incident(world.later()), entry_id=submission)
    world.project()  # never two chronology rows with one id
