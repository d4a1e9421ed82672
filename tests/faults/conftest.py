"""The fault suite: reduced size by default (CI); KOPIR_FAULTS=full for the full size."""

from __future__ import annotations

import os

FULL = os.environ.get("KOPIR_FAULTS", "").lower() == "full"


def scale(reduced: int, full: int) -> int:
    return full if FULL else reduced
