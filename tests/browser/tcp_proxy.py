"""A local TCP proxy between Chromium and the live server, that a test can cut and restore.

Playwright's offline mode does not reach service workers; a real connection that stops answering
does. The proxy also counts what it relays, for the page-weight budgets.
"""

import asyncio
import re
import threading
from collections.abc import Coroutine
from typing import Any, Literal

from tests.sockets import bound_socket, port_of

REQUEST_LINE = re.compile(rb"^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) (\S+) HTTP/1\.[01]$")
Mode = Literal["open", "drop_answers", "bad_gateway"]
BAD_GATEWAY_PAGE = b"<h1>502 Bad Gateway</h1>"
BAD_GATEWAY = (
    b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nConnection: close\r\n"
    + b"Content-Length: %d\r\n\r\n%s" % (len(BAD_GATEWAY_PAGE), BAD_GATEWAY_PAGE)
)


class TcpProxy:
    """Relays 127.0.0.1:<port> (a port of its own) to the target port, in an event loop's thread.

    `cut()` is a server gone: connections reset, new ones refused. `drop_answers()` is a connection
    lost mid-request: requests reach the server, which answers, but the answer is dropped and the
    browser's connection closed instead. `bad_gateway()` is a reverse proxy whose app is down: it
    answers every request with a 502 of its own.
    """

    def __init__(self, target_port: int) -> None:
        # Held from here to stop(): bound, and listening only while the proxy is open.
        self._socket = bound_socket()
        self.port = port_of(self._socket)
        self.target_port = target_port
        self.mode: Mode = "open"
        self.bytes_to_browser = 0
        self.requests: list[str] = []  # "GET /path", as they reached the proxy
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()
        self.restore()

    def stop(self) -> None:
        self.cut()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()
        self._socket.close()

    def cut(self) -> None:
        """Refuse new connections and reset the open ones."""
        self._run(self._cut())

    def restore(self) -> None:
        """Accept and relay connections again, answers included."""
        self.mode = "open"
        self._run(self._listen())

    def drop_answers(self) -> None:
        """Keep relaying requests, but close the browser's connection when the answer comes."""
        self.mode = "drop_answers"

    def bad_gateway(self) -> None:
        """Answer every request with a 502, as a reverse proxy does when the app is down."""
        self.mode = "bad_gateway"
        self._run(self._reset_connections())

    def reset_counts(self) -> None:
        self._run(self._reset_counts())

    def _run(self, work: Coroutine[Any, Any, None]) -> None:
        asyncio.run_coroutine_threadsafe(work, self._loop).result(timeout=10)

    async def _reset_counts(self) -> None:
        self.bytes_to_browser = 0
        self.requests = []

    async def _listen(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(self._relay, sock=self._socket)

    async def _cut(self) -> None:
        if self._server is not None:
            self._server.close()  # closes the listening socket: new connections are refused
            self._server = None
            # The port stays the proxy's, bound without listening, until restore() listens again.
            self._socket = bound_socket(self.port)
        await self._reset_connections()

    async def _reset_connections(self) -> None:
        for writer in list(self._connections):
            writer.transport.abort()
        self._connections.clear()

    async def _relay(self, browser_in: asyncio.StreamReader, browser: asyncio.StreamWriter) -> None:
        if self.mode == "bad_gateway":
            if request := await browser_in.read(65536):
                self._note_requests(request)
                browser.write(BAD_GATEWAY)
                await browser.drain()
            browser.close()
            return
        try:
            server_in, server = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            browser.transport.abort()
            return
        self._connections.update((browser, server))
        await asyncio.gather(
            self._pump(browser_in, server, to_browser=False),
            self._pump(server_in, browser, to_browser=True),
        )
        for writer in (browser, server):
            self._connections.discard(writer)
            writer.transport.abort()

    async def _pump(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, to_browser: bool
    ) -> None:
        head = b""
        try:
            while data := await reader.read(65536):
                if to_browser and self.mode == "drop_answers":
                    writer.transport.abort()
                    return
                if to_browser:
                    self.bytes_to_browser += len(data)
                else:
                    head = self._note_requests(head + data)
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            writer.transport.abort()
            return
        writer.close()  # the other side closed its end: so does this one

    def _note_requests(self, data: bytes) -> bytes:
        """Record each request line seen; return an unfinished request head to read on with.

        Enough for a browser's GETs and urlencoded POSTs (no CRLF in their bodies).
        """
        *lines, rest = data.split(b"\r\n")
        for line in lines:
            if found := REQUEST_LINE.match(line):
                self.requests.append(f"{found[1].decode()} {found[2].decode()}")
        headers_done = b"" in lines
        return b"" if headers_done else rest[-8192:]
