"""A card's limits counted in Redis: from the event loop, against from a few threads.

Runs the app's own `take_card` for many cards, 64 at a time on one event loop as a busy worker
has them, each from an address of its own to one code, through a limiter that asks Redis from the
loop (as the app does) and one that asks from the STORE_THREADS threads (as it did), in turn, and
prints the cards a second and this process's CPU a card for each. `--flood` sends every card from
one address, as a flood does: all but the first 40 are refused, each refusal counted for the
owner and timed for Retry-After. Redis at TELLUS_REDIS_URL (redis://127.0.0.1:6379/0 by default);
the keys it made are removed.
Usage: python bench/card_limits.py [--cards 6000] [--rounds 2] [--flood]
"""

import argparse
import asyncio
import os
import time
import uuid

import redis
from starlette.requests import Request

from api.protection.limiter import CardLimiter, Verdict, redis_store, take_card

AT_ONCE = 64


def limiter(url: str, *, on_loop: bool) -> CardLimiter:
    return CardLimiter(
        store=redis_store(url),
        card_limit=f"{BURST}/10 minutes",
        code_alert_ceiling="100/hour",
        redis_url=url if on_loop else None,
    )


BURST = 40


async def count(card_limiter: CardLimiter, code: str, cards: int, *, flood: bool) -> list[Verdict]:
    def request(number: int) -> Request:
        number = 0 if flood else number
        address = f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"
        return Request({"type": "http", "headers": [], "client": (address, 5000)})

    verdicts: list[Verdict] = []
    for first in range(0, cards, AT_ONCE):
        numbers = range(first, min(first + AT_ONCE, cards))
        waiting = [take_card(card_limiter, code_token=code, request=request(n)) for n in numbers]
        verdicts += await asyncio.gather(*waiting)
    await card_limiter.close_on_loop()
    return verdicts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cards", type=int, default=6000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--flood", action="store_true", help="every card from one address")
    args = parser.parse_args()
    url = os.environ.get("TELLUS_REDIS_URL", "redis://127.0.0.1:6379/0")
    client = redis.Redis.from_url(url)
    for round_ in range(args.rounds):
        for name, on_loop in (("event loop", True), ("threads", False)):
            code = f"BENCH{uuid.uuid4().hex}"
            started, cpu = time.perf_counter(), time.process_time()
            card_limiter = limiter(url, on_loop=on_loop)
            verdicts = asyncio.run(count(card_limiter, code, args.cards, flood=args.flood))
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            allowed = sum(verdict.allowed for verdict in verdicts)
            assert allowed == (min(BURST, args.cards) if args.flood else args.cards)
            print(
                f"round {round_ + 1}, from the {name:10}  {args.cards / seconds:7.0f} cards/s"
                f"   {cpu / args.cards * 1e6:5.0f} µs of CPU a card"
            )
            for key in client.scan_iter(match=f"tellus:*{code}*"):
                client.delete(key)


if __name__ == "__main__":
    main()
