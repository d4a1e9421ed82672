"""The ledger's files: an export an auditor verifies offline, the heads written down
outside the store as checkpoints are made, and heads an auditor noted."""

from __future__ import annotations

import base64
import json
from dataclasses import asdict
from pathlib import Path
from typing import Iterable, Iterator, Protocol, Sequence

from infrastructure.errors import LedgerError
from infrastructure.ledger.chain import FORMAT, Checkpoint, Row


class ExportFile:
    """An export an auditor verifies offline (`kopir verify-log --file PATH`): a header
    with the checkpoints, then one line per row, written as the rows come."""

    def __init__(self, path: Path, checkpoints: Sequence[Checkpoint], exported_at: str):
        self.out = open(path, "w", encoding="utf-8")
        self.out.write(json.dumps({"format": FORMAT, "exported_at": exported_at,
                                   "checkpoints": [asdict(c) for c in checkpoints]}) + "\n")
        self.count = 0

    def write(self, row: Row) -> None:
        self.out.write(json.dumps({"id": row.id, "originator_id": row.originator_id,
                                   "version": row.version, "topic": row.topic,
                                   "state": base64.b64encode(row.state).decode()}) + "\n")
        self.count += 1

    def close(self) -> None:
        self.out.close()


class Heads(Protocol):
    """A place outside the store where every checkpoint is written down as it is made."""

    def append(self, checkpoint: Checkpoint) -> None: ...

    def read(self) -> list[Checkpoint]: ...


class KeptHeads:
    """Several places at once (the heads file, and the Kafka topic in the distributed mode):
    each checkpoint goes to all of them; reading gives what any of them kept."""

    def __init__(self, *places: Heads) -> None:
        self.places = places

    def append(self, checkpoint: Checkpoint) -> None:
        for place in self.places:
            place.append(checkpoint)

    def read(self) -> list[Checkpoint]:
        kept: dict[tuple[int, str, str], Checkpoint] = {}
        for place in self.places:
            for c in place.read():
                kept.setdefault((c.position, c.head, c.signature), c)
        return sorted(kept.values(), key=lambda c: c.position)


class HeadsFile:
    """Checkpoints written down outside the store as they are made, one JSON line each, so
    that a store rolled back to an earlier, consistent state is still found out."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, checkpoint: Checkpoint) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as out:
            out.write(json.dumps(asdict(checkpoint)) + "\n")

    def read(self) -> list[Checkpoint]:
        if not self.path.exists():
            return []
        with open(self.path, encoding="utf-8") as lines:
            return [Checkpoint(**json.loads(line)) for line in lines if line.strip()]


def expected_head(text: str) -> Checkpoint:
    """`POSITION:HEAD` as an auditor noted it (`kopir verify-log --expect-head`)."""
    position, _, head = text.partition(":")
    if not position.isdigit() or len(head) != 64:
        raise LedgerError(f"expected a head like 1234:<64 hex digits>, got {text!r}")
    return Checkpoint(int(position), 0, head.lower(), "", "")


def missing_heads(checkpoints: Sequence[Checkpoint], wanted: Iterable[Checkpoint]) -> list[str]:
    """Heads an auditor kept (position and head) that no checkpoint of the log carries."""
    present = {(c.position, c.head) for c in checkpoints}
    return [f"the head {c.head[:16]}… at {c.position} that was expected is not in the log: "
            "the log was rolled back or rewritten"
            for c in wanted if (c.position, c.head) not in present]


def read_export(path: Path) -> tuple[list[Checkpoint], Iterator[Row]]:
    handle = open(path, encoding="utf-8")
    header = json.loads(handle.readline())
    if header.get("format") != FORMAT:
        raise LedgerError(f"{path} is not a Köpir ledger export ({FORMAT})")
    checkpoints = [Checkpoint(**c) for c in header["checkpoints"]]

    def rows() -> Iterator[Row]:
        with handle:
            for line in handle:
                r = json.loads(line)
                yield Row(r["id"], r["originator_id"], r["version"], r["topic"],
                          base64.b64decode(r["state"]))
    return checkpoints, rows()
