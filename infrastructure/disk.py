"""Telling a full disk from other failures, so a process can say so in one sentence."""

from __future__ import annotations


def is_disk_full(error: BaseException) -> bool:
    """SQLite's 'database or disk is full' or a refused write (a file size limit),
    PostgreSQL's 'No space left on device', anywhere in the error's causes."""
    causes: list[BaseException] = []
    pending: list[BaseException | None] = [error]
    while pending and len(causes) < 20:
        e = pending.pop()
        if e is not None and e not in causes:
            causes.append(e)
            pending += [e.__cause__, e.__context__, getattr(e, "orig", None)]
    names = {getattr(e, "sqlite_errorname", "") for e in causes}
    if names & {"SQLITE_FULL", "SQLITE_IOERR_WRITE"}:
        return True
    text = " ".join(str(e).lower() for e in causes)
    return any(s in text for s in ("disk is full", "file too large", "no space left"))
