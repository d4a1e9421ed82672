"""Commands for the master key: re-wrap every data key under a new one (online and
resumable), and list the rotations made."""

from __future__ import annotations

import argparse
import base64
import getpass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine

from domain.errors import KopirError
from infrastructure import key_rotation
from infrastructure.keyring import new_key_file
from infrastructure.settings import settings
from kopir.cli.parser import positive, subcommands
from kopir.cli.progress import ProgressBar


def register(sub: Any) -> None:
    keys = sub.add_parser("keys", help="the master key that wraps the children's data keys")
    keys_sub = subcommands(keys, "keys_command")
    parser = keys_sub.add_parser("rotate", help="re-wrap every data key under a new master key "
                                                "(online; run again to finish an interrupted "
                                                "rotation)")
    parser.add_argument("--new-key-file", dest="new_key_file", type=Path, required=True,
                        help="the new master key (base64); made there when it does not exist")
    parser.add_argument("--as", dest="user", default=None,
                        help="who rotates (recorded; default: the operating-system user)")
    parser.add_argument("--batch", type=positive, default=key_rotation.BATCH,
                        help="data keys re-wrapped per transaction")
    parser.set_defaults(run=rotate)
    keys_sub.add_parser("rotations", help="the master key rotations made, the latest first"
                        ).set_defaults(run=rotations)


def _key(text: str, where: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except ValueError:
        raise KopirError(f"{where} does not hold a base64 key.") from None
    if len(key) not in (16, 24, 32):
        raise KopirError(f"{where} does not hold a key of 16, 24 or 32 bytes.")
    return key


def rotate(args: argparse.Namespace) -> int:
    config = settings()
    if config.in_memory:
        raise KopirError("An in-memory store has no data keys to rotate.")
    current = config.master_key()
    if not current:
        raise KopirError("This store has no master key configured (KOPIR_CIPHER_KEY or "
                         "KOPIR_CIPHER_KEY_FILE): there is nothing to rotate.")
    path: Path = args.new_key_file
    if not path.exists():
        new_key_file(path)
        print(f"made a new master key in {path}")
    new = _key(path.read_text(), str(path))
    previous = [_key(current, "the configured master key")] + \
        [_key(text, "a previous master key") for text in config.previous_master_keys()]
    engine = create_engine(config.events_url())
    try:
        done = key_rotation.rotate(engine, new, previous, args.user or getpass.getuser(),
                                   batch=max(1, args.batch),
                                   progress=ProgressBar("re-wrapping", unit="keys"))
    finally:
        engine.dispose()
    print(f"re-wrapped {done.rewrapped} of {done.total} data keys under master key "
          f"{done.to_key} ({done.skipped} already were)")
    if not done.complete:
        raise KopirError(f"{done.remaining} data keys were wrapped meanwhile under another "
                         "master key: give every process the new key, then run this again.")
    print(f"now configure KOPIR_CIPHER_KEY_FILE={path} in every process (in place of "
          f"{config.master_key_file() if not config.cipher_key else 'KOPIR_CIPHER_KEY'}), "
          "then destroy the previous master key")
    return 0


def rotations(args: argparse.Namespace) -> int:
    config = settings()
    if config.in_memory:
        raise KopirError("An in-memory store has no data keys to rotate.")
    engine = create_engine(config.events_url())
    try:
        rows = key_rotation.history(engine)
    finally:
        engine.dispose()
    if not rows:
        print("no master key rotation recorded")
    for row in rows:
        state = "finished" if row["finished_at"] else "interrupted or running"
        print(f"{row['started_at']} by {row['by_whom']}: to key {row['to_key']}, "
              f"{row['rewrapped']} re-wrapped, {row['skipped']} skipped, {state}")
    return 0
