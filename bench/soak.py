"""A soak: cards and card pages at a steady rate for a long time, watching the server's resources.

Starts `tellus serve` on the demo organisation (a fresh SQLite file, or TELLUS_DATABASE_URL if set;
`--workers` uvicorn workers) and runs two paced wrk loads side by side, minute after minute: cards
sent through the public API (as bench/submissions.py sends them: a key and an address of their own
each) and the card page opened. After each minute it prints the server's resident memory, open file
descriptors (sockets apart, whose number follows the requests in flight) and threads (the uvicorn
process, its workers and their card processes together), its database connections on PostgreSQL, and
every answer that was not a success. It exits 1 if any request failed or if memory, descriptors or
connections grew between the minute `--steady-from` (the second by default: the first warms caches
and pools up) and the last beyond `--growth`. With every card from an address of its own, the card
limits' memory grows until their window (TELLUS_CARD_LIMIT, 10 minutes) is full: `--steady-from 11`
checks what follows.
Usage: python bench/soak.py [--minutes 15] [--cards 250] [--pages 250] [--workers 1]
       [--steady-from 2]
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy
from card_page import PACED, process_tree
from demo_server import demo_server
from submissions import SCRIPT

CONNECTIONS = 32


def family(pid: int) -> list[int]:
    """The server's process and all under it (uvicorn's workers, their card processes)."""
    return sorted(process_tree(pid))


def resources(pid: int) -> dict[str, int]:
    """Resident memory (KiB), open descriptors (sockets apart: their number follows the requests
    in flight) and threads, summed over the server's processes."""
    total = {"rss_kib": 0, "fds": 0, "sockets": 0, "threads": 0}
    for process in family(pid):
        status = Path(f"/proc/{process}/status").read_text()
        total["rss_kib"] += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
        total["threads"] += int(re.search(r"Threads:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
        for fd in Path(f"/proc/{process}/fd").iterdir():
            try:
                socket = os.readlink(fd).startswith("socket:")
            except OSError:  # closed meanwhile
                continue
            total["sockets" if socket else "fds"] += 1
    return total


def database_connections(url: str) -> int | None:
    """The server's connections to its PostgreSQL database (this script's own not counted)."""
    if not url.startswith("postgresql"):
        return None
    engine = sqlalchemy.create_engine(url, poolclass=sqlalchemy.NullPool)
    with engine.connect() as connection:
        count = connection.execute(
            sqlalchemy.text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar_one()
    engine.dispose()
    return int(count)


def start_wrk(url: str, seconds: int, rate: float, script: str) -> subprocess.Popen[str]:
    """wrk for `seconds`, sending `rate` requests a second (see card_page.PACED)."""
    path = Path(tempfile.mkstemp(suffix=".lua")[1])
    path.write_text(script + PACED)
    env = {
        **os.environ,
        "BENCH_GAP_MS": str(1000 / rate),  # one wrk thread's gap (see card_page.PACED)
        "BENCH_PREFIX": f"soak-{os.getpid()}-{time.time_ns()}",
    }
    command = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "30s"]
    command += ["-H", "Accept-Encoding: gzip", "-s", str(path), url]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)


def outcome(process: subprocess.Popen[str]) -> tuple[int, int]:
    """Requests made and requests that failed (an error answer, a socket error or a timeout)."""
    output, _ = process.communicate()
    count = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    failed = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    errors = int(failed.group(1)) if failed else 0
    if sockets:
        errors += sum(int(number) for number in sockets.groups())
    return count, errors


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=int, default=15)
    parser.add_argument("--cards", type=float, default=250, help="cards a second asked")
    parser.add_argument("--pages", type=float, default=250, help="card pages a second asked")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--growth", type=float, default=0.10, help="the growth allowed (0.10: 10 %%)"
    )
    parser.add_argument(
        "--steady-from", type=int, default=2, help="the minute from which nothing may grow"
    )
    args = parser.parse_args()
    failures = 0
    rows: list[dict[str, int | None]] = []
    with demo_server(workers=args.workers) as server:
        print(
            f"engine: {server.database_url.split(':', 1)[0]}; {args.workers} worker(s);"
            f" asked {args.cards:.0f} cards and {args.pages:.0f} pages a second;"
            f" load average {os.getloadavg()}"
        )
        cards_url = f"{server.url}/api/v1/codes/{server.token}/cards"
        page_url = f"{server.url}/c/{server.token}"
        print(
            f"{'minute':>6} {'cards/s':>8} {'pages/s':>8} {'errors':>7} {'RSS MiB':>8}"
            f" {'fds':>5} {'sockets':>7} {'threads':>7} {'db conns':>8}"
        )
        for minute in range(1, args.minutes + 1):
            cards = start_wrk(cards_url, 60, args.cards, SCRIPT)
            pages = start_wrk(page_url, 60, args.pages, "")
            (sent, card_errors), (opened, page_errors) = outcome(cards), outcome(pages)
            failures += card_errors + page_errors
            row = {
                **resources(server.pid),
                "connections": database_connections(server.database_url),
            }
            rows.append(row)
            print(
                f"{minute:>6} {sent / 60:>8.0f} {opened / 60:>8.0f} {card_errors + page_errors:>7}"
                f" {row['rss_kib'] / 1024:>8.1f} {row['fds']:>5} {row['sockets']:>7}"
                f" {row['threads']:>7}"
                f" {row['connections'] if row['connections'] is not None else '-':>8}"
            )
    print(f"load average after: {os.getloadavg()}")
    first, last = rows[min(args.steady_from, len(rows)) - 1], rows[-1]
    grew = [
        f"{name} {first[name]} → {last[name]}"
        for name in ("rss_kib", "fds", "connections")
        if first[name] is not None and last[name] > first[name] * (1 + args.growth)  # type: ignore[operator]
    ]
    for problem in grew:
        print(f"grew: {problem}")
    if failures:
        print(f"{failures} requests failed")
    return 1 if grew or failures else 0


if __name__ == "__main__":
    sys.exit(main())
