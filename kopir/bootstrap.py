"""The one place that turns settings into a running Köpir: the event store and the
application, the read models and their queries, the followers of the log, and the
consumers of the distributed mode.

Every command of the CLI gets its objects here; the UI (`kopir/web.py`) and the Kafka
consumer group (`kopir consume`) are handed theirs from here: they import nothing above
themselves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable
from uuid import UUID, uuid4

from Crypto.PublicKey import ECC

from consumers.parking import ReadModelConsumer
from domain import clock
from domain.application import SchoolIntegration
from infrastructure import ledger
from infrastructure.locks import follower_lock
from infrastructure.settings import KafkaSettings, Settings, settings
from processes.checkpointer import Checkpointer
from processes.engine_partitions import PartitionedEngine
from processes.engine_runner import ENGINE, EngineRunner
from processes.projection_runner import ProjectionRunner
from processes.runtime import Runtime
from projections.views import ReadModelView

if TYPE_CHECKING:
    from consumers.relay import Relay


def application(config: Settings | None = None, clock_: clock.Clock | None = None,
                ids: Callable[[], UUID] = uuid4, **env: str) -> SchoolIntegration:
    """The application on the configured store (`env` adds to its environment)."""
    config = config or settings()
    return SchoolIntegration(env={**config.app_env(), **env}, clock_=clock_, ids=ids)


def signing_key(config: Settings | None = None, create: bool = False) -> ECC.EccKey:
    """The key that signs the log's checkpoints (created on request: the demo does)."""
    config = config or settings()
    return ledger.load_signing_key(config.ledger_key, config.ledger_key_path(), create=create)


def signing_key_if_any(config: Settings) -> ECC.EccKey | None:
    """The signing key when it is configured or its file exists; None otherwise."""
    if not config.ledger_key and not config.ledger_key_path().exists():
        return None
    return signing_key(config)


def trusted_keys(config: Settings, key: ECC.EccKey | None) -> tuple[str, ...]:
    """The public keys whose checkpoints verify: those configured, and the signing key's."""
    return config.trusted_ledger_keys() + ((ledger.public_key_hex(key),) if key else ())


def read_models(config: Settings,
                app: SchoolIntegration) -> tuple[ReadModelView, ProjectionRunner]:
    """The read models, and the runner that keeps them current from `app`'s log."""
    view = ReadModelView.from_url(config.read_models_url())
    lock = follower_lock(ProjectionRunner.name, config.read_models_url(),
                         read_only=config.store_read_only())
    return view, ProjectionRunner(app, view, batch_size=config.batch_size,
                                  poll_interval=config.poll_interval, lock=lock)


def engine_runner(app: SchoolIntegration, reraise_new_versions: bool = False,
                  config: Settings | None = None) -> EngineRunner:
    """The escalation engine on `app`'s log, with the shipped rules; one active at a time."""
    config = config or settings()
    return EngineRunner(app, reraise_new_versions=reraise_new_versions,
                        lock=follower_lock(ENGINE, config.events_url()))


def partitioned_engine(partition_of: Callable[[bytes], int]) -> PartitionedEngine:
    """The escalation engine's share of one process in the engine's consumer group."""
    return PartitionedEngine(application(), partition_of)


def relay(app: SchoolIntegration, config: Settings | None = None) -> "Relay":
    """The relay of the distributed mode; one active at a time."""
    from consumers.relay import Relay, relay_name  # Kafka's clients load only here

    config = config or settings()
    return Relay(app, config.kafka,
                 lock=follower_lock(relay_name(config.kafka), config.events_url()))


def heads(config: Settings) -> ledger.Heads:
    """Where checkpoints are written down outside the store: the heads file; in the
    distributed mode also the ledger's heads topic on Kafka."""
    written = ledger.HeadsFile(config.ledger_heads_path())
    if config.embedded_projections:
        return written
    from consumers.heads import KafkaHeads  # Kafka's clients load only here

    return ledger.KeptHeads(written, KafkaHeads(config.kafka))


def checkpointer(rt: Runtime) -> Checkpointer:
    """The checkpointer as a process of its own (the distributed mode); one active at a
    time, signing with the configured key."""
    config = rt.config
    return Checkpointer(rt.app, signing_key(config), every=config.checkpoint_every,
                        minutes=config.checkpoint_minutes, heads=rt.heads(),
                        lock=follower_lock(Checkpointer.name, config.events_url()))


def build(config: Settings | None = None, clock_: clock.Clock | None = None) -> Runtime:
    """Everything a process needs, from settings."""
    config = config or settings()
    app = application(config, clock_)
    view, runner = read_models(config, app)
    key = signing_key_if_any(config)
    return Runtime(config=config, app=app, view=view, runner=runner, signing_key=key,
                   trusted_keys=trusted_keys(config, key), kept_heads=heads(config))


def read_model_consumer(kafka: KafkaSettings | None = None) -> ReadModelConsumer:
    """What one process of the consumer group applies Kafka's batches with."""
    from consumers.topics import producer  # Kafka's clients load for the Kafka commands only

    kafka = kafka or settings().kafka
    rt = build()
    return ReadModelConsumer(rt.app.mapper, rt.view, producer(kafka), kafka.dlq_topic)
