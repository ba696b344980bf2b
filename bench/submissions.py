"""Benchmark durable card submissions through the public API, with wrk, beside raw inserts.

Starts `tellus serve` (one uvicorn worker) on the demo organisation (a fresh SQLite file, or
TELLUS_DATABASE_URL if set; `--workers` for more) and sends cards to the demo counter's code
through `POST /api/v1/codes/{token}/cards` with wrk: each request a card of its own (its own
Idempotency-Key) from an address of its own (X-Forwarded-For), the card limits on. Every answer
but a 201 counts as an error. In the same run, the reference: one row a transaction into a
fresh SQLite file in WAL mode with synchronous=FULL, from one thread.
Usage: python bench/submissions.py [--seconds 10] [--connections 64]
"""

import argparse
import os
import re
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path

from card_page import cpu_seconds
from demo_server import demo_server

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
    args = parser.parse_args()
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text(SCRIPT)
    with demo_server() as server:
        url = f"{server.url}/api/v1/codes/{server.token}/cards"
        print(f"engine: {server.database_url.split(':', 1)[0]}; load average {os.getloadavg()}")
        cpu = cpu_seconds(server.pid)
        output = subprocess.run(
            ["wrk", "-t2", f"-c{args.connections}", f"-d{args.seconds}s", "--latency"]
            + ["-s", str(script), "--timeout", "30s", url],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "BENCH_PREFIX": f"bench-{os.getpid()}-{time.time_ns()}"},
        ).stdout
        cpu = cpu_seconds(server.pid) - cpu
    count = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    cuts = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", output, re.M))
    print(
        f"cards: {rate:.0f}/s, p50 {cuts['50']}, p99 {cuts['99']},"
        f" errors {errors.group(1) if errors else 0} of {count},"
        f" server CPU {cpu / count * 1000:.2f} ms a card"
    )
    reference = raw_inserts(5)
    print(f"raw SQLite inserts, one a transaction: {reference:.0f}/s; ratio {rate / reference:.3f}")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
