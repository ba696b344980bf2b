"""The card limits' memory store: the same answers as `limits`' own, nothing for the garbage
collector to walk per client, and expired windows swept."""

import gc
import random
from types import SimpleNamespace

import limits.storage.memory
import pytest
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from api.protection import memory_store
from api.protection.memory_store import SweptMemoryStorage


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    fake = SimpleNamespace(time=clock.time)
    monkeypatch.setattr(memory_store, "time", fake)
    monkeypatch.setattr(limits.storage.memory, "time", fake)
    return clock


def test_it_answers_as_the_librarys_own_store(clock: Clock) -> None:
    ours, theirs = SweptMemoryStorage(), MemoryStorage()
    limiters = MovingWindowRateLimiter(ours), MovingWindowRateLimiter(theirs)
    items = [parse("3/10 seconds"), parse("5/minute")]
    rng = random.Random(21)
    answers: list[tuple[object, object]] = []
    for _ in range(2_000):
        # Mostly close together; some steps land exactly on a window's end (10 s, a minute).
        clock.now += rng.choices([0.0, 0.3, 1.0, 4.0, 10.0, 60.0], [4, 4, 4, 2, 1, 1])[0]
        item, client = rng.choice(items), rng.choice(["a", "b", "c"])
        hits = [limiter.hit(item, "card", client) for limiter in limiters]
        stats = [limiter.get_window_stats(item, "card", client) for limiter in limiters]
        answers.append((hits[0], hits[1]))
        assert hits[0] == hits[1]
        assert stats[0].remaining == stats[1].remaining
        assert stats[0].reset_time == stats[1].reset_time
    refused = sum(1 for ours_hit, _ in answers if not ours_hit)
    assert 100 < refused < 1_900  # the sequence tried both answers often


def test_a_window_refuses_past_its_limit_until_its_oldest_card_leaves(clock: Clock) -> None:
    limiter = MovingWindowRateLimiter(SweptMemoryStorage())
    item = parse("2/10 seconds")
    assert limiter.hit(item, "card", "a")
    clock.now += 4
    assert limiter.hit(item, "card", "a")
    assert not limiter.hit(item, "card", "a")
    assert limiter.hit(item, "card", "b")  # another client counts apart
    clock.now += 6.5  # the first card left the window; the second has not
    assert limiter.hit(item, "card", "a")
    assert not limiter.hit(item, "card", "a")


def test_a_card_refused_at_its_windows_very_end_waits_no_window_more(clock: Clock) -> None:
    # The card before is exactly a window old: still counted against this one, and gone now.
    limiter = MovingWindowRateLimiter(SweptMemoryStorage())
    item = parse("1/10 seconds")
    assert limiter.hit(item, "card", "a")
    clock.now += 10
    assert not limiter.hit(item, "card", "a")
    assert limiter.get_window_stats(item, "card", "a").reset_time == clock.now


def test_the_sweep_forgets_only_what_left_its_window(clock: Clock) -> None:
    store = SweptMemoryStorage()
    limiter = MovingWindowRateLimiter(store)
    burst, ceiling = parse("5/10 seconds"), parse("5/hour")
    limiter.hit(burst, "card", "old")
    clock.now += 8
    limiter.hit(burst, "card", "recent")
    limiter.hit(ceiling, "code", "slow")
    clock.now += 5
    store.sweep()
    kept = [burst.key_for("card", "recent"), ceiling.key_for("code", "slow")]
    assert sorted(store.times) == sorted(kept)
    assert limiter.get_window_stats(burst, "card", "recent").remaining == 4


def test_many_clients_leave_nothing_for_the_garbage_collector_to_walk() -> None:
    store = SweptMemoryStorage()
    limiter = MovingWindowRateLimiter(store)
    item = parse("40/10 minutes")
    limiter.hit(item, "card", "first")
    gc.collect()
    before = len(gc.get_objects())
    for client in range(5_000):
        limiter.hit(item, "card", f"198.18.{client // 256}.{client % 256}")
    assert len(store.times) == 5_001
    gc.collect()
    assert len(gc.get_objects()) - before < 100
