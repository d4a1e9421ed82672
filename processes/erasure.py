"""Erasure as a whole: the application records PersonalDataErased and destroys the child's
data keys (on an approved request, or by the retention schedule); the read models are
brought up to it (they drop the child's free text); then no old page of a SQLite file
keeps what was removed.

Each step is told to `progress` by its code (`erasure.step.*`), so a page can show it."""

from __future__ import annotations

from typing import Callable

from domain.access import Actor
from domain.application import SchoolIntegration
from infrastructure.store import scrub
from processes.projection_runner import ProjectionRunner

Progress = Callable[[str], None]
KEYS, READ_MODELS, FILES = "erasure.step.keys", "erasure.step.read_models", "erasure.step.files"


def _quiet(step: str) -> None:
    """No one to tell."""


def _told(progress: Progress | None) -> Progress:
    return _quiet if progress is None else progress


def settle(app: SchoolIntegration, runner: ProjectionRunner | None,
           progress: Progress | None = None) -> None:
    """Bring the read models up to the erasures just recorded (without a runner, in the
    distributed mode, the consumers do) and rewrite the SQLite files they touched."""
    progress = _told(progress)
    if runner is not None:
        progress(READ_MODELS)
        runner.catch_up()  # here, or by the projection driver active elsewhere
        progress(FILES)
        scrub(runner.view.engine)
    else:
        progress(FILES)
    datastore = getattr(app.recorder, "datastore", None)  # an in-memory store has no files
    if datastore is not None:
        scrub(datastore.engine)


def erase_child(app: SchoolIntegration, actor: Actor, code: str, legal_basis: str,
                runner: ProjectionRunner | None, progress: Progress | None = None) -> int:
    """Erase a child's personal data (the set-up's and the retention schedule's path);
    returns how many data keys were destroyed."""
    _told(progress)(KEYS)
    destroyed = app.erase_personal_data(actor, code, legal_basis)
    settle(app, runner, progress)
    return destroyed


def approve_erasure(app: SchoolIntegration, actor: Actor, request_id: str, note: str,
                    runner: ProjectionRunner | None, progress: Progress | None = None) -> int:
    """Approve another person's erasure request and carry it out everywhere this process
    reaches; returns how many data keys were destroyed."""
    _told(progress)(KEYS)
    destroyed = app.approve_erasure(actor, request_id, note)
    settle(app, runner, progress)
    return destroyed
