"""A real SMTP server for tests (aiosmtpd on a port of its own) that keeps what it receives."""

import asyncio
import email
import socket
import threading
import time
from collections.abc import Awaitable
from email.message import EmailMessage
from email.policy import default as default_policy

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.sockets import bound_socket, port_of


class Inbox:
    """The aiosmtpd handler: every message accepted, parsed and kept in order."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[Envelope] = []
        self.refuse_next = 0
        self._arrived = threading.Condition()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        if self.refuse_next:
            self.refuse_next -= 1
            return "451 Try again later"
        content = envelope.content
        raw = content if isinstance(content, bytes) else str(content).encode()
        message = email.message_from_bytes(raw, policy=default_policy)
        with self._arrived:
            self.envelopes.append(envelope)
            self.messages.append(message)  # type: ignore[arg-type]
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        """Block until at least `count` messages arrived; fail clearly if they don't."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                assert left > 0, f"expected {count} emails, got {len(self.messages)}"
                self._arrived.wait(left)
            return list(self.messages)


class BoundController(Controller):
    """aiosmtpd's threaded controller, serving on a socket bound before it starts."""

    def __init__(self, handler: Inbox, sock: socket.socket) -> None:
        super().__init__(handler, hostname="127.0.0.1", port=port_of(sock))
        self.socket = sock

    def _create_server(self) -> Awaitable[asyncio.AbstractServer]:
        # aiosmtpd's own binds host:port; the socket given keeps the port taken from the start.
        return self.loop.create_server(self._factory_invoker, sock=self.socket)


class SmtpServer:
    def __init__(self) -> None:
        self.inbox = Inbox()
        sock = bound_socket()
        self.port = port_of(sock)
        self.controller = BoundController(self.inbox, sock)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def messages(self) -> list[EmailMessage]:
        return self.inbox.messages

    def start(self) -> "SmtpServer":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
