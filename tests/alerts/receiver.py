"""A real HTTP receiver for webhook tests: a threaded http.server on a free port."""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    status: int
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Keeps every request; answers `status` (or the next of `statuses`) after `delay` seconds.
    While `stalls`, it reads each request and never answers (until stopped): a server that hangs,
    kept apart in `stalled`."""

    status: int = 200
    statuses: list[int] = field(default_factory=list)
    delay: float = 0.0
    stalls: bool = False
    requests: list[Received] = field(default_factory=list)
    stalled: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    _arrived: threading.Condition = field(default_factory=threading.Condition)
    _stopped: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def start(self) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if receiver.stalls:
                    with receiver._arrived:
                        receiver.stalled.append(Received(0, self.path, dict(self.headers), body))
                        receiver._arrived.notify_all()
                    receiver._stopped.wait()
                    self.close_connection = True
                    return
                with receiver._arrived:
                    status = receiver.statuses.pop(0) if receiver.statuses else receiver.status
                    # Kept on arrival: a sender killed while we are slow to answer still sent it.
                    receiver.requests.append(Received(status, self.path, dict(self.headers), body))
                    receiver._arrived.notify_all()
                if receiver.delay:
                    time.sleep(receiver.delay)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    @property
    def accepted(self) -> list[Received]:
        return [request for request in self.requests if 200 <= request.status < 300]

    def wait_for_stalled(self, count: int, timeout: float = 10.0) -> list[Received]:
        """Block until `count` requests are hanging here (or hung); those requests."""
        with self._arrived:
            assert self._arrived.wait_for(lambda: len(self.stalled) >= count, timeout), (
                f"expected {count} stalled requests, got {len(self.stalled)}"
            )
            return list(self.stalled)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """Block until `count` requests were accepted (answered 2xx); those requests."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.accepted) < count:
                left = deadline - time.monotonic()
                assert left > 0, f"expected {count} requests, got {len(self.accepted)}"
                self._arrived.wait(left)
            return self.accepted
