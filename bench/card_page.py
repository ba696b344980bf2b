"""Benchmark the card page against a bare route serving the same bytes, with wrk.

Starts `tellus serve` (one uvicorn worker) on the demo organisation (a fresh SQLite file, or
TELLUS_DATABASE_URL if set) and bench/bare_page.py (one worker, the same compression) serving the
card page's bytes, then runs wrk against each in turn: a round to warm them up (not counted), then
at full speed with 64 connections, then at 80 % of the card page's peak for the latency, at a fixed
arrival rate (PACED: wrk's `delay()` keeps each thread on a schedule of random gaps, as independent
customers arrive).
Usage: python bench/card_page.py [--seconds 10] [--rounds 2] [--connections 64]
"""

import argparse
import gzip
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from demo_server import DemoServer, demo_server, free_port

ROOT = Path(__file__).resolve().parent.parent
THREADS = 2  # wrk's
# A fixed arrival rate, as wrk2's -R: each wrk thread sends on a schedule of its own, a random
# gap after the last (exponential around BENCH_GAP_MS, the thread's share of the rate, as between
# independent customers), on whichever of its connections is free. A schedule that fell behind
# (every connection waiting for an answer) sends at once to catch up, at most a second late; the
# rate reached says whether the server kept up. Before, each connection waited its gap after its
# answer: the slower the answers, the fewer the cards asked, and 80 % of the peak asked reached
# 60 % of it, on so few connections at a time that the server's groups of cards were small.
PACED = """
local ffi = require("ffi")
ffi.cdef[[
struct bench_timespec { long tv_sec; long tv_nsec; };
int clock_gettime(int clock, struct bench_timespec *now);
]]
local clock = ffi.new("struct bench_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, clock)  -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
end
local gap = tonumber(os.getenv("BENCH_GAP_MS"))
local seeded = false
local next_at = nil
function delay()
  if not seeded then  -- each thread its own gaps: seeded by its own state's address
    math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16) % 1000003)
    seeded = true
  end
  local now = now_ms()
  next_at = math.max(next_at or now, now - 1000) - gap * math.log(1 - math.random())
  return math.max(0, math.floor(next_at - now))
end
"""


def process_tree(pid: int) -> dict[int, list[str]]:
    """A process and all its descendants (uvicorn's workers and their card processes), each
    with the fields of its /proc/<pid>/stat after the command's name (Linux)."""
    processes: dict[int, list[str]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            processes[int(stat.parent.name)] = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
    tree = {pid}
    while children := {child for child, f in processes.items() if int(f[1]) in tree} - tree:
        tree |= children
    return {process: fields for process, fields in processes.items() if process in tree}


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process and all its descendants have used so far."""
    ticks = sum(int(fields[11]) + int(fields[12]) for fields in process_tree(pid).values())
    return ticks / os.sysconf("SC_CLK_TCK")


def wrk(
    url: str,
    pid: int,
    *,
    seconds: int,
    connections: int,
    paced_rate: float | None = None,
    script: str = "",
) -> dict:
    """wrk's requests a second and latency percentiles (ms) for one URL, and the server's CPU
    time per request (ms): unlike the rate, hardly changed by other work on the machine.
    `script` is Lua for wrk (a `request()` that makes each request)."""
    command = ["wrk", f"-t{THREADS}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    command += ["--timeout", "30s"]
    command += ["-H", "Accept-Encoding: gzip", "-H", "Accept-Language: en"]
    env = dict(os.environ)
    if paced_rate:
        script += PACED
        env["BENCH_GAP_MS"] = str(THREADS / paced_rate * 1000)
    if script:
        path = Path(tempfile.mkstemp(suffix=".lua")[1])
        path.write_text(script)
        command += ["-s", str(path)]
    cpu = cpu_seconds(pid)
    output = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, env=env
    ).stdout
    cpu = cpu_seconds(pid) - cpu
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    found = {
        int(cut): float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
        for cut, value, unit in re.findall(r"^\s+(50|90|99)%\s+([\d.]+)(us|ms|s)", output, re.M)
    }
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    # Connections refused or dropped, answers that never came: errors too.
    failed = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    count = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    return {
        "rate": rate,
        "requests": count,
        **found,
        "errors": (int(errors.group(1)) if errors else 0)
        + (sum(int(number) for number in failed.groups()) if failed else 0),
        "cpu": cpu / count * 1000,
    }


def show(name: str, figures: dict) -> None:
    print(
        f"{name:<28} {figures['rate']:8.0f} req/s   p50 {figures[50]:7.1f} ms"
        f"   p90 {figures[90]:7.1f} ms   p99 {figures[99]:7.1f} ms   errors {figures['errors']}"
        f"   server CPU {figures['cpu']:.3f} ms/request"
    )


def best_of(
    rounds: int, name: str, app: Callable[[], dict], bare: Callable[[], dict]
) -> tuple[dict, dict, int]:
    """`rounds` rounds of the app then its bare reference, each printed: the app's best round,
    the reference's figures in that round, and the app's errors in all of them. A round of each
    warms them up first, its errors counted and its rates not: a new server's first round was
    the slower in most earlier runs (bench/README.md)."""
    warm, warm_reference = app(), bare()
    show(f"{name}, warm-up", warm)
    show("bare route, warm-up", warm_reference)
    best: tuple[dict, dict] | None = None
    errors = warm["errors"]
    for round_ in range(rounds):
        figures, reference = app(), bare()
        errors += figures["errors"]
        show(f"{name}, round {round_ + 1}", figures)
        show(f"bare route, round {round_ + 1}", reference)
        print(
            f"ratio to the bare route: {figures['rate'] / reference['rate']:.2f} in requests a"
            f" second, {reference['cpu'] / figures['cpu']:.2f} in server CPU a request"
        )
        if best is None or figures["rate"] > best[0]["rate"]:
            best = (figures, reference)
    assert best is not None, "at least one round"
    return *best, errors


def positive_count(text: str) -> int:
    """A count of rounds or groups: a benchmark compares its best round, so there must be one."""
    count = int(text)
    if count < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=positive_count, default=2)
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()
    with demo_server() as server:
        measure(server, seconds=args.seconds, rounds=args.rounds, connections=args.connections)
    print(f"load average after: {os.getloadavg()}")


def measure(server: DemoServer, *, seconds: int, rounds: int, connections: int) -> dict:
    """Print each round, and return the best: the app's figures ("page"), the bare route's in the
    same round ("bare"), the app's at 80 % of its best rate ("paced", "asked"), and the app's
    errors in all of them ("errors")."""
    card = f"{server.url}/c/{server.token}"
    page = httpx.get(card, headers={"Accept-Language": "en"})
    assert page.headers["cache-control"] == "no-store"
    page_file = Path(tempfile.mkstemp(suffix=".html")[1])
    page_file.write_bytes(page.content)
    print(
        f"engine: {server.database_url.split(':', 1)[0]}; card page {len(page.content)} bytes,"
        f" {len(gzip.compress(page.content))} gzipped; load average {os.getloadavg()}"
    )
    port = free_port()
    bare = subprocess.Popen(
        [sys.executable, ROOT / "bench" / "bare_page.py", str(port)],
        env={**os.environ, "BENCH_PAGE_FILE": str(page_file), "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    bare_url = f"http://127.0.0.1:{port}/c/{server.token}"
    try:
        for _ in range(100):
            try:
                httpx.get(bare_url)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        page, reference, errors = best_of(
            rounds,
            "card page",
            lambda: wrk(card, server.pid, seconds=seconds, connections=connections),
            lambda: wrk(bare_url, bare.pid, seconds=seconds, connections=connections),
        )
        rate = 0.8 * page["rate"]
        paced = wrk(card, server.pid, seconds=seconds, connections=connections, paced_rate=rate)
        show(f"card page at {rate:.0f}/s asked", paced)
        return {
            "page": page,
            "bare": reference,
            "paced": paced,
            "asked": rate,
            "errors": errors + paced["errors"],
        }
    finally:
        bare.terminate()
        bare.wait(timeout=10)


if __name__ == "__main__":
    main()
