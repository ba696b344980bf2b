"""A card's counts in one Redis script (api.protection.loop_counts) keep the very windows
`limits`' own moving window keeps: the same verdicts, lists and refusal counts, which another
process counting from threads and the owner's page read."""

import time
import uuid
from collections.abc import Iterator

import pytest
import redis

from api.protection.limiter import CardLimiter, Verdict, redis_store
from tests.helpers import REDIS_URL, in_own_loop, require_redis

# Two limits per client, as an owner may set (each counts a card by itself, as `limits` does:
# a card one refuses still takes a place in the other), and two code-wide ceilings.
CARD_LIMIT = "2/minute;3/hour"
CEILING = "4/hour;5/day"
# Who sends each card, in order: a client past one limit, then past both; another client; a
# code past its ceilings.
CLIENTS = ["a", "a", "a", "a", "b", "b", "c", "d", "e", "b"]


@pytest.fixture
def client() -> Iterator[redis.Redis]:
    client = require_redis()
    yield client
    client.close()


@pytest.fixture
def two_codes(client: redis.Redis) -> Iterator[tuple[str, str]]:
    codes = (f"LOOP{uuid.uuid4().hex}", f"THREADS{uuid.uuid4().hex}")
    yield codes
    for code in codes:
        for key in client.scan_iter(match=f"tellus:*{code}*"):
            client.delete(key)


def limiter(*, on_loop: bool) -> CardLimiter:
    return CardLimiter(
        store=redis_store(REDIS_URL),
        card_limit=CARD_LIMIT,
        code_alert_ceiling=CEILING,
        redis_url=REDIS_URL if on_loop else None,
    )


def address(name: str) -> str:
    return f"198.18.9.{ord(name)}"


def windows(client: redis.Redis, code: str) -> dict[str, tuple[list[str], int]]:
    """Each of a code's keys, named without the code, with what it holds and its seconds to
    live."""
    held: dict[str, tuple[list[str], int]] = {}
    for key in client.scan_iter(match=f"tellus:*{code}*"):
        name = key.decode().replace(code, "CODE")
        if client.type(key) == b"list":
            entries = [entry.decode() for entry in client.lrange(key, 0, -1)]
        else:
            entries = [client.get(key).decode()]
        held[name] = (entries, client.ttl(key))
    return held


def test_one_script_counts_as_limits_does(client: redis.Redis, two_codes: tuple[str, str]) -> None:
    on_loop, from_threads = two_codes
    loop_limiter = limiter(on_loop=True)

    async def send_all() -> list[Verdict]:
        verdicts = [
            await loop_limiter.take_card_on_loop(code_token=on_loop, client=address(name))
            for name in CLIENTS
        ]
        await loop_limiter.close_on_loop()
        return verdicts

    counted_on_loop = in_own_loop(send_all)
    thread_limiter = limiter(on_loop=False)
    counted_by_limits = [
        thread_limiter.take_card(code_token=from_threads, client=address(name)) for name in CLIENTS
    ]

    def outcomes(verdicts: list[Verdict]) -> list[tuple[bool, bool]]:
        return [(verdict.allowed, verdict.alerts) for verdict in verdicts if verdict.allowed]

    allowed = [True, True, False, False, True, True, True, True, True, False]
    assert [verdict.allowed for verdict in counted_on_loop] == allowed
    assert [verdict.allowed for verdict in counted_by_limits] == allowed
    # Past four an hour, the code's cards raise no alerts.
    assert outcomes(counted_on_loop) == outcomes(counted_by_limits)
    assert [alerts for _, alerts in outcomes(counted_on_loop)] == [True] * 4 + [False] * 3
    # A refused client waits until its strictest full limit frees a place, whoever counted:
    # the minute, or the hour once both are full.
    for ours, theirs in zip(counted_on_loop, counted_by_limits, strict=True):
        assert abs(ours.retry_after - theirs.retry_after) <= 2
        assert (ours.retry_after > 0) is not ours.allowed
    waits = [verdict.retry_after for verdict in counted_on_loop]
    assert 0 < waits[2] <= 60
    assert 3590 < waits[3] <= 3600
    assert 0 < waits[9] <= 60
    # The same keys, living as long, their lists as long and of times written alike (the
    # cards' own times differ), and the same refusals counted.
    ours, theirs = windows(client, on_loop), windows(client, from_threads)
    assert sorted(ours) == sorted(theirs)
    assert len([key for key in ours if key.startswith("tellus:LIMITER/")]) == 12
    for key, (entries, seconds_left) in ours.items():
        their_entries, their_seconds_left = theirs[key]
        assert abs(seconds_left - their_seconds_left) <= 2, key
        assert len(entries) == len(their_entries), key
        if key.startswith("tellus:LIMITER/"):
            assert {written_alike(entry) for entry in entries + their_entries} == {True}
    assert thread_limiter.refused_today([on_loop, from_threads]) == {
        on_loop: 3,
        from_threads: 3,
    }
    # And each reads the other's: `limits` counting from threads refuses a client the script
    # filled, and the script refuses one `limits` filled.
    assert not thread_limiter.take_card(code_token=on_loop, client=address("a")).allowed

    async def one_more() -> Verdict:
        verdict = await loop_limiter.take_card_on_loop(code_token=from_threads, client=address("a"))
        await loop_limiter.close_on_loop()
        return verdict

    assert not in_own_loop(one_more).allowed


def written_alike(entry: str) -> bool:
    """A card's time as limits' script writes it: seconds since the epoch with their fraction,
    a Lua number that Redis turns into text, within the last minute. Redis 7.0 writes it with
    C's "%.17g" (seventeen digits, trailing zeros dropped), later versions with the shortest
    digits that read back the same: not a fixed count of digits after the point."""
    seconds = float(entry)
    written = (f"{seconds:.17g}", repr(seconds))
    return "." in entry and entry in written and 0 <= time.time() - seconds < 60


def test_a_limit_of_none_refuses_every_card_as_limits_does(
    client: redis.Redis, two_codes: tuple[str, str]
) -> None:
    on_loop, from_threads = two_codes
    closed = {"card_limit": "0/minute", "code_alert_ceiling": "0/hour"}
    loop_limiter = CardLimiter(store=redis_store(REDIS_URL), redis_url=REDIS_URL, **closed)
    thread_limiter = CardLimiter(store=redis_store(REDIS_URL), **closed)

    async def send_two() -> list[Verdict]:
        verdicts = [
            await loop_limiter.take_card_on_loop(code_token=on_loop, client=address("a"))
            for _ in range(2)
        ]
        await loop_limiter.close_on_loop()
        return verdicts

    for ours, theirs in zip(
        in_own_loop(send_two),
        [thread_limiter.take_card(code_token=from_threads, client=address("a")) for _ in "ab"],
        strict=True,
    ):
        assert not ours.allowed
        assert not theirs.allowed
        assert 59 <= ours.retry_after <= 60
        assert abs(ours.retry_after - theirs.retry_after) <= 2
