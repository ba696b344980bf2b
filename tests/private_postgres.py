"""A PostgreSQL server of a test's own: its own cluster in a temporary folder, on its own port,
that the test may stop and start (the shared server on 5432 is never touched)."""

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.sockets import bound_socket, port_of

BIN = Path("/usr/lib/postgresql")


def server_tools() -> Path | None:
    """The newest installed PostgreSQL's bin folder (Debian's layout), or None."""
    found = sorted(BIN.glob("*/bin/initdb"), key=lambda path: int(path.parts[-3]))
    return found[-1].parent if found else None


@dataclass
class PrivateServer:
    folder: Path
    port: int
    tools: Path
    user: list[str]

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        subprocess.run(
            [*self.user, str(self.tools / "pg_ctl"), "-D", str(self.folder / "data"), *args],
            check=True,
            capture_output=True,
            timeout=60,
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._ctl("-o", options, "-l", str(self.folder / "server.log"), "-w", "start")

    def stop(self) -> None:
        self._ctl("-m", "fast", "-w", "stop")


@contextmanager
def private_postgres() -> Iterator[PrivateServer]:
    """A new cluster (trust authentication, user postgres), started; stopped and removed after.
    Skips with the reason where PostgreSQL's server programs are not installed (a failure in CI)."""
    tools = server_tools()
    if tools is None:
        pytest.skip(
            "PostgreSQL's server programs are not installed (Debian: apt-get install postgresql)"
        )
    # initdb and the server refuse to run as root: as root, they run as the postgres user.
    user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    folder = Path(tempfile.mkdtemp(prefix="tellus-postgres-"))
    if user:
        shutil.chown(folder, "postgres", "postgres")
    # PostgreSQL binds its port itself: the free port is chosen, released, then taken at once.
    with bound_socket() as sock:
        port = port_of(sock)
    server = PrivateServer(folder=folder, port=port, tools=tools, user=user)
    try:
        subprocess.run(
            [*user, str(tools / "initdb"), "-D", str(folder / "data"), "-U", "postgres"]
            + ["--auth=trust", "--no-sync", "-E", "UTF8"],
            check=True,
            capture_output=True,
            timeout=120,
        )
        server.start()
        yield server
    finally:
        try:
            server.stop()
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(folder, ignore_errors=True)
