"""Benchmark card-to-screen latency across two app processes.

Starts two `tellus serve` processes (A and B, one uvicorn worker each) on one database: a fresh
SQLite file, or TELLUS_DATABASE_URL if set (an empty PostgreSQL database). A manager signs in on
B and opens the live inbox stream; a customer's cards are sent to A through the public API, one
at a time with a short random pause. For each card it measures the time from sending it to A
until B's stream yields it (and, for comparison, until A answered).
Usage: python bench/inbox_latency.py [--cards 300]
"""

import argparse
import asyncio
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def report(name: str, seconds: list[float]) -> dict[int, float]:
    """Print and return the 50th, 95th and 99th percentiles, in ms."""
    cuts = statistics.quantiles(seconds, n=100)
    print(
        f"{name:<22} p50 {cuts[49] * 1000:6.1f} ms   p95 {cuts[94] * 1000:6.1f} ms"
        f"   p99 {cuts[98] * 1000:6.1f} ms   max {max(seconds) * 1000:6.1f} ms"
    )
    return {50: cuts[49] * 1000, 95: cuts[94] * 1000, 99: cuts[98] * 1000}


async def log_in(client: httpx.AsyncClient, email: str, password: str) -> None:
    page = await client.get("/login")
    form_token = re.search(r'name="form_token" value="([^"]+)"', page.text).group(1)
    response = await client.post(
        "/login", data={"email": email, "password": password, "form_token": form_token}
    )
    assert response.status_code == 303, response.text


async def watch(client: httpx.AsyncClient, arrived: dict[int, float], ready: asyncio.Event) -> None:
    """B's live inbox: the time each card's row arrives."""
    async with client.stream("GET", "/inbox/stream") as response:
        event = ""
        async for line in response.aiter_lines():
            if line.startswith("event:"):
                event = line.partition(":")[2].strip()
            elif line.startswith("data:") and event == "card":
                arrived[json.loads(line.partition(":")[2])["card_id"]] = time.perf_counter()
            elif line.startswith("data:") and event == "ready":
                ready.set()


async def run(a: str, b: str, token: str, email: str, password: str, count: int) -> dict:
    arrived: dict[int, float] = {}
    sent: dict[int, tuple[float, float]] = {}
    ready = asyncio.Event()
    async with (
        httpx.AsyncClient(base_url=a, timeout=10) as customer,
        httpx.AsyncClient(base_url=b, timeout=httpx.Timeout(10, read=60)) as manager,
    ):
        await log_in(manager, email, password)
        watcher = asyncio.create_task(watch(manager, arrived, ready))
        await asyncio.wait_for(ready.wait(), 10)
        for index in range(count):
            started = time.perf_counter()
            response = await customer.post(
                f"/api/v1/codes/{token}/cards",
                json={"rating": index % 5 + 1, "comment": f"Latency card {index}"},
                headers={
                    "Idempotency-Key": f"latency-{os.getpid()}-{index}",
                    # A customer each, as in a shop: one address would meet the card limits.
                    "X-Forwarded-For": f"198.18.{index // 256 % 256}.{index % 256}",
                },
            )
            assert response.status_code == 201, response.text
            sent[response.json()["id"]] = (started, time.perf_counter())
            await asyncio.sleep(random.uniform(0.02, 0.08))
        deadline = time.perf_counter() + 15
        while len(arrived) < len(sent) and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)
        watcher.cancel()
    missing = sorted(set(sent) - set(arrived))
    print(f"{len(sent)} cards sent to A, {len(sent) - len(missing)} seen on B's stream")
    if missing:
        print(f"MISSING on B: {missing[:20]}")
    return {
        "answered": report("A answered", [done - started for started, done in sent.values()]),
        "stream": report(
            "on B's stream", [arrived[card] - sent[card][0] for card in sent if card in arrived]
        ),
        "missing": len(missing),
    }


def start_server(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [BIN / "tellus", "serve", "--port", str(port)],
        env={**env, "TELLUS_BASE_URL": f"http://127.0.0.1:{port}"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_healthy(port: int) -> None:
    for _ in range(200):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"the server on port {port} did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cards", type=int, default=300)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="tellus-bench-")
    measure(os.environ.get("TELLUS_DATABASE_URL", f"sqlite:///{folder}/bench.db"), cards=args.cards)


def measure(database_url: str, *, cards: int) -> dict:
    """The demo organisation on `database_url` (empty), served by two processes; returns run()'s
    percentiles."""
    env = {**os.environ, "TELLUS_DATABASE_URL": database_url}
    demo = subprocess.run(
        [BIN / "tellus", "demo", "--no-serve"], env=env, capture_output=True, text=True, check=True
    )
    token = re.search(r"/c/([0-9A-Z]{8})", demo.stdout).group(1)
    email = re.search(r"email:\s+(\S+)", demo.stdout).group(1)
    password = re.search(r"password:\s+(\S+)", demo.stdout).group(1)
    port_a, port_b = free_port(), free_port()
    servers = [start_server(port_a, env), start_server(port_b, env)]
    try:
        wait_healthy(port_a)
        wait_healthy(port_b)
        print(f"engine: {database_url.split(':', 1)[0]}, two processes, {cards} cards")
        return asyncio.run(
            run(
                f"http://127.0.0.1:{port_a}",
                f"http://127.0.0.1:{port_b}",
                token,
                email,
                password,
                cards,
            )
        )
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
