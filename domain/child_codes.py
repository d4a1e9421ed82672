"""Pseudonymous child codes in the real format: "KZ-" and five characters from an alphabet
without look-alikes (no I, O, 0 or 1), e.g. KZ-7HQ4M. The code names the child in every
record; it says nothing about the child."""

from __future__ import annotations

import random
import re
from typing import Callable

PREFIX = "KZ-"
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
LENGTH = 5
EXAMPLE = "KZ-7HQ4M"
REAL_FORMAT = re.compile(rf"^{PREFIX}[{CODE_ALPHABET}]{{{LENGTH}}}$")
TRIES = 64


def random_code(rng: random.Random | random.SystemRandom) -> str:
    return PREFIX + "".join(rng.choice(CODE_ALPHABET) for _ in range(LENGTH))


def new_code(taken: Callable[[str], bool],
             rng: random.Random | random.SystemRandom | None = None) -> str:
    """A code in the real format that `taken` says no child has yet."""
    rng = rng or random.SystemRandom()
    for _ in range(TRIES):
        code = random_code(rng)
        if not taken(code):
            return code
    raise RuntimeError("no free child code found: the code space is nearly full")
