"""Benchmark durable card submissions through the public API, with wrk, beside two references.

Starts `tellus serve` on the demo organisation (a fresh SQLite file, or TELLUS_DATABASE_URL if
set; `--workers` uvicorn workers, 1 by default) and sends cards to the demo counter's code
through `POST /api/v1/codes/{token}/cards` with wrk: each request a card of its own (its own
Idempotency-Key) from an address of its own (X-Forwarded-For), the card limits on. Every answer
but a 201 counts as an error. Then, at 80 % of the best rate, paced (each connection waits
between requests), for the latency. In the same run, two references: bench/bare_submit.py, a
bare FastAPI route that reads the same body and answers the same receipt (one worker, nothing
stored), and one row a transaction into a fresh SQLite file in WAL mode with synchronous=FULL,
from one thread.
Usage: python bench/submissions.py [--seconds 10] [--connections 64] [--workers 1] [--rounds 2]
"""

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time

import httpx
from card_page import show, wrk
from demo_server import ROOT, demo_server, free_port

# Each wrk thread numbers its requests; together they make each key and address unique.
SCRIPT = """
local counter = 0
local threads = 0
function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end
function init(args)
  prefix = os.getenv("BENCH_PREFIX")
end
function request()
  counter = counter + 1
  local n = counter * 2 + id
  local address = string.format("198.%d.%d.%d", 18 + math.floor(n / 65536) % 2,
    math.floor(n / 256) % 256, n % 256)
  local headers = {}
  headers["Content-Type"] = "application/json"
  headers["Idempotency-Key"] = string.format("%s-%d-%d", prefix, id, counter)
  headers["X-Forwarded-For"] = address
  local body = string.format('{"rating": %d, "comment": "Benchmark card %d"}', n % 5 + 1, n)
  return wrk.format("POST", path, headers, body)
end
"""


def run(url: str, pid: int, **options: object) -> dict:
    """`wrk` with keys no earlier run used (a key used before would replay its card)."""
    os.environ["BENCH_PREFIX"] = f"bench-{os.getpid()}-{time.time_ns()}"
    return wrk(url, pid, script=SCRIPT, **options)  # type: ignore[arg-type]


def raw_inserts(seconds: float) -> float:
    """Rows a second, one a transaction, WAL and synchronous=FULL, one thread."""
    folder = tempfile.mkdtemp(prefix="tellus-raw-")
    connection = sqlite3.connect(f"{folder}/raw.db", isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("CREATE TABLE card (id INTEGER PRIMARY KEY, rating INT, comment TEXT)")
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO card (rating, comment) VALUES (4, 'Benchmark card')")
        connection.execute("COMMIT")
        count += 1
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    timing = {"seconds": args.seconds, "connections": args.connections}
    with demo_server(workers=args.workers) as server, bare_server() as bare:
        path = f"/api/v1/codes/{server.token}/cards"
        print(
            f"engine: {server.database_url.split(':', 1)[0]}; {args.workers} worker(s);"
            f" load average {os.getloadavg()}"
        )
        peaks: list[float] = []
        for round_ in range(args.rounds):
            app = run(f"{server.url}{path}", server.pid, **timing)
            reference = run(f"{bare.url}{path}", bare.pid, **timing)
            show(f"cards, round {round_ + 1}", app)
            show(f"bare route, round {round_ + 1}", reference)
            print(
                f"ratio to the bare route: {app['rate'] / reference['rate']:.2f} in cards a"
                f" second, {reference['cpu'] / app['cpu']:.2f} in server CPU a request"
            )
            peaks.append(app["rate"])
        rate = 0.8 * max(peaks)
        paced = run(f"{server.url}{path}", server.pid, paced_rate=rate, **timing)
        show(f"cards at {rate:.0f}/s asked", paced)
    reference = raw_inserts(5)
    print(
        f"raw SQLite inserts, one a transaction: {reference:.0f}/s;"
        f" ratio of the best round {max(peaks) / reference:.3f}"
    )
    print(f"load average after: {os.getloadavg()}")


class BareServer:
    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [sys.executable, ROOT / "bench" / "bare_submit.py", str(port)],
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.pid = self.process.pid

    def __enter__(self) -> "BareServer":
        for _ in range(100):
            try:
                httpx.get(f"{self.url}/docs")
                return self
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("bench/bare_submit.py did not start")

    def __exit__(self, *_: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def bare_server() -> BareServer:
    return BareServer(free_port())


if __name__ == "__main__":
    main()
