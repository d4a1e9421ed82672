"""The parts of one running Köpir process: the application, the read models and their
queries by audience, and the followers of the log that run beside them.

`kopir.bootstrap` builds it from settings; the CLI, the UI and the consumers use it.
"""

from __future__ import annotations

from dataclasses import dataclass

from Crypto.PublicKey import ECC

from domain.access import Actor
from domain.application import SchoolIntegration
from infrastructure import ledger
from infrastructure.locks import FollowerLock, follower_lock
from infrastructure.settings import Settings
from processes.checkpointer import Checkpointer
from processes.engine_runner import ENGINE, EngineRunner
from processes.erasure import Progress, approve_erasure, erase_child
from processes.notifier import NOTIFIER, Notifier
from processes.projection_runner import ProjectionRunner
from processes.retention import RETENTION, Retention, RetentionPolicy
from projections.queries import AdminQueries, AuditQueries, OversightQueries, StaffQueries
from projections.views import ReadModelView


@dataclass
class Runtime:
    config: Settings
    app: SchoolIntegration
    view: ReadModelView
    runner: ProjectionRunner
    engine: EngineRunner | None = None
    signing_key: ECC.EccKey | None = None  # signs checkpoints when the key is at hand
    trusted_keys: tuple[str, ...] = ()  # the public keys whose checkpoints verify
    checkpointer: Checkpointer | None = None
    notifier: Notifier | None = None
    kept_heads: ledger.Heads | None = None  # where checkpoints go besides the store
    retention: Retention | None = None

    # --- queries, by audience ------------------------------------------------------
    def staff(self) -> StaffQueries:
        return StaffQueries(self.app, self.view)

    def oversight(self) -> OversightQueries:
        return OversightQueries(self.app, self.view)

    def audit(self) -> AuditQueries:
        return AuditQueries(self.app, self.view)

    def admin(self) -> AdminQueries:
        return AdminQueries(self.app, self.view)

    # --- followers -----------------------------------------------------------------
    def lock(self, name: str, url: str | None = None) -> FollowerLock:
        """The lock of follower `name` writing to the store (or the database at `url`)."""
        return follower_lock(name, url or self.config.events_url(),
                             read_only=self.config.store_read_only())

    def start_embedded(self) -> None:
        """The in-process followers of the embedded mode: projections, escalation engine,
        checkpointer, notifier and the retention schedule (daily by default, on a store that
        can erase); each active here or standing by for an instance active elsewhere."""
        self.runner.catch_up(timeout=5.0)
        self.runner.start()
        if self.engine is None:
            self.engine = EngineRunner(self.app, lock=self.lock(ENGINE))
        self.engine.start()
        if self.signing_key is not None and self.checkpointer is None:
            self.checkpointer = Checkpointer(
                self.app, self.signing_key, every=self.config.checkpoint_every,
                minutes=self.config.checkpoint_minutes, heads=self.heads(),
                lock=self.lock(Checkpointer.name))
            self.checkpointer.start()
        if self.notifier is None:
            self.notifier = self.make_notifier()
            self.notifier.start()
        if self.retention is None and getattr(self.app.mapper, "encrypts", False) \
                and not self.config.store_read_only():  # a store that can erase
            self.retention = self.make_retention(every=self.config.retention_every_seconds)
            self.retention.start()

    def make_retention(self, every: float | None = None) -> Retention:
        """The retention schedule on this store (one active at a time), erasing every
        `every` seconds once caught up (never by itself without)."""
        runner = self.runner if self.config.embedded_projections else None
        return Retention(self.app, RetentionPolicy(self.config.retention_years), every=every,
                         runner=runner, lock=self.lock(RETENTION))

    def make_notifier(self) -> Notifier:
        """The notifier on this store: one active at a time, writing beside the read models."""
        return Notifier(self.app, self.view, self.config.mail,
                        lock=self.lock(NOTIFIER, self.config.read_models_url()))

    def heads(self) -> ledger.Heads:
        """Where checkpoints are written down outside the store: the heads file, and
        whatever else bootstrap gave (the Kafka topic in the distributed mode)."""
        return self.kept_heads or ledger.HeadsFile(self.config.ledger_heads_path())

    def settled(self, timeout: float) -> None:
        """Wait until what was just recorded is in the read models (embedded mode)."""
        if self.config.embedded_projections:
            self.runner.wait(self.app.recorder.max_notification_id(), timeout=timeout)

    # --- services ------------------------------------------------------------------
    def erase(self, actor: Actor, code: str, legal_basis: str) -> int:
        """Erase a child's personal data everywhere this process reaches."""
        runner = self.runner if self.config.embedded_projections else None
        return erase_child(self.app, actor, code, legal_basis, runner)

    def approve_erasure(self, actor: Actor, request_id: str, note: str,
                        progress: Progress | None = None) -> int:
        """Approve an erasure request and carry it out everywhere this process reaches."""
        runner = self.runner if self.config.embedded_projections else None
        return approve_erasure(self.app, actor, request_id, note, runner, progress)

    def close(self) -> None:
        for follower in (self.retention, self.runner, self.engine, self.checkpointer,
                         self.notifier):
            if follower is not None:
                follower.close()
        self.app.close()
