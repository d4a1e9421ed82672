"""Tamper evidence: a hash chain over the stored events with signed, linked checkpoints
(`chain`), its verification (`verification`), and its files (`files`). A live store's
rows are read by the audit scan (`processes.audit`); an export is checked offline with
nothing but this package."""

from infrastructure.ledger.chain import (
    FIRST,
    FORMAT,
    GENESIS,
    Chain,
    Checkpoint,
    Row,
    checkpoint_message,
    follows,
    key_id,
    link,
    load_signing_key,
    public_key_hex,
    rows_of,
    sign,
)
from infrastructure.ledger.files import (
    ExportFile,
    Heads,
    HeadsFile,
    KeptHeads,
    expected_head,
    missing_heads,
    read_export,
)
from infrastructure.ledger.verification import (
    Verdict,
    Verifier,
    broken_links,
    rolled_back,
    verify,
)

__all__ = ["FIRST", "FORMAT", "GENESIS", "Chain", "Checkpoint", "ExportFile", "Heads",
           "HeadsFile", "KeptHeads", "Row", "Verdict", "Verifier", "broken_links",
           "checkpoint_message", "expected_head", "follows", "key_id", "link",
           "load_signing_key", "missing_heads", "public_key_hex", "read_export",
           "rolled_back", "rows_of", "sign", "verify"]
