"""Refusals of the infrastructure, in the KopirError tree: an operator's sentence each."""

from __future__ import annotations

from domain.errors import KopirError


class KeyDestroyed(KopirError):
    """Raised when a data key no longer exists: the content under it was erased."""

    def __init__(self, key_id: str) -> None:
        super().__init__(f"The data key {key_id} was destroyed: its content is erased.")
        self.key_id = key_id


class LedgerError(KopirError):
    """Raised when the ledger cannot be read, signed or verified as asked."""
