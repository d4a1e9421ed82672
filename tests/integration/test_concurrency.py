"""Optimistic concurrency: two staff saving the same child at the same version."""

from __future__ import annotations

import threading

from domain.errors import RecordChanged
from domain.model import Stamp
from tests import forms


def test_sixteen_saves_at_one_version_commit_exactly_once(world):
    world.app.enrol_child(world.psychologist, forms.enrolment("AST-0001", world.later(hours=1)))
    version = world.app.child("AST-0001").version
    when = world.later(hours=1)
    start = threading.Barrier(16)
    outcomes: list[str] = []
    lock = threading.Lock()

    def save(n: int) -> None:
        # Sixteen people opened the record at the same version and all press "save".
        start.wait()
        try:
            world.app.record_conflict(world.teacher, "AST-0001",
                                      forms.conflict(when, description=f"Report {n}"),
                                      expected_version=version)
            outcome = "committed"
        except RecordChanged as error:
            assert "reload" in str(error).lower()
            outcome = "told to reload"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=save, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(outcomes).count("committed") == 1
    assert outcomes.count("told to reload") == 15
    assert world.app.child("AST-0001").version == version + 1


def test_a_stale_copy_of_the_aggregate_cannot_overwrite_a_newer_save(world):
    world.app.enrol_child(world.psychologist, forms.enrolment("AST-0001", world.later(hours=1)))
    # Two copies of the same record, loaded at the same version.
    first = world.app.repository.get(world.app.child("AST-0001").id)
    second = world.app.repository.get(world.app.child("AST-0001").id)
    world.app.record_conflict(world.teacher, "AST-0001", forms.conflict(world.later(hours=1)))
    for copy in (first, second):
        copy.close("test", Stamp("x", "psychologist", "S1", world.clock.now()))
    try:
        world.app._save(first)
    except RecordChanged:
        pass
    else:
        raise AssertionError("a save at a stale version was accepted")
    assert world.app.child("AST-0001").is_open
