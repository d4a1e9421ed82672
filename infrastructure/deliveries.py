"""The notifier's ledger of deliveries: one row per person told of a change of a concern,
written in the same transaction as the notifier's position (so each is recorded exactly
once), then marked sent when the SMTP server accepted it. Beside the read models, but
not one of them: a rebuild leaves it alone (what was sent stays sent)."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, MetaData, String, Table, Text

from infrastructure.columns import UTCDateTime

metadata = MetaData()

deliveries = Table(
    "notifier_deliveries", metadata,
    Column("delivery_key", String(120), primary_key=True),  # notification id : user id
    Column("user_id", String(64), nullable=False),
    Column("channel", String(8), nullable=False),  # email | app (no address, or e-mail off)
    Column("address", Text, nullable=False),
    Column("kind", String(10), nullable=False),  # immediate | digest
    Column("reason", String(16), nullable=False),  # opened | reopened | higher | overdue | assigned
    Column("concern_id", String(64), nullable=False),
    Column("child_code", String(32), nullable=False),
    Column("school_id", String(64), nullable=False),
    Column("level", String(8), nullable=False),
    Column("author", String(64), nullable=False),
    Column("queued_at", UTCDateTime, nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime, nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_try_at", UTCDateTime, nullable=True),
    Column("last_error", Text, nullable=False, default=""),
    Index("notifier_deliveries_due", "sent_at", "channel", "due_at"),
    Index("notifier_deliveries_user", "user_id", "queued_at"),
)
