"""How fast concerns are acknowledged counts the ones still waiting, and the audit reads
log only what a reader chose to see."""

from __future__ import annotations

import pytest

from domain.concern import concern_id
from domain.model import child_id
from processes.engine_runner import EngineRunner
from tests import forms
from tests.readers import Readers

pytestmark = pytest.mark.backends("sqlite")


def reads(world, code: str) -> list[dict]:  # type: ignore[no-untyped-def, type-arg]
    world.project()
    return Readers(world.app, world.rt.view).audit.access_log(world.auditor, code)


def test_the_median_time_to_acknowledge_counts_the_concerns_nobody_looked_at(world):
    app = world.app
    # Three children of one school each get a serious conflict, so a HIGH concern each.
    for code in ("AST-0001", "AST-0002", "AST-0003"):
        app.enrol_child(world.psychologist, forms.enrolment(code, world.later(minutes=5)))
        app.record_conflict(world.teacher, code, forms.conflict(world.later(minutes=5),
                                                                severity=5))
    EngineRunner(app).tick()
    # The supervisor acknowledges one of them half an hour later; the two others wait
    # two days, long past their deadline.
    world.later(minutes=30)
    app.acknowledge_concern(world.supervisor, concern_id(str(child_id("AST-0003"))), "On it.")
    world.later(hours=48)
    world.project()
    [metrics] = Readers(app, world.rt.view).oversight.escalation_metrics(world.supervisor)
    # The old median looked only at the acknowledged one: half an hour. Two of three have
    # waited two days: the median is over two days, and it says so.
    assert (metrics["concerns"], metrics["acknowledged"]) == (3, 1)
    assert (metrics["waiting"], metrics["overdue"]) == (2, 2)
    assert metrics["acknowledgement_at_least"] is True
    assert metrics["median_hours_to_acknowledgement"] >= 48
    assert metrics["median_hours_to_resolution"] >= 48 and metrics["resolution_at_least"]


def test_the_event_log_is_logged_once_per_deliberate_read(world):
    app = world.app
    app.enrol_child(world.psychologist, forms.enrolment("AST-0001", world.later(hours=1)))
    world.project()
    audit = Readers(app, world.rt.view).audit
    # The page's first showing of the child is logged; its reruns pass logged=False.
    audit.events(world.auditor, "AST-0001")
    audit.events(world.auditor, "AST-0001", logged=False)
    audit.parked(world.auditor, "AST-0001")
    assert [r["purpose"] for r in reads(world, "AST-0001")] == ["events"]
    # Pressing "verify integrity" is a read of its own; the check inside an export is
    # part of the export's one read.
    audit.integrity(world.auditor, "AST-0001", logged=True)
    audit.export(world.auditor, "AST-0001")
    assert sorted(r["purpose"] for r in reads(world, "AST-0001")) == [
        "events", "export", "integrity"]
    # The replay page's rereads of one moment are not logged again.
    moment = world.later(minutes=1)
    audit.chronology(world.auditor, "AST-0001", as_of=moment, logged=False)
    audit.diff(world.auditor, "AST-0001", moment, world.clock.now(), logged=False)
    assert len(reads(world, "AST-0001")) == 3
    audit.diff(world.auditor, "AST-0001", moment, world.clock.now())
    assert len(reads(world, "AST-0001")) == 4
