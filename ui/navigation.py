"""Which pages each role has, in which sections. The application enforces the same
rules again: a page missing here is a convenience, not the protection."""

from __future__ import annotations

from pathlib import Path

from domain.access import Role

HERE = Path(__file__).resolve().parent
# Page scripts by name, as paths from ui/ (Streamlit gets them whole, see `page_file`).
PAGES = {
    "record_conflict": ("staff/conflict.py", ":material/edit_note:"),
    "record_peer": ("staff/peer.py", ":material/groups:"),
    "record_session": ("staff/session.py", ":material/psychology:"),
    "raise_concern": ("staff/concern.py", ":material/flag:"),
    "enrol": ("staff/enrol.py", ":material/person_add:"),
    "correct": ("staff/correct.py", ":material/history_edu:"),
    "chronology": ("staff/chronology.py", ":material/timeline:"),
    "children": ("staff/children.py", ":material/format_list_numbered:"),
    "monitor": ("supervisor/monitor.py", ":material/notifications_active:"),
    "caseload": ("supervisor/caseload.py", ":material/monitoring:"),
    "replay": ("auditor/replay.py", ":material/manage_history:"),
    "event_log": ("auditor/events.py", ":material/fact_check:"),
    "access_log": ("auditor/access.py", ":material/visibility:"),
    "schools": ("admin/schools.py", ":material/school:"),
    "accounts": ("admin/accounts.py", ":material/manage_accounts:"),
    "delegation": ("supervisor/delegation.py", ":material/supervisor_account:"),
    "notifications": ("staff/notifications.py", ":material/mail:"),
    "tasks": ("staff/tasks.py", ":material/task_alt:"),
    "plan": ("staff/plan.py", ":material/assignment:"),
    "family": ("staff/family.py", ":material/family_restroom:"),
    "transfers": ("staff/transfers.py", ":material/move_down:"),
    "erasures": ("admin/erasures.py", ":material/delete_forever:"),
    "subject_access": ("admin/subject_access.py", ":material/folder_shared:"),
    "ministry": ("ministry/overview.py", ":material/insights:"),
}
SECTIONS = {
    Role.TEACHER: {"nav.section.record": ["record_conflict", "record_peer", "enrol", "correct"],
                   "nav.section.children": ["chronology", "tasks", "notifications"]},
    Role.PSYCHOLOGIST: {"nav.section.record": ["record_session", "family", "record_peer",
                                               "record_conflict", "raise_concern", "enrol",
                                               "correct"],
                        "nav.section.children": ["tasks", "children", "plan", "chronology",
                                                 "monitor", "caseload", "transfers",
                                                 "notifications"]},
    Role.SUPERVISOR: {"nav.section.oversight": ["monitor", "tasks", "children", "plan",
                                                "caseload", "chronology", "transfers",
                                                "notifications", "delegation"]},
    Role.AUDITOR: {"nav.section.audit": ["replay", "event_log", "access_log"]},
    Role.ADMIN: {"nav.section.admin": ["schools", "accounts", "erasures"]},
    Role.DPO: {"nav.section.privacy": ["erasures", "subject_access", "access_log"]},
    Role.ANALYST: {"nav.section.ministry": ["ministry"]},
}


def pages_of(role: Role) -> list[str]:
    return [name for names in SECTIONS[role].values() for name in names]


def page_file(name: str) -> str:
    """A page's script as a whole path: the entry script that runs the app is not in ui/."""
    return str(HERE / PAGES[name][0])
