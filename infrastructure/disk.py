"""Telling a full disk from other failures, so a process can say so in one sentence; and
the chain of causes behind an error, where such words are found."""

from __future__ import annotations


def causes(error: BaseException) -> list[BaseException]:
    """The error and everything behind it (causes, contexts, a driver's original error)."""
    found: list[BaseException] = []
    pending: list[BaseException | None] = [error]
    while pending and len(found) < 20:
        e = pending.pop()
        if e is not None and e not in found:
            found.append(e)
            pending += [e.__cause__, e.__context__, getattr(e, "orig", None)]
    return found


def is_disk_full(error: BaseException) -> bool:
    """SQLite's 'database or disk is full' or a refused write (a file size limit),
    PostgreSQL's 'No space left on device', anywhere in the error's causes."""
    behind = causes(error)
    names = {getattr(e, "sqlite_errorname", "") for e in behind}
    if names & {"SQLITE_FULL", "SQLITE_IOERR_WRITE"}:
        return True
    text = " ".join(str(e).lower() for e in behind)
    return any(s in text for s in ("disk is full", "file too large", "no space left"))
