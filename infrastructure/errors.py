"""Refusals of the infrastructure, in the KopirError tree: an operator's sentence each."""

from __future__ import annotations

from eventsourcing.persistence import MapperDeserialisationError

from domain.errors import KopirError


class KeyDestroyed(KopirError):
    """Raised when a data key no longer exists: the content under it was erased."""

    def __init__(self, key_id: str) -> None:
        super().__init__(f"The data key {key_id} was destroyed: its content is erased.")
        self.key_id = key_id


class LedgerError(KopirError):
    """Raised when the ledger cannot be read, signed or verified as asked."""


class HeadsUnavailable(LedgerError):
    """Raised when the heads kept outside the store cannot be read (a broker that is down):
    a rollback could not be ruled out."""


class UnreadableRow(KopirError, MapperDeserialisationError):
    """Raised when a stored event cannot be read as Köpir wrote it: not encrypted although
    a master key is configured, or altered, or moved to another row. People are told the
    record cannot be read; the sentence names the event for the operator."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, code="record_unreadable")


class WrongMasterKey(KopirError):
    """Raised when the master key configured does not open the store's data keys."""

    def __init__(self) -> None:
        super().__init__("The master key configured does not open this store's data keys: "
                         "it is not the key the store was written with.")
