"""Labels of the UI. English is the reference; other languages fill the same keys."""

from __future__ import annotations

EN = {
    "app.title": "Köpir",
    "login.title": "Sign in to Köpir",
    "login.user": "User name",
    "login.password": "Password",
    "login.submit": "Sign in",
    "login.failed": "Unknown user name or wrong password.",
    "logout": "Sign out",
    "signed_in_as": "Signed in as {name} ({role})",
    "nav.record_conflict": "Record a conflict",
    "nav.chronology": "Chronology",
    "nav.escalations": "Escalations",
    "nav.schools": "Schools",
    "kind.ChildEnrolled": "Enrolled",
    "kind.ChildTransferred": "Transferred",
    "kind.EnrolmentClosed": "Enrolment closed",
    "kind.ConflictRecorded": "Conflict",
    "kind.PeerIncidentRecorded": "Peer interaction",
    "kind.CounsellingSessionRecorded": "Counselling session",
    "kind.ConcernRaised": "Concern raised",
    "kind.EntryAmended": "Correction",
    "kind.EntryRetracted": "Retraction",
    "empty.children": "No children are enrolled in your schools yet.",
    "empty.chronology": "Nothing has been recorded for this child yet.",
    "empty.escalations": "No open escalations. Nothing needs your attention right now.",
}
LANGUAGES = {"en": EN}


def t(key: str, language: str = "en", **values: object) -> str:
    text = LANGUAGES.get(language, EN).get(key) or EN.get(key) or key
    return text.format(**values) if values else text
