"""The Kafka contract and the AsyncAPI document are committed and kept current."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timezone
from uuid import uuid4

import pytest
from pydantic import ValidationError

from consumers import documents
from consumers.messages import EventEnvelope


def test_committed_documents_match_the_code():
    # `kopir asyncapi` rewrites them; this fails when someone forgot to.
    assert documents.write(check=True) == []


def test_the_asyncapi_document_describes_both_topics_and_the_envelope():
    spec = json.loads(documents.ASYNCAPI.read_text())
    assert spec["asyncapi"].startswith("3.")
    addresses = {c["address"] for c in spec["channels"].values()}
    assert addresses == {"kopir.events.v1", "kopir.events.v1.dlq"}
    assert {"EventEnvelope", "DeadLetter"} <= set(spec["components"]["schemas"])


def envelope(**changes):  # type: ignore[no-untyped-def]
    values = dict(notification_id=1, event_type="ConflictRecorded",
                  topic="domain.model:Child.ConflictRecorded", aggregate_id=uuid4(),
                  aggregate_version=2, child_id=uuid4(), school_id="S1",
                  occurred_at=datetime(2026, 1, 1, tzinfo=timezone.utc),
                  recorded_at=datetime(2026, 1, 2, tzinfo=timezone.utc),
                  payload=base64.b64encode(b"ciphertext").decode())
    values.update(changes)
    return EventEnvelope(**values)


def test_an_envelope_round_trips_and_names_its_version():
    original = envelope()
    data = json.loads(original.to_bytes())
    assert data["schema"] == "kopir.event/1"
    assert EventEnvelope.from_bytes(original.to_bytes()) == original
    assert original.stored_event().state == b"ciphertext"


@pytest.mark.parametrize("bad", [b"{", b'{"schema": "kopir.event/2"}',
                                 envelope().to_bytes().replace(b'"S1"', b'"S1","extra":1')])
def test_anything_else_is_refused(bad):
    with pytest.raises(ValidationError):
        EventEnvelope.from_bytes(bad)
