"""Erasure as a whole, on a lawful request: the application records PersonalDataErased and
destroys the child's data keys; the read models are brought up to it (they drop the
child's free text); then no old page of a SQLite file keeps what was removed."""

from __future__ import annotations

from domain.access import Actor
from domain.application import SchoolIntegration
from infrastructure.store import scrub
from processes.projection_runner import ProjectionRunner


def erase_child(app: SchoolIntegration, actor: Actor, code: str, legal_basis: str,
                runner: ProjectionRunner | None) -> int:
    """Erase a child's personal data; returns how many data keys were destroyed. Without a
    runner (the distributed mode) the consumers apply the erasure to the read models."""
    destroyed = app.erase_personal_data(actor, code, legal_basis)
    if runner is not None:
        runner.catch_up()  # here, or by the projection driver active elsewhere
        scrub(runner.view.engine)
    datastore = getattr(app.recorder, "datastore", None)  # an in-memory store has no files
    if datastore is not None:
        scrub(datastore.engine)
    return destroyed
