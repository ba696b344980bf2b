"""Benchmark the customer's hot path: opening a card page and sending a card, over real HTTP.

Starts `tellus serve` (one uvicorn worker) on a fresh SQLite file, or on TELLUS_DATABASE_URL if set,
with the demo organisation, then drives it from this process with concurrent httpx clients.
The card limits are on, as installed: each request is one customer of its own, at an address of
its own (X-Forwarded-For, which the server believes from 127.0.0.1, its default proxy), and each
card is sent on the form its customer opened, once the minimum fill time has passed.
Usage: python bench/card_path.py [--requests 2000] [--concurrency 16]
"""

import argparse
import asyncio
import os
import re
import statistics
import time

import httpx
from demo_server import demo_server

# TELLUS_CARD_MIN_FILL_SECONDS's default, and a little more.
MIN_FILL_SECONDS = 3.5


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


def customer_address(index: int) -> str:
    """A documentation-range address of its own for each customer (198.18.0.0/15)."""
    return f"198.{18 + index // 65536 % 2}.{index // 256 % 256}.{index % 256}"


async def run(base: str, token: str, count: int, concurrency: int) -> None:
    limits = httpx.Limits(max_connections=concurrency)
    form_tokens: dict[int, str] = {}
    async with httpx.AsyncClient(base_url=base, limits=limits) as client:
        page = await client.get(f"/c/{token}")
        print(f"card page: {len(page.content)} bytes of HTML")

        async def open_card(index: int) -> None:
            response = await client.get(
                f"/c/{token}", headers={"X-Forwarded-For": customer_address(index)}
            )
            assert response.status_code == 200
            found = re.search(r'name="form_token" value="([^"]+)"', response.text)
            assert found
            form_tokens[index] = found.group(1)

        async def send_card(index: int) -> None:
            response = await client.post(
                f"/c/{token}",
                headers={"X-Forwarded-For": customer_address(index)},
                data={
                    "form_token": form_tokens[index],
                    "idempotency_key": f"bench-{os.getpid()}-{index}",
                    "rating": str(index % 5 + 1),
                    "comment": "Benchmark card",
                },
            )
            assert response.status_code == 200, response.text
            assert "Thank you!" in response.text, response.text

        opened = time.monotonic()
        await measure("open card", count, concurrency, open_card)
        # Every customer takes longer than the minimum fill time to write a card.
        await asyncio.sleep(max(0.0, MIN_FILL_SECONDS - (time.monotonic() - opened)))
        await measure("send card", count, concurrency, send_card)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    with demo_server() as server:
        engine = server.database_url.split(":", 1)[0]
        print(f"engine: {engine}, {args.requests} requests, concurrency {args.concurrency}")
        asyncio.run(run(server.url, server.token, args.requests, args.concurrency))


if __name__ == "__main__":
    main()
