"""Ports for the tests' own servers, held from the moment they are chosen.

Asking for a free port, closing it and passing its number on races every other process that binds
meanwhile (two test workers, or the other engineers' runs on the same machine). Here a port is a
socket bound to it: a server is handed the socket itself (or binds port 0 and says which port it
got), and a port where nothing may listen stays bound, without listening, for as long as it is used.
"""

import select
import socket
from collections.abc import Iterator
from contextlib import contextmanager

HOST = "127.0.0.1"


def bound_socket(port: int = 0) -> socket.socket:
    """A TCP socket bound on 127.0.0.1 (to a free port by default), not yet listening; ours
    until closed."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, port))
    return sock


def port_of(sock: socket.socket) -> int:
    return int(sock.getsockname()[1])


@contextmanager
def refused_port() -> Iterator[int]:
    """A port where nothing listens (a connection is refused), kept so while the block runs."""
    with bound_socket() as sock:
        yield port_of(sock)


class Listener:
    """A port on 127.0.0.1 that listens and never answers: the server's own network, where
    nothing may be sent. A connection completes in the kernel's queue, accepted or not, so
    `reached()` sees one at once, without waiting."""

    def __init__(self) -> None:
        self.socket = bound_socket()
        self.socket.listen(16)
        self.port = port_of(self.socket)

    def reached(self) -> bool:
        """Whether anything connected since the listener started."""
        waiting, _, _ = select.select([self.socket], [], [], 0)
        return bool(waiting)

    def close(self) -> None:
        self.socket.close()
