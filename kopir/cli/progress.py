"""A small progress bar on stderr for long work (seeding, rebuild)."""

from __future__ import annotations

import sys
import time


class ProgressBar:
    def __init__(self, label: str, stream=None, width: int = 30,  # type: ignore[no-untyped-def]
                 unit: str = "") -> None:
        self.label = label
        self.unit = f" {unit}" if unit else ""
        self.stream = stream or sys.stderr
        self.width = width
        self.started = time.perf_counter()
        self._last_draw = 0.0
        self._tty = hasattr(self.stream, "isatty") and self.stream.isatty()

    def __call__(self, done: int, total: int) -> None:
        now = time.perf_counter()
        if done < total and now - self._last_draw < (0.1 if self._tty else 2.0):
            return
        self._last_draw = now
        fraction = min(1.0, done / total) if total else 1.0
        filled = int(self.width * fraction)
        rate = done / (now - self.started) if now > self.started else 0.0
        line = (f"{self.label} [{'#' * filled}{'.' * (self.width - filled)}] "
                f"{fraction:6.1%} {done}/{total}{self.unit} ({rate:,.0f}{self.unit}/s)")
        if self._tty:
            self.stream.write("\r" + line + ("\n" if done >= total else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
