"""The one place that turns settings into a running Köpir: the event store and the
application, the read models and their queries, and the followers of the log.

Every command of the CLI, the UI and the Kafka consumers get their objects here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable
from uuid import UUID, uuid4

from Crypto.PublicKey import ECC

from domain import clock
from domain.access import Actor
from domain.application import SchoolIntegration
from infrastructure import ledger
from infrastructure.settings import Settings, settings
from processes.engine_runner import EngineRunner
from processes.erasure import erase_child
from processes.projection_runner import ProjectionRunner
from projections.queries import (
    AdminQueries,
    AuditQueries,
    OversightQueries,
    StaffQueries,
)
from projections.views import ReadModelView


def application(config: Settings | None = None, clock_: clock.Clock | None = None,
                ids: Callable[[], UUID] = uuid4, **env: str) -> SchoolIntegration:
    """The application on the configured store (`env` adds to its environment)."""
    config = config or settings()
    return SchoolIntegration(env={**config.app_env(), **env}, clock_=clock_, ids=ids)


def signing_key(config: Settings | None = None, create: bool = False) -> ECC.EccKey:
    """The key that signs the log's checkpoints (created on request: the demo does)."""
    config = config or settings()
    return ledger.load_signing_key(config.ledger_key, config.ledger_key_path(), create=create)


@dataclass
class Runtime:
    config: Settings
    app: SchoolIntegration
    view: ReadModelView
    runner: ProjectionRunner
    engine: EngineRunner | None = None

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
    def start_embedded(self) -> None:
        """The in-process followers of the embedded mode: projections and escalation engine."""
        self.runner.process_available()
        self.runner.start()
        if self.engine is None:
            self.engine = engine_runner(self.app)
        self.engine.start()

    def settled(self, timeout: float) -> None:
        """Wait until what was just recorded is in the read models (embedded mode)."""
        if self.config.embedded_projections:
            self.runner.wait(self.app.recorder.max_notification_id(), timeout=timeout)

    # --- services ------------------------------------------------------------------
    def erase(self, actor: Actor, code: str, legal_basis: str) -> int:
        """Erase a child's personal data everywhere this process reaches."""
        runner = self.runner if self.config.embedded_projections else None
        return erase_child(self.app, actor, code, legal_basis, runner)

    def close(self) -> None:
        self.runner.stop()
        if self.engine is not None:
            self.engine.stop()
        self.app.close()


def read_models(config: Settings,
                app: SchoolIntegration) -> tuple[ReadModelView, ProjectionRunner]:
    """The read models, and the runner that keeps them current from `app`'s log."""
    view = ReadModelView.from_url(config.read_models_url())
    return view, ProjectionRunner(app, view, batch_size=config.batch_size,
                                  poll_interval=config.poll_interval)


def engine_runner(app: SchoolIntegration, reraise_new_versions: bool = False) -> EngineRunner:
    """The escalation engine on `app`'s log, with the shipped rules."""
    return EngineRunner(app, reraise_new_versions=reraise_new_versions)


def build(config: Settings | None = None, clock_: clock.Clock | None = None) -> Runtime:
    """Everything a process of the embedded mode needs, from settings."""
    config = config or settings()
    app = application(config, clock_)
    view, runner = read_models(config, app)
    return Runtime(config=config, app=app, view=view, runner=runner)
