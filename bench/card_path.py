"""Benchmark the customer's hot path: opening a card page and sending a card, over real HTTP.

Starts `tellus serve` (one uvicorn worker) on a fresh SQLite file, or on TELLUS_DATABASE_URL if set,
with the demo organisation, then drives it from this process with concurrent httpx clients.
Usage: python bench/card_path.py [--requests 2000] [--concurrency 16]
"""

import argparse
import asyncio
import os
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


async def measure(name: str, count: int, concurrency: int, call) -> None:
    latencies: list[float] = []
    queue = iter(range(count))

    async def worker() -> None:
        for index in queue:
            started = time.perf_counter()
            await call(index)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100)
    print(
        f"{name:<12} {count / elapsed:8.0f} req/s   p50 {cuts[49] * 1000:6.1f} ms"
        f"   p95 {cuts[94] * 1000:6.1f} ms   p99 {cuts[98] * 1000:6.1f} ms"
    )


async def run(base: str, token: str, count: int, concurrency: int) -> None:
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits) as client:
        page = await client.get(f"/c/{token}")
        form_token = re.search(r'name="form_token" value="([^"]+)"', page.text).group(1)
        print(f"card page: {len(page.content)} bytes of HTML")

        async def open_card(_: int) -> None:
            response = await client.get(f"/c/{token}")
            assert response.status_code == 200

        async def send_card(index: int) -> None:
            response = await client.post(
                f"/c/{token}",
                data={
                    "form_token": form_token,
                    "idempotency_key": f"bench-{os.getpid()}-{index}",
                    "rating": str(index % 5 + 1),
                    "comment": "Benchmark card",
                },
            )
            assert response.status_code == 200, response.text

        await measure("open card", count, concurrency, open_card)
        await measure("send card", count, concurrency, send_card)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="tellus-bench-")
    port = free_port()
    env = {
        **os.environ,
        "TELLUS_DATABASE_URL": os.environ.get(
            "TELLUS_DATABASE_URL", f"sqlite:///{folder}/bench.db"
        ),
        "TELLUS_BASE_URL": f"http://127.0.0.1:{port}",
    }
    demo = subprocess.run(
        [BIN / "tellus", "demo", "--no-serve"], env=env, capture_output=True, text=True, check=True
    )
    token = re.search(r"/c/([0-9A-Z]{8})", demo.stdout).group(1)
    server = subprocess.Popen(
        [BIN / "tellus", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        engine = env["TELLUS_DATABASE_URL"].split(":", 1)[0]
        print(f"engine: {engine}, {args.requests} requests, concurrency {args.concurrency}")
        asyncio.run(run(f"http://127.0.0.1:{port}", token, args.requests, args.concurrency))
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
