"""The Streamlit app, page by page and role by role (AppTest): what each role may open,
what it is refused, and the forms' stories."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from domain.access import Role
from domain.concern import concern_id
from domain.language import all_stems
from kopir.seed.demo_cast import PEOPLE
from tests import forms
from ui import services
from ui.navigation import page_file, pages_of

UI = Path(__file__).resolve().parents[2] / "ui"
PASSWORD = "kopir-demo"
USERS = {Role.TEACHER: "teacher.ast-12", Role.PSYCHOLOGIST: "psych.ast-12",
         Role.SUPERVISOR: "coordinator", Role.AUDITOR: "auditor", Role.ADMIN: "admin",
         Role.ANALYST: "analyst", Role.DPO: "dpo"}
EVERY_PAGE = sorted({name for role in Role for name in pages_of(role)})
LOOKS_LIKE_A_KEY = re.compile(r"^[a-z_]+\.[a-z_.]+$")


def open_page(app_test, user: str, page: str, language: str = "en") -> AppTest:  # type: ignore[no-untyped-def]
    at = app_test(user, language)
    return at.switch_page(page_file(page)).run()


def pick(at: AppTest, key: str) -> str:
    """Choose the first child in a picker (nothing is preselected)."""
    child = str(at.selectbox(key=key).options[0]).split(" · ")[0]  # "code · name"
    at.selectbox(key=key).select(child).run()
    return child


def walk(node):  # type: ignore[no-untyped-def]
    """The page's elements in the order they are drawn."""
    yield node
    for child in getattr(node, "children", {}).values():
        yield from walk(child)


def texts(at: AppTest) -> list[str]:
    found = [e.value for e in (*at.title, *at.subheader, *at.caption, *at.info, *at.success,
                               *at.warning, *at.error, *at.markdown)]
    found += [w.label for w in (*at.button, *at.selectbox, *at.text_area, *at.text_input,
                                *at.multiselect, *at.toggle, *at.checkbox, *at.radio)]
    return [str(f) for f in found]


# --- login and navigation ----------------------------------------------------------
def test_every_page_is_behind_login(app_test):
    at = app_test()
    assert [t.value for t in at.title] == ["Sign in to Köpir"]
    assert not at.text_area and not at.dataframe  # no form, no data before login


def test_a_wrong_password_is_refused_in_plain_words(app_test):
    at = app_test()
    at.text_input(key="login_user").input("teacher.ast-12")
    at.text_input(key="login_password").input("not-the-password")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["Unknown user name or wrong password."]
    assert "actor" not in at.session_state


def test_the_login_page_switches_language(app_test):
    at = app_test(language="en")
    at.selectbox(key="language_picker").select("ru").run()
    assert [t.value for t in at.title] == ["Вход в Köpir"]
    at.selectbox(key="language_picker").select("kk").run()
    assert at.title[0].value != "Вход в Köpir" and "Köpir" in at.title[0].value


def test_a_session_ends_after_inactivity(app_test):
    at = app_test("teacher.ast-12")
    assert at.title[0].value == "Record a conflict"
    at.session_state["seen_at"] = time.time() - 31 * 60
    at.run()
    assert [t.value for t in at.title] == ["Sign in to Köpir"]
    assert any("signed in again" in i.value or "sign in again" in i.value for i in at.info)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_each_role_gets_only_its_pages(app_test, role):
    at = app_test(USERS[role])
    assert not at.exception
    for name in EVERY_PAGE:
        if name in pages_of(role):
            continue
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page_file(name))


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_every_page_of_every_role_opens_in_every_language(app_test, role, language):
    for name in pages_of(role):
        at = open_page(app_test, USERS[role], name, language)
        assert not at.exception, (name, at.exception)
        assert not at.error, (name, [e.value for e in at.error])
        # Every label on screen is translated: none is left as a key.
        assert not [x for x in texts(at) if LOOKS_LIKE_A_KEY.match(x)], name


# --- refusals by the application, whatever the navigation ----------------------------
@pytest.mark.parametrize("user,page,refusal", [
    ("teacher.ast-12", "supervisor/monitor.py", "The escalation queue is for supervisors"),
    ("teacher.ast-12", "supervisor/caseload.py", "Caseload figures are for"),
    ("psych.ast-12", "auditor/events.py", "The raw event log is for auditors"),
    ("coordinator", "auditor/access.py", "is for auditors and the data-protection officer"),
    ("teacher.ast-12", "admin/subject_access.py", "Only the data-protection officer exports"),
    ("auditor", "admin/subject_access.py", "Only the data-protection officer exports"),
    ("auditor", "admin/schools.py", "Only administrators"),
    ("coordinator", "ministry/overview.py", "The ministry's figures are for ministry analysts"),
    ("dpo", "auditor/replay.py", "Your role does not read children's records"),
    ("analyst", "staff/chronology.py", "Your role does not read children's records"),
    ("admin", "staff/conflict.py", "they do not read case records"),
])
def test_a_page_reached_without_the_role_is_refused_by_the_application(seeded_store, user,
                                                                       page, refusal):
    at = AppTest.from_file(str(UI / page), default_timeout=30)
    at.session_state["language"] = "en"
    at.session_state["actor"] = services._runtime().app.actor_for(user)
    at.run()
    assert not at.exception
    assert refusal in " ".join(e.value for e in at.error)
    assert not at.dataframe


def test_an_auditor_sees_no_form_anywhere(app_test):
    for name in pages_of(Role.AUDITOR):
        at = open_page(app_test, "auditor", name)
        assert not at.text_area, name
        assert not [b for b in at.button if "Save" in b.label], name


def test_an_admin_manages_schools_and_reads_no_case_records(app_test):
    at = app_test("admin")
    assert [t.value for t in at.title] == ["Schools and accounts"]
    assert len(at.dataframe[0].value) == 6
    assert "teacher.ast-12" in list(at.dataframe[1].value.iloc[:, 0])


# --- staff forms -------------------------------------------------------------------
def test_a_teacher_records_a_conflict_and_sees_it_in_the_chronology(app_test):
    at = app_test()
    at.text_input(key="login_user").input("teacher.ast-12")
    at.text_input(key="login_password").input(PASSWORD)
    at.button[0].click().run()
    assert at.session_state["actor"].role == Role.TEACHER
    assert [t.value for t in at.title] == ["Record a conflict"]
    child = pick(at, "conflict_child")
    at.text_area(key="conflict_description").input("Argument in the lunch queue; both calmed down.")
    at.button(key="FormSubmitter:conflict-Save").click().run()
    assert not at.exception
    assert at.success and at.success[0].value.startswith(f"Recorded for {child}")
    at.switch_page(page_file("chronology")).run()
    at.selectbox(key="chronology_child").select(child).run()
    table = at.dataframe[0].value
    assert "Argument in the lunch queue; both calmed down." in list(table["Summary"])


def test_an_invalid_form_keeps_what_was_typed_and_says_what_is_wrong(app_test):
    at = app_test("teacher.ast-12")
    pick(at, "conflict_child")
    at.text_area(key="conflict_action").input("Talked with both pupils.")
    at.button(key="FormSubmitter:conflict-Save").click().run()
    assert at.error[0].value == "Please check the form:"
    assert any("What happened" in m.value and "cannot be empty" in m.value for m in at.markdown)
    # Nothing typed is lost.
    assert at.text_area(key="conflict_action").value == "Talked with both pupils."
    assert not at.success


def test_the_language_guard_warns_and_the_reworded_text_is_saved(app_test):
    at = open_page(app_test, "teacher.ast-12", "record_peer")
    child = pick(at, "peer_child")
    at.selectbox(key="peer_kind_en").select("stigmatising_label").run()
    label = all_stems()[1].capitalize()
    at.text_area(key="peer_description").input(f"Two pupils called him “{label}” at the break.")
    at.button(key="FormSubmitter:peer-Save").click().run()
    # Warned, not saved; the text is still there to reword.
    assert at.warning and label in at.warning[0].value
    assert not at.success
    assert label in at.text_area(key="peer_description").value
    at.text_area(key="peer_description").input(
        "Two pupils called him a hurtful nickname about his family at the break.")
    at.button(key="FormSubmitter:peer-Save").click().run()
    assert not at.warning
    assert at.success[0].value.startswith(f"Recorded for {child}: stigmatising nickname")


def test_a_confirmed_form_records_once_until_the_next_entry_is_started(app_test):
    at = open_page(app_test, "teacher.ast-12", "record_conflict")
    child = pick(at, "conflict_child")
    before = services.child_version(child)
    at.text_area(key="conflict_description").input("Pushed in the corridor; apologised.")
    at.button(key="FormSubmitter:conflict-Save").click().run()
    submission = at.session_state["conflict__submission"]
    # The same submission sent again (a double click) adds nothing.
    services.record(services.app().record_conflict, at.session_state["actor"], child,
                             __import__("tests.forms", fromlist=["conflict"]).conflict(
                                 services.now()), before, entry_id=submission)
    assert services.child_version(child) == before + 1
    at.button(key="conflict__another").click().run()
    assert at.session_state["conflict__submission"] != submission if \
        "conflict__submission" in at.session_state else True
    assert at.selectbox(key="conflict_child").value is None  # the next entry: pick anew
    pick(at, "conflict_child")
    assert at.text_area(key="conflict_description").value == ""


def test_a_psychologist_records_a_session_with_wellbeing_and_confidential_notes(app_test):
    at = open_page(app_test, "psych.ast-12", "record_session")
    child = pick(at, "session_child")
    at.select_slider(key="session_emotional_state").set_value(2)
    at.text_area(key="session_summary").input("Talked about new friends in class.")
    at.text_area(key="session_notes").input("Worried about the move; mother supportive.")
    at.button(key="FormSubmitter:session-Save").click().run()
    assert at.success[0].value.startswith(f"Recorded for {child}: counselling session")
    at.switch_page(page_file("chronology")).run()
    at.selectbox(key="chronology_child").select(child).run()
    assert any("Confidential" in e.label for e in at.expander)
    # A supervisor reading the same chronology sees no confidential notes.
    sup = open_page(app_test, "coordinator", "chronology")
    sup.selectbox(key="chronology_child").select(child).run()
    assert not any("Confidential" in e.label for e in sup.expander)
    assert "Worried about the move" not in sup.dataframe[0].value.to_string()


def test_a_teacher_enrols_a_child_and_finds_them_in_the_lists(app_test):
    at = open_page(app_test, "teacher.ast-12", "enrol")
    at.text_input(key="enrol_code").input("AST-7701")
    at.button(key="FormSubmitter:enrol-Save").click().run()
    assert at.success[0].value.startswith("AST-7701 is enrolled at AST-12")
    conflict = open_page(app_test, "teacher.ast-12", "record_conflict")
    assert "AST-7701" in conflict.selectbox(key="conflict_child").options


def test_a_correction_keeps_the_original_and_marks_the_entry(app_test):
    at = open_page(app_test, "psych.ast-12", "correct")
    for code in at.selectbox(key="correct_child").options:
        at.selectbox(key="correct_child").select(code).run()
        if any(s.key == "correct_entry_en" for s in at.selectbox):
            break
    entry = at.selectbox(key="correct_entry_en").value
    [field] = [w for w in at.text_area if w.key and w.key.endswith(entry)
               and w.key.startswith(("correct_description", "correct_summary", "correct_reason_"))][:1]
    field.input(field.value + " (corrected: it was in the gym)")
    at.text_area(key="correct_reason").input("The place was wrong.")
    at.button(key="FormSubmitter:correct-Save").click().run()
    assert not at.error, [m.value for m in at.markdown]
    assert "original stays in the log" in at.success[0].value


def test_a_psychologist_raises_a_concern_that_reaches_the_monitor(app_test):
    at = open_page(app_test, "psych.ast-12", "raise_concern")
    child = pick(at, "concern_child")
    at.text_area(key="concern_reason").input("Came to school with a bruise; says he fell.")
    at.button(key="FormSubmitter:concern-Save").click().run()
    assert at.success[0].value.startswith(f"Concern raised for {child}")
    monitor = open_page(app_test, "coordinator", "monitor")
    assert any(child in m.value.replace("\\", "") for m in monitor.markdown)


# --- supervisors -------------------------------------------------------------------
def test_why_names_the_rule_and_the_words_that_fired(app_test):
    at = open_page(app_test, "psych.ast-12", "monitor")  # the runtime and its engine run
    rt = services._runtime()
    psychologist = at.session_state["actor"]
    [child, *_] = [c["code"] for c in rt.staff().children(psychologist)]
    rt.app.record_conflict(psychologist, child, forms.conflict(
        rt.app.clock.now(), severity=2, description="Pushed on the stairs; his wrist was injured."))
    coordinator = rt.app.actor_for("coordinator")

    def raised() -> list:  # type: ignore[type-arg]
        rt.settled(timeout=10)
        return [r for r in rt.oversight().escalation_queue(coordinator)
                if r["child_code"] == child and r["history"][0].get("words")]

    deadline = time.monotonic() + 30
    while not raised() and time.monotonic() < deadline:
        time.sleep(0.2)
    [escalation] = raised()
    monitor = open_page(app_test, "coordinator", "monitor", language="ru")
    monitor.session_state["monitor_selected"] = rt.oversight().concern_key_of(
        coordinator, str(concern_id(escalation["child_id"])))
    shown = " ".join(m.value for m in monitor.run().markdown)
    assert "**Серьёзный случай**" in shown
    assert "Что сработало: слова «injured» в записи, без отрицания." in shown


def test_a_concern_is_assigned_by_name_to_the_schools_staff_with_no_default(app_test):
    at = open_page(app_test, "coordinator", "monitor")
    # The last one on the page: the others' tests take the first.
    [*_, last] = [b for b in at.button if b.key and b.key.startswith("open_")]
    key = last.key.removeprefix("open_")
    last.click().run()
    choice = at.selectbox(key=f"assignee_{key}")
    assert choice.value is None  # nobody is chosen for the supervisor
    school = services.oversight().concern(at.session_state["actor"], key)["school_id"]
    psych = f"psych.{school.lower()}"  # by their name (in the UI's language) and user id
    assert any(o.startswith(PEOPLE[psych][2]) and o.endswith(f"({psych})")
               for o in choice.options)
    assert any("(supervisor." in o for o in choice.options)
    assert not [o for o in choice.options if "coordinator" in o]
    at.text_area(key=f"assign_note_{key}").input("Please meet the child this week.")
    at.button(key="FormSubmitter:assign-Assign").click().run()
    assert at.error  # a person must be chosen
    at.selectbox(key=f"assignee_{key}").set_value(f"psych.{school.lower()}")
    at.button(key="FormSubmitter:assign-Assign").click().run()
    assert not at.error and at.success[0].value.startswith("Assigned")
    row = services.oversight().concern(at.session_state["actor"], key)
    assert row["assignee"] == f"psych.{school.lower()}"


def test_a_supervisor_acknowledges_a_concern_only_with_a_rationale(app_test):
    at = open_page(app_test, "coordinator", "monitor")
    waiting = {r["concern_key"] for r in services.oversight().concern_monitor(
        at.session_state["actor"], limit=25)["rows"] if r["status"] == "open"}
    open_buttons = [b for b in at.button if b.key and b.key.removeprefix("open_") in waiting]
    assert open_buttons
    key = open_buttons[0].key.removeprefix("open_")
    open_buttons[0].click().run()
    assert at.session_state["monitor_selected"] == key
    assert any("Why?" in e.label for e in at.expander)
    # Where the eye is: above the list (it was drawn some 2,500 px further down).
    order = [getattr(node, "label", None) or getattr(node, "value", None)
             for node in walk(at.main)]
    shown = next(i for i, v in enumerate(order)
                 if isinstance(v, str) and re.match(r"\d+–\d+ of \d+", v))
    assert order.index("Why?") < shown
    at.button(key="FormSubmitter:acknowledge-Acknowledge").click().run()
    assert at.error and at.error[0].value == "Please check the form:"
    at.text_area(key=f"ack_note_{key}").input("Seen; I will call the psychologist.")
    at.button(key="FormSubmitter:acknowledge-Acknowledge").click().run()
    assert not at.error
    assert at.success and at.success[0].value.startswith("Acknowledged")
    assert services.oversight().concern(at.session_state["actor"], key)["status"] != "open"


def test_a_supervisor_sees_caseload_figures_by_school_and_region(app_test):
    # The national coordinator sees a row per region, then opens one for its schools.
    at = open_page(app_test, "coordinator", "caseload")
    regions = at.dataframe[0].value
    assert {"Astana", "Almaty"} <= set(regions["Regions"])
    assert regions["Schools"].sum() == 6 and regions["Children"].sum() > 0
    at.selectbox(key="caseload_opened").select("astana").run()
    assert not at.exception
    schools = at.dataframe[1].value
    assert set(schools["School"]) == {"AST-12", "AST-45"}
    astana = regions[regions["Regions"] == "Astana"].iloc[0]
    assert schools["Children"].sum() == astana["Children"]
    # A region's supervisor sees the schools they oversee, as opened above.
    mine = open_page(app_test, "supervisor.astana", "caseload").dataframe[0].value
    assert set(mine["School"]) == {"AST-12", "AST-45"}
    assert mine["Children"].sum() == astana["Children"]


# --- auditors ----------------------------------------------------------------------
def test_an_auditor_replays_diffs_verifies_exports_and_sees_the_access_log(app_test):
    at = open_page(app_test, "auditor", "replay")
    child = pick(at, "replay_child")
    assert any("entries had been recorded by" in m.value for m in at.markdown)
    at.segmented_control(key="replay_mode_en").set_value("diff").run()
    assert not at.exception
    assert any("added" in m.value and "corrected" in m.value for m in at.markdown)
    at.segmented_control(key="replay_mode_en").set_value("happened").run()
    assert any("entries happened by" in m.value for m in at.markdown)
    events = open_page(app_test, "auditor", "event_log")
    events.selectbox(key="events_child").select(child).run()
    assert events.dataframe[0].value.shape[0] > 0
    events.button(key="events_verify").click().run()
    assert events.success and events.success[0].value.startswith("All ")
    events.button(key="events_ledger").click().run()
    assert any(m.value.startswith("The whole log verifies") for m in events.success)
    events.button(key="events_prepare").click().run()
    assert events.session_state["export"]["code"] == child
    assert child in events.session_state["export"]["json"]
    log = open_page(app_test, "auditor", "access_log")
    log.text_input(key="access_child").input(child).run()
    purposes = set(log.dataframe[0].value["Purpose"])
    assert {"replay", "event log", "export"} <= purposes


def test_a_name_with_markdown_is_shown_as_written_not_as_markup(app_test):
    # Finding 12 (the sidebar's display name reached an unescaped placeholder).
    from domain.access import Role
    from domain.application import SYSTEM

    services.app().register_account(SYSTEM, "md.teacher", "**Bold** [link](http://x.example)",
                                     Role.TEACHER, ["AST-12"], "password-1")
    at = app_test("md.teacher")
    [caption] = [c.value for c in at.sidebar.caption if "md.teacher" in c.value
                 or "Bold" in c.value]
    assert r"\*\*Bold\*\*" in caption and r"\[link\]" in caption


def test_an_auditor_sees_the_events_a_record_still_waits_for(app_test, monkeypatch):
    # An event the read models could not apply is parked: the auditor's page says the
    # record is incomplete, and why; after a retry it says nothing.
    from datetime import datetime, timezone

    from tests import forms as payloads

    rt = services._runtime()
    teacher = rt.app.actor_for("teacher.ast-12")
    code = next(c["code"] for c in rt.staff().children(teacher))
    child_id = str(rt.app.child(code).id)
    original = rt.view.entry_recorded

    def cannot_apply(event, tracking):  # type: ignore[no-untyped-def]
        if str(event.originator_id) == child_id:
            raise ValueError("the projection cannot apply this entry")
        original(event, tracking)

    monkeypatch.setattr(rt.view, "entry_recorded", cannot_apply)
    rt.app.record_conflict(teacher, code, payloads.conflict(datetime.now(tz=timezone.utc)))
    rt.runner.catch_up()
    events = open_page(app_test, "auditor", "event_log")
    events.selectbox(key="events_child").select(code).run()
    assert any("could not be applied yet" in w.value for w in events.warning)
    parked = events.dataframe[1].value
    assert "cannot apply this entry" in parked["Reason"][0]
    assert parked["Not applied by"][0] == "the read models"
    monkeypatch.undo()
    assert rt.runner.retry_parked().applied == 1
    events.run()
    assert not events.warning
