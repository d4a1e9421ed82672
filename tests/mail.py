"""A real SMTP server on 127.0.0.1 (aiosmtpd) for the tests of the notifier, and what it
received."""

from __future__ import annotations

import socket
from contextlib import contextmanager
from email import message_from_bytes, policy
from typing import Any, Iterator


class Mailbox:
    """What the server received: (recipients, message), in order."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Any]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append((list(envelope.rcpt_tos),
                              message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"

    def to(self, address: str) -> list[Any]:
        """The messages to a recipient (or to every address that contains `address`)."""
        return [m for rcpt, m in self.messages if any(address in r for r in rcpt)]


@contextmanager
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:  # a free port (the controller checks it by connecting)
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()
