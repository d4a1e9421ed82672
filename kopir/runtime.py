"""Wiring: the application, the read-model view and the embedded driver from settings."""

from __future__ import annotations

from dataclasses import dataclass

from domain import clock
from domain.application import SchoolIntegration
from kopir.settings import Settings, settings
from projections.engine_runner import EngineRunner
from projections.runner import EmbeddedRunner
from projections.views import ReadModelView


@dataclass
class Runtime:
    app: SchoolIntegration
    view: ReadModelView
    runner: EmbeddedRunner
    engine: EngineRunner | None = None

    def start_embedded(self) -> None:
        """The in-process drivers of the embedded mode: projections and escalation engine."""
        self.runner.process_available()
        self.runner.start()
        if self.engine is None:
            self.engine = EngineRunner(self.app)
        self.engine.start()

    def close(self) -> None:
        self.runner.stop()
        if self.engine is not None:
            self.engine.stop()
        self.app.close()


def build(config: Settings | None = None, clock_: clock.Clock | None = None) -> Runtime:
    config = config or settings()
    app = SchoolIntegration(env=config.app_env(), clock_=clock_)
    view = ReadModelView.from_url(config.read_models_url())
    runner = EmbeddedRunner(app, view, batch_size=config.batch_size,
                            poll_interval=config.poll_interval)
    return Runtime(app=app, view=view, runner=runner)
