"""The lock of a follower beside a SQLite store: OS file locks (`flock`), which the kernel
frees the moment their process dies, `kill -9` included (`infrastructure.locks`)."""

from __future__ import annotations

import errno
import fcntl
import os
from pathlib import Path

from infrastructure.locks import FollowerLock


class FileLock(FollowerLock):
    """`flock` on files beside the SQLite store: `<store>.<name>.lock` and `….pause`."""

    def __init__(self, name: str, store: Path) -> None:
        super().__init__(name)
        self.path = Path(f"{store}.{name}.lock")
        self.pause_path = Path(f"{store}.{name}.pause")
        self._fd: int | None = None
        self._pause_fd: int | None = None

    @staticmethod
    def _try(path: Path, mode: int = fcntl.LOCK_EX) -> int | None:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
        except OSError as error:
            os.close(fd)
            if error.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                return None
            raise
        return fd

    def _paused(self) -> bool:
        """True when another asked for a pause (holds its file exclusively). The probe is
        a shared lock, so probes never take each other for a pause."""
        if self._pause_fd is not None:
            return False
        fd = self._try(self.pause_path, fcntl.LOCK_SH)
        if fd is None:
            return True
        os.close(fd)  # closing releases it
        return False

    def try_acquire(self) -> bool:
        if self._fd is not None:
            return True
        if self._paused():
            return False
        self._fd = self._try(self.path)
        return self._fd is not None

    def held(self) -> bool:
        if self._fd is None:
            return False
        try:  # the file is still the one locked (nobody deleted or replaced it)
            same = os.fstat(self._fd).st_ino == os.stat(self.path).st_ino
        except FileNotFoundError:
            same = False
        return same and not self._paused()

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)

    def _hold_pause(self) -> bool:
        if self._pause_fd is None:
            self._pause_fd = self._try(self.pause_path)
        return self._pause_fd is not None

    def _release_pause(self) -> None:
        if self._pause_fd is not None:
            fd, self._pause_fd = self._pause_fd, None
            os.close(fd)
