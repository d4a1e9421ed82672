"""Health of the distributed path: relay position, consumer lag per partition, parked messages."""

from __future__ import annotations

from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from sqlalchemy import func, select

from consumers.parking import ensure_parked_table, parked
from consumers.relay import relayed_position
from domain.application import SchoolIntegration
from infrastructure.settings import KafkaSettings
from projections.views import ReadModelView


def status(app: SchoolIntegration, view: ReadModelView, kafka: KafkaSettings) -> dict[str, Any]:
    stored = app.recorder.max_notification_id() or 0
    relayed = relayed_position(app, kafka)
    ensure_parked_table(view.engine)
    with view.transaction(commit=False) as session:
        parked_messages = session.execute(select(func.count()).select_from(parked)).scalar_one()
        parked_children = session.execute(
            select(func.count(func.distinct(parked.c.child_key)))).scalar_one()
    return {
        "store": {"last_notification_id": stored},
        "relay": {"position": relayed, "behind": stored - relayed},
        "partitions": partition_lag(kafka, view),
        "parked": {"children": parked_children, "messages": parked_messages},
    }


def partition_lag(kafka: KafkaSettings, view: ReadModelView) -> list[dict[str, Any]]:
    admin = KafkaAdminClient(bootstrap_servers=kafka.bootstrap, client_id="kopir-status")
    consumer = KafkaConsumer(bootstrap_servers=kafka.bootstrap, client_id="kopir-status")
    try:
        partitions = consumer.partitions_for_topic(kafka.topic) or set()
        tps = [TopicPartition(kafka.topic, p) for p in sorted(partitions)]
        ends = consumer.end_offsets(tps) if tps else {}
        committed = admin.list_group_offsets({kafka.group_id: None}).get(kafka.group_id, {})
    finally:
        consumer.close()
        admin.close()
    rows = []
    for tp in tps:
        done = committed.get(tp)
        offset = done.offset if done is not None and done.offset >= 0 else 0
        rows.append({"partition": tp.partition, "end_offset": ends.get(tp, 0),
                     "committed_offset": offset, "lag": ends.get(tp, 0) - offset,
                     "applied_up_to": view.max_tracking_id(f"{kafka.topic}#{tp.partition}"[:32])})
    return rows
