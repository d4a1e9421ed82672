"""The ledger's heads on Kafka: in the distributed mode every signed checkpoint is also
published to a topic of its own, one partition, kept for ever, so that a store rolled
back to an earlier state is found out by anyone who can read the broker (the relay's
copy of the event goes to the events topic, which Kafka keeps for a month)."""

from __future__ import annotations

import json
from dataclasses import asdict

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from consumers.topics import ensure_topics, producer
from infrastructure.errors import HeadsUnavailable, LedgerError
from infrastructure.ledger import Checkpoint
from infrastructure.settings import KafkaSettings


class KafkaHeads:
    def __init__(self, settings: KafkaSettings) -> None:
        self.settings = settings
        self.topic = settings.heads_topic
        self.patience = settings.heads_patience_seconds

    def append(self, checkpoint: Checkpoint) -> None:
        """Publish a checkpoint and wait until the broker has it: a checkpoint that did not
        reach the topic is an error (the checkpointer stops and says so)."""
        try:
            ensure_topics(self.settings, patience=self.patience)
            out = producer(self.settings)
            try:
                out.send(self.topic, key=str(checkpoint.position).encode(),
                         value=json.dumps(asdict(checkpoint)).encode()).get(timeout=self.patience)
            finally:
                out.close(timeout=self.patience)
        except (KafkaError, OSError) as error:
            raise LedgerError(f"the checkpoint at {checkpoint.position} could not be "
                              f"published to {self.topic} at {self.settings.bootstrap}: "
                              f"{type(error).__name__}") from error

    def read(self) -> list[Checkpoint]:
        """Every checkpoint on the topic, oldest first."""
        try:
            reader = KafkaConsumer(bootstrap_servers=self.settings.bootstrap,
                                   enable_auto_commit=False, client_id="kopir-ledger-heads",
                                   bootstrap_timeout_ms=int(self.patience * 1000),
                                   request_timeout_ms=int(self.patience * 1000) + 1000,
                                   consumer_timeout_ms=int(self.patience * 1000))
        except (KafkaError, OSError) as error:
            raise HeadsUnavailable(self.unavailable(error)) from error
        try:
            return self._read(reader)
        except (KafkaError, OSError) as error:
            raise HeadsUnavailable(self.unavailable(error)) from error
        finally:
            reader.close()

    def _read(self, reader: KafkaConsumer) -> list[Checkpoint]:
        if self.topic not in reader.topics():
            return []  # nothing was ever signed in this mode
        partition = TopicPartition(self.topic, 0)
        reader.assign([partition])
        reader.seek_to_beginning(partition)
        end = reader.end_offsets([partition])[partition]
        kept: list[Checkpoint] = []
        while reader.position(partition) < end:
            batch = reader.poll(timeout_ms=int(self.patience * 1000))
            if not batch:
                raise KafkaError("no answer while reading")
            for message in batch.get(partition, []):
                try:
                    kept.append(Checkpoint(**json.loads(message.value)))
                except (ValueError, TypeError):
                    continue  # not a checkpoint: nothing Köpir wrote
        return kept

    def unavailable(self, error: BaseException) -> str:
        return (f"the checkpoints kept on {self.topic} at {self.settings.bootstrap} could not "
                f"be read ({type(error).__name__}), so a rollback cannot be ruled out")
