"""Scenarios of the concern model, recorded through the import (the same rows a school
onboarding its paper history would import), decided by the engine, projected, and told
by the notifier to a real SMTP server on 127.0.0.1 (aiosmtpd), whose mailbox is read.

- "Scuffle in the corridor; no injuries", severity 2: no HIGH;
- five incidents in ten days for one child: one concern whose count rises;
- two children in one incident: one signal each, the shared incident shown;
- a retracted trigger withdraws its signal;
- an unacknowledged HIGH rises in place and the next person up receives the e-mail.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any, Iterator

import pytest

from domain.access import Role
from domain.application import SYSTEM
from domain.concern import concern_id
from domain.model import child_id
from domain.vocabulary import Level
from processes.engine_runner import EngineRunner
from processes.importing import import_rows, read_rows
from processes.notifier import Notifier
from tests import forms
from tests.mail import Mailbox, smtp_server
from tests.readers import Readers

pytestmark = pytest.mark.backends("sqlite", "postgres")
PEOPLE = [("psy.s1", "Aigerim Psychologist", Role.PSYCHOLOGIST, ["S1"]),
          ("sup.astana", "Astana Supervisor", Role.SUPERVISOR, ["S1"]),
          ("coord", "National Coordinator", Role.SUPERVISOR, ["*"]),
          ("tutor.s1", "Class Tutor", Role.TEACHER, ["S1"])]


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    with smtp_server() as served:
        yield served


@pytest.fixture
def scene(world, smtp, tmp_path):  # type: ignore[no-untyped-def]
    box, port = smtp
    for user, name, role, schools in PEOPLE:
        world.app.register_account(SYSTEM, user, name, role, schools, "a long password 1")
        world.app.set_notifications(SYSTEM, user, f"{user}@school.kz", digest=True,
                                    language="en")
    mail = world.rt.config.mail.model_copy(update={"host": "127.0.0.1", "port": port,
                                                   "tls": "none", "base_url": "https://k.kz"})
    engine = EngineRunner(world.app)
    notifier = Notifier(world.app, world.rt.view, mail)

    def run(rows: list[dict[str, Any]]) -> None:
        path = tmp_path / f"rows-{len(list(tmp_path.iterdir()))}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
        report = import_rows(world.app, world.app.actor_for("psy.s1"), read_rows(path))
        assert report.rejected == []
        settle()

    def settle() -> None:
        engine.tick()
        world.project()
        notifier.step()

    yield world, box, run, settle, notifier
    engine.close()
    notifier.close()


def when(world, hours: float = 0) -> str:  # type: ignore[no-untyped-def]
    return (world.clock.now() + timedelta(hours=hours)).isoformat()


def enrol(world, *codes: str) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    return [{"row_id": f"enrol-{c}", "form": "enrolment", "child_code": c, "school_id": "S1",
             "grade": 6, "birth_year": 2013, "occurred_at": when(world, -240)} for c in codes]


def incident(world, row: str, code: str, description: str, severity: int,  # type: ignore[no-untyped-def]
             hours: float, **more: Any) -> dict[str, Any]:
    return {"row_id": row, "form": "conflict", "child_code": code, "kind": "physical",
            "severity": severity, "description": description, "child_role": "target",
            "occurred_at": when(world, hours), **more}


def concerns_of(world, code: str) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    return [r for r in world.rt.view.rows("rm_concerns")
            if r["child_id"] == str(child_id(code))]


def test_no_injuries_is_not_high_and_five_incidents_are_one_concern(scene):
    world, box, run, _, _ = scene
    run(enrol(world, "KZ-AAAA1"))
    run([incident(world, "i0", "KZ-AAAA1", "Scuffle in the corridor; no injuries", 2, -200)])
    assert all(r["level"] != "high" for r in world.rt.view.rows("rm_escalations"))
    assert all(r["level"] != "high" for r in concerns_of(world, "KZ-AAAA1"))
    run([incident(world, f"i{n}", "KZ-AAAA1", "Pushing at break.", 2, -190 + n * 40)
         for n in (1, 2)])  # three incidents in a week
    [concern] = concerns_of(world, "KZ-AAAA1")
    assert concern["status"] == "open" and concern["signal_count"] >= 1
    count = concern["signal_count"]
    run([incident(world, f"i{n}", "KZ-AAAA1", "Pushing again.", 2, -190 + n * 40)
         for n in (3, 4)])  # five within ten days
    [concern] = concerns_of(world, "KZ-AAAA1")  # still one concern, its count risen
    assert concern["signal_count"] > count and concern["status"] == "open"


def test_one_incident_with_two_children_is_one_signal_each_and_shows_it_is_shared(scene):
    world, box, run, _, _ = scene
    run(enrol(world, "KZ-BBBB1", "KZ-BBBB2"))
    run([incident(world, "x1", "KZ-BBBB1", "Hit with a chair; bleeding lip.", 4, -5,
                  participants=[{"child_code": "KZ-BBBB2", "role": "initiator"}])])
    signals = world.rt.view.rows("rm_escalations")
    assert sorted(r["child_code"] for r in signals if r["rule_id"] == "serious-incident") \
        == ["KZ-BBBB1", "KZ-BBBB2"]
    for code, other in (("KZ-BBBB1", "KZ-BBBB2"), ("KZ-BBBB2", "KZ-BBBB1")):
        [concern] = concerns_of(world, code)
        why = Readers(world.app, world.rt.view).oversight.explain_concern(
            world.app.actor_for("sup.astana"), concern["concern_key"])
        assert why["shared_with"] == [other] or other in why["shared_with"]
        assert [s["rule"]["id"] for s in why["signals"] if s["rule"]] == ["serious-incident"]


def test_a_retracted_trigger_withdraws_its_signal(scene):
    world, box, run, _, _ = scene
    run(enrol(world, "KZ-CCCC1"))
    run([incident(world, "r1", "KZ-CCCC1", "Punched; a bleeding nose.", 4, -3)])
    [concern] = concerns_of(world, "KZ-CCCC1")
    assert (concern["level"], concern["open_signals"]) == ("high", 1)
    run([{"row_id": "r2", "form": "retraction", "child_code": "KZ-CCCC1", "entry": "r1",
          "reason": "Recorded for the wrong child."}])
    [concern] = concerns_of(world, "KZ-CCCC1")
    assert concern["open_signals"] == 0
    assert json.loads(concern["history"])[-1]["action"] == "signal_withdrawn"
    why = Readers(world.app, world.rt.view).oversight.explain_concern(
        world.app.actor_for("sup.astana"), concern["concern_key"])
    assert [s["status"] for s in why["signals"]] == ["withdrawn"]


def test_an_unacknowledged_high_rises_in_place_and_the_next_person_up_is_mailed(scene):
    world, box, run, settle, notifier = scene
    run(enrol(world, "KZ-DDDD1"))
    description = "Thrown against the wall; a bleeding lip"
    run([incident(world, "h1", "KZ-DDDD1", description, 4, -1)])
    [concern] = concerns_of(world, "KZ-DDDD1")
    assert concern["level"] == "high"
    # HIGH goes out at once to the school's psychologist and supervisor; the author (the
    # psychologist imported the rows, the engine raised it) is not the engine: both told.
    assert len(box.to("sup.astana@school.kz")) == 1
    assert box.to("coord@school.kz") == []
    world.later(hours=2)  # past the hour to acknowledge
    settle()
    settle()
    [concern] = concerns_of(world, "KZ-DDDD1")  # the same concern, risen in place
    assert concern["rises"] == 1 and concern["tier"] == 1
    assert len(world.rt.view.rows("rm_concerns")) == 1
    [told] = box.to("coord@school.kz")
    text = told.get_content()
    assert "KZ-DDDD1" in text and "S1" in text and "https://k.kz/monitor?concern=" in text
    for private in (description, "bleeding", "Aigerim", "Supervisor", "serious"):
        assert private not in text and private not in told["Subject"]
    # Recorded once: stepping again sends nothing more.
    sent = len(box.messages)
    settle()
    assert len(box.messages) == sent


def test_what_is_not_high_waits_for_the_digest_and_the_author_is_never_told(scene):
    world, box, run, settle, notifier = scene
    run(enrol(world, "KZ-EEEE1", "KZ-EEEE2"))
    run([{"row_id": f"l{c}", "form": "peer_incident", "child_code": c,
          "kind": "stigmatising_label", "severity": 3, "label_about": "origin",
          "description": "Called by a nickname.", "occurred_at": when(world, -2)}
         for c in ("KZ-EEEE1", "KZ-EEEE2")])
    assert box.messages == []  # MEDIUM: in the digest, not at once
    world.later(days=1)
    settle()
    digest = box.to("sup.astana@school.kz")
    assert len(digest) == 1 and "KZ-EEEE1" in digest[0].get_content() \
        and "KZ-EEEE2" in digest[0].get_content()
    # The supervisor assigns one to the psychologist: she is told at once; the supervisor
    # who assigned is not.
    key = concern_id(str(child_id("KZ-EEEE1")))
    world.app.acknowledge_concern(world.app.actor_for("sup.astana"), key, "Seen.")
    world.app.assign_concern(world.app.actor_for("sup.astana"), key, "psy.s1", "Please see her.")
    before = len(box.to("sup.astana@school.kz"))
    settle()
    assert any("KZ-EEEE1" in m["Subject"] for m in box.to("psy.s1@school.kz"))
    assert len(box.to("sup.astana@school.kz")) == before
    # Every delivery is in the app's list too, once.
    mine = Readers(world.app, world.rt.view).oversight.my_notifications(
        world.app.actor_for("psy.s1"))
    assert [n["reason"] for n in mine].count("assigned") == 1


def test_the_mail_server_away_is_waited_out_and_nothing_is_lost(scene, smtp):
    world, box, run, settle, notifier = scene
    notifier.mailer.config = notifier.mailer.config.model_copy(update={"port": 1})  # refused
    run(enrol(world, "KZ-FFFF1"))
    run([incident(world, "f1", "KZ-FFFF1", "Kicked; injured knee.", 4, -1)])
    assert box.messages == []
    _, port = smtp
    notifier.mailer.config = notifier.mailer.config.model_copy(update={"port": port})
    world.later(minutes=5)
    assert notifier.send_due() >= 1
    assert len(box.to("sup.astana@school.kz")) == 1


def test_assigning_needs_a_member_of_the_schools_own_staff(scene):
    world, box, run, _, _ = scene
    run(enrol(world, "KZ-GGGG1"))
    run([incident(world, "g1", "KZ-GGGG1", "Kicked; injured knee.", 4, -1)])
    key = concern_id(str(child_id("KZ-GGGG1")))
    from domain.errors import InvalidEntry

    for nobody in ("coord", "someone.else", ""):
        with pytest.raises(InvalidEntry):
            world.app.assign_concern(world.app.actor_for("sup.astana"), key, nobody, "Why not.")
    world.app.assign_concern(world.app.actor_for("sup.astana"), key, "tutor.s1", "Knows her.")


def test_an_unreadable_change_is_parked_and_the_notifier_goes_on(encrypted_world, settings):
    """A concern event nobody can read (written behind the application's back) is parked
    with its reason; the notifier keeps telling of every other concern."""
    from tests.adversarial.test_forgery import run_sql

    world = encrypted_world
    world.app.register_account(SYSTEM, "sup.astana", "Astana Supervisor", Role.SUPERVISOR,
                               ["S1"], "a long password 1")
    world.app.enrol_child(world.psychologist, forms.enrolment("AST-0001", world.later(hours=1)))
    world.app.enrol_child(world.psychologist, forms.enrolment("AST-0002", world.later(hours=1)))
    world.app.raise_concern(world.psychologist, "AST-0001", forms.concern(world.later(hours=1)))
    key = concern_id(str(child_id("AST-0001")))
    version = world.app.repository.get(key).version
    state = {"assignee": "sup.astana", "note": "forged", "recorded_by": "x", "role": "x",
             "school_id": "S1", "occurred_at": {"_type_": "datetime_iso",
                                                "_data_": world.clock.now().isoformat()},
             "timestamp": {"_type_": "datetime_iso", "_data_": world.clock.now().isoformat()}}
    run_sql(settings, "INSERT INTO schoolintegration_events (originator_id, originator_version,"
                      " topic, state) VALUES (:id, :version, :topic, :state)",
            id=key.bytes if settings.events_url().startswith("sqlite") else key,
            version=version + 1, topic="domain.model:Concern.ConcernAssigned",
            state=json.dumps(state).encode())
    world.app.raise_concern(world.psychologist, "AST-0002",
                            forms.concern(world.later(hours=1), level=Level.HIGH))
    world.project()
    notifier = Notifier(world.app, world.rt.view, world.rt.config.mail)
    notifier.process_available()
    [parked] = notifier.quarantine.entries()
    assert "not encrypted" in parked["reason"]
    assert notifier.position == world.app.recorder.max_notification_id() or \
        notifier.position >= parked["notification_id"]
    told = Readers(world.app, world.rt.view).oversight.my_notifications(
        world.app.actor_for("sup.astana"))
    assert "AST-0002" in [n["child_code"] for n in told]
    notifier.close()


def test_the_deputy_of_an_absent_supervisor_is_told_too(scene):
    world, box, run, settle, notifier = scene
    world.app.register_account(SYSTEM, "dep.s2", "Deputy", Role.SUPERVISOR, ["S2"],
                               "a long password 1")
    world.app.set_notifications(SYSTEM, "dep.s2", "dep.s2@school.kz", digest=True,
                                language="en")
    starts = world.clock.now() + timedelta(hours=1)
    world.app.name_deputy(world.app.actor_for("sup.astana"), "sup.astana", "dep.s2", starts,
                          starts + timedelta(days=5))
    run(enrol(world, "KZ-FFFF1", "KZ-FFFF2"))
    run([incident(world, "f1", "KZ-FFFF1", "Thrown against the wall", 5, -1)])
    assert box.to("dep.s2@school.kz") == []  # the delegation has not begun
    world.later(hours=2)
    run([incident(world, "f2", "KZ-FFFF2", "Thrown against the wall", 5, -1)])
    [told] = box.to("dep.s2@school.kz")
    assert "KZ-FFFF2" in told["Subject"] and len(box.to("sup.astana@school.kz")) == 2
