"""The whole command surface under hostile values: generated sequences of commands whose
fields are sometimes valid and sometimes anything at all (None, numbers where text goes,
lists, bytes, lone surrogates, control characters, year 1, the far future, naive times,
huge text). Every command the application refuses is refused with a named error; every
one it accepts is applied by the read models and evaluated by the rules, so nothing
accepted can stop them later. (Findings 3 and 16, as a property.)"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable, Iterator

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from domain.access import Actor, Role
from domain.application import SYSTEM
from domain.clock import ManualClock
from domain.commands import (
    Concern,
    ConflictReport,
    Correction,
    CounsellingSession,
    Enrolment,
    Participant,
    PeerIncidentReport,
    Resolution,
    Wellbeing,
)
from domain.concern import concern_id
from domain.errors import KopirError
from domain.model import child_id
from domain.rules.engine import Engine
from domain.rules.loader import load_rules
from domain.vocabulary import (
    Attendance,
    ConflictKind,
    FamilySituation,
    LabelAbout,
    Level,
    Outcome,
    ParticipantRole,
    PeerIncidentKind,
    SessionType,
)
from infrastructure.settings import MEMORY, Settings
from kopir import bootstrap
from processes.runtime import Runtime

UTC = timezone.utc
START = datetime(2025, 9, 1, 8, 0, tzinfo=UTC)
SEQUENCES = int(os.environ.get("KOPIR_COMMAND_SEQUENCES", "2000"))
CODES = ["AST-0001", "AST-0002", "AST-0002", "AST-0001", "ALA-0001"]  # mostly the teacher's
# Entries and decisions often, changes of enrolment seldom (a closed record refuses the rest).
KINDS = ["conflict", "peer", "session", "concern", "amend", "retract", "acknowledge",
         "resolve"] * 3 + ["enrol", "transfer", "close", "school", "account"]
PSYCH = Actor("p.s1", Role.PSYCHOLOGIST, frozenset({"S1"}))
TEACHER = Actor("t.s1", Role.TEACHER, frozenset({"S1"}))
SUPERVISOR = Actor("sup", Role.SUPERVISOR, frozenset({"*"}))
RAISED: list[Any] = []  # concerns with a signal raised so far

junk = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=True),
    st.text(max_size=8), st.just("\ud800 lone surrogate"), st.just("bell \x07 ring"),
    st.just("x" * 5000), st.binary(max_size=4), st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.just(datetime(2025, 9, 2, 8, 0)),  # naive
    st.just(datetime.fromisoformat("0001-01-01T03:00+14:00")),
    st.just(datetime(9999, 12, 31, tzinfo=UTC)), st.just(date(1, 1, 1)),
)


class Draw:
    """Draws a command's fields: in a clean command every field is valid; in a hostile one
    each field is anything at all one time in four. Every draw has the same shape whatever
    the store holds, so that a failing sequence can be replayed and shrunk."""

    def __init__(self, data: st.DataObject) -> None:
        self.data = data
        self.hostile = data.draw(st.booleans(), label="hostile")

    def __call__(self, valid: st.SearchStrategy[Any]) -> Any:
        spoil = self.data.draw(st.integers(0, 3)) == 0 and self.hostile
        value, bad = self.data.draw(valid), self.data.draw(junk)
        return bad if spoil else value

    def pick(self, items: list[Any]) -> Any:
        """One of what the store holds now (or junk when it holds nothing)."""
        n, bad = self.data.draw(st.integers(0, 99)), self.data.draw(junk)
        return items[n % len(items)] if items else bad

    def moment(self, now: datetime) -> Any:
        return self(st.integers(0, 600).map(lambda m: now - timedelta(minutes=m)))

    def words(self) -> Any:
        return self(st.sampled_from(["Argument at break.", "Shared lunch.", "Қолдау", "Ссора"]))

    def code(self) -> Any:
        return self(st.sampled_from(CODES))

    def new_code(self) -> Any:
        return self(st.integers(3, 99).map(lambda n: f"AST-{n:04d}"))


def commands(app: Any, now: datetime, data: st.DataObject) -> Callable[[], Any]:
    """One command, drawn with its fields."""
    kind = data.draw(st.sampled_from(KINDS), label="command")
    v = Draw(data)
    if kind == "enrol":
        form = Enrolment(v.new_code(), v(st.sampled_from(["S1", "S2"])), v(st.integers(0, 11)),
                         v(st.integers(2010, 2018)), v.moment(now),
                         v(st.sampled_from(list(FamilySituation))), v(st.just(("kk", "ru"))),
                         v(st.integers(0, 20)), v.words(), v.words(), v.words())
        return lambda: app.enrol_child(PSYCH, form)
    if kind == "conflict":
        report = ConflictReport(v.moment(now), v(st.sampled_from(list(ConflictKind))),
                                v(st.integers(1, 5)), v.words(),
                                v(st.sampled_from(list(ParticipantRole))),
                                v(st.just((Participant("AST-0002", ParticipantRole.TARGET),))),
                                v(st.booleans()), v(st.booleans()), v.words())
        code, entry = v.code(), v(st.none() | st.uuids().map(str))
        return lambda: app.record_conflict(TEACHER, code, report, entry_id=entry)
    if kind == "peer":
        report = PeerIncidentReport(v.moment(now), v(st.sampled_from(list(PeerIncidentKind))),
                                    v.words(), v(st.integers(0, 5)),
                                    v(st.sampled_from(list(ParticipantRole))),
                                    v(st.sampled_from([*LabelAbout, None])))
        code = v.code()
        return lambda: app.record_peer_incident(TEACHER, code, report)
    if kind == "session":
        scores = st.builds(Wellbeing, *[st.integers(1, 5)] * 4)
        form = CounsellingSession(v.moment(now), v(st.sampled_from(list(SessionType))),
                                  v(st.sampled_from(list(Attendance))), v(scores | st.none()),
                                  v(st.just(now.date() + timedelta(days=7)) | st.none()),
                                  v.words(), v.words())
        code = v.code()
        return lambda: app.record_counselling_session(PSYCH, code, form)
    if kind == "concern":
        concern = Concern(v.moment(now), v(st.sampled_from(list(Level))), v.words())
        code = v.code()
        # What a supervisor acts on is the child's concern.
        return lambda: (app.raise_concern(PSYCH, code, concern),
                        RAISED.append(concern_id(str(child_id(code)))))
    if kind in ("amend", "retract"):
        child = v.pick(CODES)
        entries = list(app.child(child).entries) if app.is_enrolled(child) else []
        entry = v.pick(entries)
        changes = v(st.dictionaries(st.sampled_from(
            ["severity", "description", "occurred_at", "follow_up_on", "summary", "kind"]),
            junk | st.integers(1, 5), max_size=2))
        correction = Correction(entry, v.words(), changes if kind == "amend" else {})
        method = app.amend_entry if kind == "amend" else app.retract_entry
        return lambda: method(PSYCH, child, correction)
    # Moves and closures take children the sequences enrolled, so the store's first
    # children stay open for the rest of the run.
    if kind == "transfer":
        code, school, reason = v.new_code(), v(st.just("S2")), v.words()
        return lambda: app.transfer_child(PSYCH, code, school, reason)
    if kind == "close":
        code, reason = v.new_code(), v.words()
        return lambda: app.close_enrolment(PSYCH, code, reason)
    if kind in ("acknowledge", "resolve"):
        concern, note = v(st.just(v.pick(RAISED)) | st.uuids()), v.words()
        outcome = v(st.sampled_from(list(Outcome)))
        if kind == "acknowledge":
            return lambda: app.acknowledge_concern(SUPERVISOR, concern, note)
        return lambda: app.resolve_concern(SUPERVISOR, concern, Resolution(outcome, note))
    if kind == "school":
        school, name, region = v(st.sampled_from(["S3", "S4"])), v.words(), v.words()
        return lambda: app.register_school(SYSTEM, school, name, region)
    user, name, role = v(st.sampled_from(["u1", "u2"])), v.words(), v(st.sampled_from(list(Role)))
    schools, password = v(st.just(["S1"])), v(st.just("pass-word"))
    return lambda: app.register_account(SYSTEM, user, name, role, schools, password)


@dataclass
class Store:
    """One in-memory store the sequences add to, with the rules following it."""

    clock: ManualClock
    rt: Runtime
    engine: Engine
    position: int = 0


@pytest.fixture(scope="module")
def store() -> Iterator[Store]:
    clock = ManualClock(START)
    rt = bootstrap.build(Settings(database_url=MEMORY), clock_=clock)
    rt.app.register_school(SYSTEM, "S1", "School One", "Astana")
    rt.app.register_school(SYSTEM, "S2", "School Two", "Almaty")
    rt.app.enrol_child(PSYCH, Enrolment("AST-0001", "S1", 4, 2015, START))
    rt.app.enrol_child(PSYCH, Enrolment("AST-0002", "S1", 6, 2013, START))
    rt.app.enrol_child(Actor("p.s2", Role.PSYCHOLOGIST, frozenset({"S2"})),
                       Enrolment("ALA-0001", "S2", 8, 2012, START))
    yield Store(clock, rt, Engine(load_rules()))
    rt.close()


@settings(max_examples=SEQUENCES, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_every_command_is_applied_or_refused_by_name(store, data):
    app, clock = store.rt.app, store.clock
    for _ in range(data.draw(st.integers(1, 6), label="commands")):
        clock.advance(timedelta(hours=1))
        command = commands(app, clock.now(), data)
        try:
            command()
            event("accepted")
        except KopirError as refusal:  # a named refusal is allowed; anything else fails
            event(f"refused: {type(refusal).__name__}")
    store.rt.runner.process_available()  # every accepted event projects...
    for notification in app.recorder.select_notifications(store.position + 1, 10_000):
        stored = app.mapper.to_domain_event(notification)  # ...and is evaluated by the rules
        store.engine.observe(stored, stored.timestamp)
        store.position = notification.id
    store.engine.tick(clock.now() + timedelta(days=40))
