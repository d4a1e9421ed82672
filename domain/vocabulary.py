"""The words Köpir records with: one home for each, used by forms, rules, cipher and screens.

Levels, wellbeing indicators, kinds of entry and their choices, which fields are
personal (encrypted per child, erasable) and which a role may never see. Every
other module takes these from here instead of spelling them out again.
"""

from __future__ import annotations

from datetime import timedelta
from enum import Enum


class Level(str, Enum):
    """How urgent an escalation is, lowest first."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


LEVELS = tuple(level.value for level in Level)  # lowest first: a level up is the next one
URGENT_FIRST = tuple(reversed(LEVELS))  # how lists of escalations are ranked
# How soon someone must acknowledge an escalation raised by hand, per level.
ACK_DEADLINES = {"high": timedelta(hours=1), "medium": timedelta(days=1),
                 "low": timedelta(days=5)}

# The four wellbeing indicators scored 1 to 5 in every attended session.
INDICATORS = ("social_ties", "school_engagement", "emotional_state", "family_support")

# An entry recorded more than this after it happened is marked late (chronology, rules).
LATE_AFTER = timedelta(hours=24)

# Entry kinds a correction may target.
CORRECTABLE = ("ConflictRecorded", "PeerIncidentRecorded", "CounsellingSessionRecorded",
               "ConcernRaised", "FamilyContactRecorded")

# --- fields, by who may see them and how they are kept ------------------------------
# Free text people write: encrypted under the key of the child it is about.
FREE_TEXT = frozenset({"description", "action_taken", "summary", "confidential_notes",
                       "reason", "support_needs", "rationale", "note", "matched_words",
                       "target", "result"})
# Where a child comes from and their name: only roles that need them see them.
ORIGIN_FIELDS = frozenset({"returned_from", "personal_name"})
# Session notes: psychologists only.
CONFIDENTIAL_FIELDS = frozenset({"confidential_notes"})
# Scores and the rhythm of counselling: not for class tutors (they could tell who is seen).
WELLBEING_FIELDS = frozenset({"wellbeing", *INDICATORS, "sessions_attended",
                              "sessions_missed_in_a_row", "last_session_at",
                              "next_follow_up_on"})
# Everything erased with the child's key (crypto-shredding).
PERSONAL_FIELDS = FREE_TEXT | ORIGIN_FIELDS
# Dicts whose personal keys are personal too (the changes of an amendment).
NESTED_FIELDS = ("changes",)


# --- choices on the forms ----------------------------------------------------------
class ConflictKind(str, Enum):
    VERBAL = "verbal"
    PHYSICAL = "physical"
    WITH_TEACHER = "with_teacher"
    PROPERTY = "property"


class PeerIncidentKind(str, Enum):
    STIGMATISING_LABEL = "stigmatising_label"
    EXCLUSION = "exclusion"
    BULLYING = "bullying"
    PHYSICAL = "physical"
    ONLINE = "online"
    FRIENDSHIP = "friendship"
    GROUP_ACTIVITY = "group_activity"


POSITIVE_PEER_KINDS = frozenset({PeerIncidentKind.FRIENDSHIP, PeerIncidentKind.GROUP_ACTIVITY})


class LabelAbout(str, Enum):
    ORIGIN = "origin"
    RELIGION = "religion"
    FAMILY = "family"
    OTHER = "other"


class ParticipantRole(str, Enum):
    INITIATOR = "initiator"
    TARGET = "target"
    WITNESS = "witness"
    INVOLVED = "involved"  # positive interactions have no initiator or target


class SessionType(str, Enum):
    INDIVIDUAL = "individual"
    GROUP = "group"
    WITH_FAMILY = "with_family"
    SPECIALIST_REFERRAL = "specialist_referral"


class Attendance(str, Enum):
    ATTENDED = "attended"
    MISSED = "missed"
    CANCELLED = "cancelled"


class FamilySituation(str, Enum):
    WITH_MOTHER = "with_mother"
    WITH_BOTH_PARENTS = "with_both_parents"
    WITH_RELATIVES = "with_relatives"
    ORPHAN_IN_CARE = "orphan_in_care"


class Outcome(str, Enum):
    ACTION_TAKEN = "action_taken"
    REFERRED = "referred"
    NO_FURTHER_ACTION = "no_further_action"


# --- support plans and family work --------------------------------------------------
class MeasureType(str, Enum):
    COUNSELLING = "counselling"
    PEER_MENTOR = "peer_mentor"
    CATCH_UP_LESSONS = "catch_up_lessons"
    AFTER_SCHOOL_ACTIVITY = "after_school_activity"
    FAMILY_SUPPORT = "family_support"  # e.g. employment, small-business or benefits referral
    REFERRAL_MEDICAL = "referral_medical"
    REFERRAL_PSYCHOLOGICAL = "referral_psychological"
    REFERRAL_RELIGIOUS_STUDIES = "referral_religious_studies"
    REFERRAL_SOCIAL_SERVICES = "referral_social_services"
    REFERRAL_LEGAL = "referral_legal"


class MeasureStatus(str, Enum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    STOPPED = "stopped"


class ConsentPurpose(str, Enum):
    SHARE_WITH_SCHOOL = "share_with_school"        # a receiving school, on a transfer
    SPECIALIST_REFERRAL = "specialist_referral"
    RELIGIOUS_STUDIES = "religious_studies"


# What a measure needs the family's consent for before it starts.
CONSENT_FOR = {
    MeasureType.REFERRAL_MEDICAL.value: ConsentPurpose.SPECIALIST_REFERRAL.value,
    MeasureType.REFERRAL_PSYCHOLOGICAL.value: ConsentPurpose.SPECIALIST_REFERRAL.value,
    MeasureType.REFERRAL_SOCIAL_SERVICES.value: ConsentPurpose.SPECIALIST_REFERRAL.value,
    MeasureType.REFERRAL_LEGAL.value: ConsentPurpose.SPECIALIST_REFERRAL.value,
    MeasureType.REFERRAL_RELIGIOUS_STUDIES.value: ConsentPurpose.RELIGIOUS_STUDIES.value,
}
ADOLESCENT_FROM = 12  # the age from which a religious-studies meeting may be planned


class GoalOutcome(str, Enum):
    BETTER = "better"
    SAME = "same"
    WORSE = "worse"


class ClosureReason(str, Enum):
    GOALS_MET = "goals_met"
    SUPPORT_ELSEWHERE = "support_elsewhere"
    FAMILY_DECLINED = "family_declined"
    ENROLMENT_ENDED = "enrolment_ended"


class FamilyMember(str, Enum):
    MOTHER = "mother"
    FATHER = "father"
    GUARDIAN = "guardian"
    OTHER_RELATIVE = "other_relative"


class ContactType(str, Enum):
    HOME_VISIT = "home_visit"
    PHONE = "phone"
    MEETING_AT_SCHOOL = "meeting_at_school"
    MESSAGE = "message"


class ContactOutcome(str, Enum):
    REACHED = "reached"
    NOT_REACHED = "not_reached"
    REFUSED = "refused"
