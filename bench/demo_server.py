"""`tellus serve` on the demo organisation, for the benchmarks: a fresh SQLite file by default."""

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

BIN = Path(sys.executable).parent
# The checkout this script is in, imported before any installed copy of the app.
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class DemoServer:
    url: str  # where the server itself listens
    token: str  # the demo counter's card token
    database_url: str
    pid: int  # the server's process (with one worker, the worker itself)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def autovacuum_on(database_url: str) -> Iterator[None]:
    """PostgreSQL's autovacuum on while a benchmark runs, as on a production server. A test
    machine may run with it off; then nothing analyses a table that grows from a few rows to
    thousands, and each connection keeps the plans it prepared for the table when it was small:
    a look for a group's keys reads the whole card table instead of its unique index, a little
    longer each second. Put back as it was afterwards."""
    if not database_url.startswith("postgresql"):
        yield
        return
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        was_on = connection.execute(text("SHOW autovacuum")).scalar() == "on"
        if not was_on:
            print("PostgreSQL's autovacuum is off: on for this run, as in production.")
            connection.execute(text("ALTER SYSTEM SET autovacuum = on"))
            connection.execute(text("SELECT pg_reload_conf()"))
    try:
        yield
    finally:
        if not was_on:
            with admin.connect() as connection:
                connection.execute(text("ALTER SYSTEM RESET autovacuum"))
                connection.execute(text("SELECT pg_reload_conf()"))
        admin.dispose()


@contextmanager
def demo_server(
    *,
    port: int | None = None,
    public_url: str | None = None,
    workers: int = 1,
    worker_apart: bool = False,
) -> Iterator[DemoServer]:
    """`workers` uvicorn workers on TELLUS_DATABASE_URL (if set) or a new SQLite file, with demo
    data.

    `public_url` is TELLUS_BASE_URL, for a proxy in front; by default the server's own address.
    `worker_apart` sends the alerts from a `tellus worker` process beside a server that runs no
    worker of its own, as the Procfile does.
    """
    port = port or free_port()
    folder = tempfile.mkdtemp(prefix="tellus-bench-")
    server_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "TELLUS_DATABASE_URL": os.environ.get(
            "TELLUS_DATABASE_URL", f"sqlite:///{folder}/bench.db"
        ),
        "TELLUS_BASE_URL": public_url or server_url,
        "PYTHONPATH": str(ROOT),
    }
    with autovacuum_on(env["TELLUS_DATABASE_URL"]):
        demo = subprocess.run(
            [BIN / "tellus", "demo", "--no-serve"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        found = re.search(r"/c/([0-9A-Z]{8})", demo.stdout)
        assert found, demo.stdout
        serve = [BIN / "tellus", "serve", "--port", str(port), "--workers", str(workers)]
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        server = subprocess.Popen(
            [*serve, *(["--no-worker"] if worker_apart else [])], env=env, **quiet
        )
        worker = (
            subprocess.Popen([BIN / "tellus", "worker"], env=env, **quiet) if worker_apart else None
        )
        try:
            for _ in range(100):
                try:
                    if httpx.get(f"{server_url}/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            if workers > 1:
                time.sleep(3)  # the first worker answered; give the others time to start
            yield DemoServer(
                url=server_url,
                token=found.group(1),
                database_url=env["TELLUS_DATABASE_URL"],
                pid=server.pid,
            )
        finally:
            for process in (server, worker):
                if process is not None:
                    process.terminate()
                    process.wait(timeout=10)
