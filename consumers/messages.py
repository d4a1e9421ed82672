"""The Kafka contract: one versioned envelope per stored event.

The envelope carries ids, the event's type, school and times, and the stored
state exactly as the event store holds it: AES-GCM ciphertext (the relay refuses
to run without a cipher key). A broker operator sees who-what-when identifiers,
never what was written about a child. The JSON Schema of this model is committed
as consumers/contract.json and checked by a test.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from pydantic import BaseModel, ConfigDict, Field

SCHEMA = "kopir.event/1"


class EventEnvelope(BaseModel):
    """One event of the SchoolIntegration log, as published to `kopir.events.v1`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_: Literal["kopir.event/1"] = Field(SCHEMA, alias="schema")
    notification_id: int = Field(ge=1, description="Position in the event store's log")
    event_type: str = Field(description="Domain event name, e.g. ConflictRecorded")
    topic: str = Field(description="The event class, as the event store names it")
    aggregate_id: UUID
    aggregate_version: int = Field(ge=1)
    child_id: UUID | None = Field(description="The child the event is about (the message key)")
    school_id: str
    occurred_at: datetime
    recorded_at: datetime
    payload: str = Field(description="Base64 of the stored state (AES-GCM ciphertext)")

    def stored_event(self) -> StoredEvent:
        return StoredEvent(originator_id=self.aggregate_id,
                           originator_version=self.aggregate_version, topic=self.topic,
                           state=base64.b64decode(self.payload))

    def to_bytes(self) -> bytes:
        return self.model_dump_json(by_alias=True).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> "EventEnvelope":
        return cls.model_validate_json(data)


class DeadLetter(BaseModel):
    """A message the consumers could not apply, published to `kopir.events.v1.dlq`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source_topic: str
    partition: int
    offset: int
    key: str | None
    reason: str
    parked_behind: int | None = Field(
        None, description="Offset of the earlier message of the same child this one waits behind")
    value: str = Field(description="Base64 of the original message value")


def contract() -> dict[str, Any]:
    """The JSON Schema of the envelope (what consumers/contract.json holds)."""
    return EventEnvelope.model_json_schema(by_alias=True)


def contract_text() -> str:
    return json.dumps(contract(), indent=2, sort_keys=True) + "\n"
