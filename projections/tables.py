"""SQLAlchemy tables of the read models. Disposable: a rebuild from the log recreates them."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from infrastructure.columns import UTCDateTime

metadata = MetaData()


ID = String(64)

schools = Table(
    "rm_schools", metadata,
    Column("school_id", ID, primary_key=True),
    Column("name", Text, nullable=False),
    Column("region", Text, nullable=False),  # a code of domain.regions (or an old name)
    Column("names", Text, nullable=False, default="{}"),  # JSON: the name by language
)

children = Table(
    "rm_children", metadata,
    Column("child_id", ID, primary_key=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("school_id", ID, nullable=False, index=True),
    Column("grade", Integer, nullable=False),
    Column("birth_year", Integer, nullable=False),
    Column("family_situation", String(32), nullable=False),
    Column("languages", Text, nullable=False),
    Column("months_schooling_missed", Integer, nullable=False),
    Column("support_needs", Text, nullable=False),
    Column("returned_from", Text, nullable=False),
    Column("personal_name", Text, nullable=False),
    Column("enrolled_on", UTCDateTime, nullable=False),
    Column("status", String(16), nullable=False),  # open | closed
    Column("transferred_from", ID, nullable=True),
    Column("conflicts", Integer, nullable=False, default=0),
    Column("peer_incidents", Integer, nullable=False, default=0),
    Column("positive_interactions", Integer, nullable=False, default=0),
    Column("last_incident_at", UTCDateTime, nullable=True),
    Column("sessions_attended", Integer, nullable=False, default=0),
    Column("sessions_missed_in_a_row", Integer, nullable=False, default=0),
    Column("last_session_at", UTCDateTime, nullable=True),
    Column("next_follow_up_on", String(10), nullable=True),  # ISO date
    Column("open_escalations", Integer, nullable=False, default=0),
    Column("version", Integer, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

chronology = Table(
    "rm_chronology", metadata,
    Column("entry_id", ID, primary_key=True),
    Column("child_id", ID, nullable=False),
    Column("version", Integer, nullable=False),
    Column("school_id", ID, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("recorded_by", String(64), nullable=False),
    Column("role", String(16), nullable=False),
    Column("delay_seconds", Integer, nullable=False),
    Column("late", Boolean, nullable=False),
    Column("fields", Text, nullable=False),  # JSON, sorted keys
    Column("original_fields", Text, nullable=True),  # JSON as first recorded, once amended
    Column("confidential_notes", Text, nullable=False, default=""),
    Column("status", String(16), nullable=False),  # recorded | amended | retracted
    Column("corrects", ID, nullable=True),  # for EntryAmended / EntryRetracted
    Column("reason", Text, nullable=False, default=""),
    Index("rm_chronology_child", "child_id", "occurred_at"),
    Index("rm_chronology_school", "school_id", "occurred_at"),  # caseload by school and period
)

escalations = Table(
    "rm_escalations", metadata,
    Column("escalation_id", ID, primary_key=True),
    Column("child_id", ID, nullable=False, index=True),
    Column("child_code", String(32), nullable=False),
    Column("school_id", ID, nullable=False, index=True),
    Column("level", String(8), nullable=False),
    Column("rule_id", String(64), nullable=False),
    Column("rule_version", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("triggering_entries", Text, nullable=False),  # JSON list
    Column("status", String(16), nullable=False),  # open | acknowledged | assigned | resolved
    Column("raised_at", UTCDateTime, nullable=False),
    Column("raised_by", String(64), nullable=False),
    Column("acknowledge_by", UTCDateTime, nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("detection_delay_seconds", Integer, nullable=False),
    Column("acknowledged_at", UTCDateTime, nullable=True),
    Column("acknowledged_by", String(64), nullable=True),
    Column("assignee", String(64), nullable=True),
    Column("resolved_at", UTCDateTime, nullable=True),
    Column("resolved_by", String(64), nullable=True),
    Column("outcome", String(32), nullable=True),
    Column("rationale", Text, nullable=True),
    Column("history", Text, nullable=False),  # JSON list of {action, by, at, note}
    # The monitor's counts and filters read this index alone; its page walks raised_at.
    Index("rm_escalations_queue", "status", "school_id", "level", "acknowledge_by"),
    Index("rm_escalations_raised", "raised_at"),
)

concerns = Table(
    "rm_concerns", metadata,
    Column("concern_key", String(80), primary_key=True),  # concern id / episode (0: folded)
    Column("concern_id", ID, nullable=False, index=True),
    Column("child_id", ID, nullable=False, index=True),
    Column("child_code", String(32), nullable=False),
    Column("school_id", ID, nullable=False),
    Column("episode", Integer, nullable=False),
    Column("status", String(16), nullable=False),  # open | acknowledged | assigned | snoozed
    #                                                | resolved | folded (into a later one)
    Column("level", String(8), nullable=False),
    Column("opened_at", UTCDateTime, nullable=False),
    Column("last_signal_at", UTCDateTime, nullable=False),
    Column("signal_count", Integer, nullable=False),
    Column("open_signals", Integer, nullable=False),
    Column("acknowledge_by", UTCDateTime, nullable=True),
    Column("acknowledged_at", UTCDateTime, nullable=True),
    Column("assignee", String(64), nullable=True),
    Column("snoozed_until", UTCDateTime, nullable=True),
    Column("resolved_at", UTCDateTime, nullable=True),
    Column("outcome", String(32), nullable=True),
    Column("rises", Integer, nullable=False),
    Column("tier", Integer, nullable=False),
    Column("signals", Text, nullable=False),  # JSON list of {id, level, rule, at, entries, status}
    Column("history", Text, nullable=False),  # JSON list of {action, by, at, note}
    # The monitor's counts and page read this index: unresolved rows of a school by urgency.
    Index("rm_concerns_queue", "status", "school_id", "level", "acknowledge_by"),
    # What is not overdue yet (deadline still ahead, or none), without the rest; the
    # monitor's page, one urgency group at a time in its order.
    Index("rm_concerns_deadline", "status", "acknowledge_by", "school_id", "level",
          "snoozed_until", "last_signal_at", "concern_key"),
    Index("rm_concerns_recent", "last_signal_at"),  # what arrived, the latest
)

wellbeing = Table(
    "rm_wellbeing", metadata,
    Column("entry_id", ID, primary_key=True),
    Column("child_id", ID, nullable=False, index=True),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("social_ties", Integer, nullable=True),  # NULL: the area was not assessed
    Column("school_engagement", Integer, nullable=True),
    Column("emotional_state", Integer, nullable=True),
    Column("family_support", Integer, nullable=True),
    Column("retracted", Boolean, nullable=False, default=False),
)

accounts = Table(
    "rm_accounts", metadata,
    Column("user_id", String(64), primary_key=True),
    Column("display_name", Text, nullable=False),
    Column("display_names", Text, nullable=False, default="{}"),  # JSON: by language
    Column("role", String(16), nullable=False),
    Column("school_ids", Text, nullable=False),  # JSON list
    Column("email", Text, nullable=False, default=""),  # empty: told in the app only
    Column("digest", Boolean, nullable=False, default=True),  # what is not HIGH, daily
    Column("language", String(2), nullable=False, default=""),
    Column("active", Boolean, nullable=False, default=True),  # may sign in
)

access_log = Table(
    "rm_access_log", metadata,
    Column("access_id", ID, primary_key=True),
    Column("child_id", ID, nullable=False, index=True),
    Column("child_code", String(32), nullable=False),
    Column("school_id", ID, nullable=False),
    Column("viewed_by", String(64), nullable=False, index=True),
    Column("role", String(16), nullable=False),
    Column("purpose", String(16), nullable=False),
    Column("fields", Text, nullable=False),  # JSON list
    Column("as_of", String(40), nullable=False),
    Column("viewed_at", UTCDateTime, nullable=False, index=True),
)

# Support plans: one row per child with a plan, one per measure (for "My work" and the
# caseload; the plan page reads the child's record itself).
plans = Table(
    "rm_plans", metadata,
    Column("child_id", ID, primary_key=True),
    Column("child_code", String(32), nullable=False),
    Column("school_id", ID, nullable=False, index=True),
    Column("status", String(16), nullable=False),  # draft | approved | closed
    Column("owner", String(64), nullable=False),  # who drafted it: reviews are theirs
    Column("review_on", String(10), nullable=False),  # ISO date
    Column("closing", String(32), nullable=False),  # a closure proposed, waiting
    Column("closure_reason", String(32), nullable=False),
    Column("goals", Integer, nullable=False),
    Column("reviews", Integer, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)
measures = Table(
    "rm_measures", metadata,
    Column("measure_id", ID, primary_key=True),
    Column("child_id", ID, nullable=False, index=True),
    Column("child_code", String(32), nullable=False),
    Column("school_id", ID, nullable=False, index=True),
    Column("measure_type", String(40), nullable=False),
    Column("area", String(32), nullable=False),
    Column("responsible", String(64), nullable=False, index=True),
    Column("starts_on", String(10), nullable=False),
    Column("review_on", String(10), nullable=False),
    Column("status", String(16), nullable=False),
    Column("outcome", Text, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)
# Follow-ups set in sessions and family contacts, until the next one of its kind is recorded.
follow_ups = Table(
    "rm_follow_ups", metadata,
    Column("entry_id", ID, primary_key=True),
    Column("child_id", ID, nullable=False, index=True),
    Column("child_code", String(32), nullable=False),
    Column("school_id", ID, nullable=False, index=True),
    Column("kind", String(40), nullable=False),  # the entry that set it
    Column("owner", String(64), nullable=False, index=True),
    Column("due_on", String(10), nullable=False),
    Column("done", Boolean, nullable=False),
)

# Transfers proposed and not yet answered: what the receiving school sees of the child.
transfers = Table(
    "rm_transfers", metadata,
    Column("child_id", ID, primary_key=True),
    Column("child_code", String(32), nullable=False),
    Column("from_school_id", ID, nullable=False),
    Column("to_school_id", ID, nullable=False, index=True),
    Column("proposed_at", UTCDateTime, nullable=False),
)

# Counters the oversight queries read instead of the rows they summarise, kept by the
# writers in the same transaction as those rows (projections/counters.py). A counter that
# comes to zero is deleted, so a rebuild from the log gives the same rows whatever the
# batches were.
school_days = Table(  # entries of a school by the day (UTC) they happened, not retracted
    "rm_school_days", metadata,
    Column("school_id", ID, primary_key=True),
    Column("day", String(10), primary_key=True),  # ISO date
    Column("incidents", Integer, nullable=False),  # conflicts and peer incidents
    Column("positive", Integer, nullable=False),  # positive peer interactions
    Column("sessions", Integer, nullable=False),  # counselling sessions
    Index("rm_school_days_day", "day", "school_id", "incidents", "positive", "sessions"),
)
school_counts = Table(  # per school: children enrolled and not closed, entries counted
    "rm_school_counts", metadata,
    Column("school_id", ID, primary_key=True),
    Column("children", Integer, nullable=False),
    Column("entries", Integer, nullable=False),  # every day of rm_school_days, summed
)
region_days = Table(  # rm_school_days summed by the school's region ("" when not registered)
    "rm_region_days", metadata,
    Column("region", Text, primary_key=True),
    Column("day", String(10), primary_key=True),  # ISO date
    Column("incidents", Integer, nullable=False),
    Column("positive", Integer, nullable=False),
    Column("sessions", Integer, nullable=False),
)
concern_counts = Table(  # per school, level and status: concerns not resolved
    "rm_concern_counts", metadata,
    Column("school_id", ID, primary_key=True),
    Column("level", String(8), primary_key=True),
    Column("status", String(16), primary_key=True),
    Column("n", Integer, nullable=False),
)

# The read models' shape: raise it when a table or what a projection writes changes, so
# that read models made by an earlier release are projected again from the log.
# 2: concerns; 3: accounts disabled or enabled; 4: plans and follow-ups;
# 5: school and account names in kk/ru/en, region codes; wellbeing areas not assessed
# 6: counters per school and day, per school, per level; the monitor's page index
# 7: counters per region and day
SHAPE = 7
shape = Table(
    "rm_shape", metadata,
    Column("name", String(32), primary_key=True),
    Column("version", Integer, nullable=False),
)

READ_MODEL_TABLES = (schools, children, chronology, escalations, concerns, wellbeing, accounts,
                     access_log, plans, measures, follow_ups, transfers, school_days,
                     school_counts, region_days, concern_counts)
