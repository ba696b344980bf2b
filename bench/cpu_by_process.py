"""Where the machine's CPU goes while cards arrive at a fixed rate, process by process.

Starts the servers as targets.py does for the engine (SQLite: one `tellus serve`; PostgreSQL:
two workers beside a `tellus worker`, the card limits in Redis, database `tellus_bench` made
afresh), warms them up with one round of wrk at full speed, then sends the API's cards at
`--rate` a second (a fixed arrival rate, as targets.py's "80 % of the peak") and prints wrk's
latency and, for every process that used CPU meanwhile, its share of a core and its CPU time a
card: the web workers, their card processes, PostgreSQL's backends, Redis, the kernel's threads.
At a low rate each card pays for the wake-ups it causes in every process; at a high one they are
shared by the cards of a group.
Usage: python bench/cpu_by_process.py [--engine sqlite|postgresql] [--rate 1000] [--seconds 15]
"""

import argparse
import os
import resource
import time
from collections import defaultdict
from pathlib import Path

from demo_server import demo_server
from submissions import run
from targets import fresh_database


def cpu_ticks() -> dict[int, tuple[str, int]]:
    """Every process's command line and its user and system CPU so far, in clock ticks."""
    ticks = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:  # the process ended meanwhile
            continue
        ticks[int(stat.parent.name)] = (command, int(fields[11]) + int(fields[12]))
    return ticks


def kind(command: str) -> str:
    """What a process is, by its command line."""
    if command.startswith(("postgres:", "/usr/lib/postgresql/")):
        return "PostgreSQL"
    if command.startswith("redis-server"):
        return "Redis"
    for name, part in (
        ("card processes", "api.customer.card_process"),
        ("tellus worker", "tellus worker"),
        ("web workers", "multiprocessing"),
        ("web workers", "tellus serve"),
    ):
        if part in command:
            return name
    return "the kernel's threads" if not command else "others"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--rate", type=float, default=1000)
    parser.add_argument("--seconds", type=int, default=15)
    args = parser.parse_args()
    fresh_database(args.engine)
    if args.engine == "postgresql":
        os.environ.setdefault("TELLUS_REDIS_URL", "redis://127.0.0.1:6379/0")
    workers = 2 if args.engine == "postgresql" else 1
    with demo_server(workers=workers, worker_apart=args.engine == "postgresql") as server:
        url = f"{server.url}/api/v1/codes/{server.token}/cards"
        run(url, server.pid, seconds=5, connections=64)  # warm-up
        before, started = cpu_ticks(), time.monotonic()
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        paced = run(url, server.pid, seconds=args.seconds, connections=64, paced_rate=args.rate)
        after, seconds = cpu_ticks(), time.monotonic() - started
        ended = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk's, once it has ended
    print(
        f"{args.engine}: {paced['rate']:,.0f} cards/s of {args.rate:,.0f} asked, p50"
        f" {paced[50]:.1f} ms, p99 {paced[99]:.1f} ms, errors {paced['errors']}"
    )
    used: dict[str, float] = defaultdict(float)
    used["wrk"] = ended.ru_utime + ended.ru_stime - children.ru_utime - children.ru_stime
    for pid, (command, ticks) in after.items():
        used[kind(command)] += (ticks - before.get(pid, (command, 0))[1]) / os.sysconf("SC_CLK_TCK")
    for name, cpu in sorted(used.items(), key=lambda item: -item[1]):
        if cpu > 0:
            print(
                f"  {name:22} {cpu / seconds * 100:5.1f} % of a core"
                f"  {cpu / paced['requests'] * 1e6:7.0f} µs a card"
            )


if __name__ == "__main__":
    main()
