"""The card limits: a burst limit per (client, code) and a code-wide alert ceiling.

The algorithm is the `limits` library's moving window: exact, and it answers when the oldest
counted card leaves the window, which is the `Retry-After` a refused client is told. Its store is
Redis when TELLUS_REDIS_URL is set, so that every process and host counts together; otherwise the
database on PostgreSQL (api.protection.database_store: shared too, one short transaction per
count), and the process's memory on SQLite, which holds for its one process.

A limiter that cannot reach its store never costs a customer a card: the card is accepted and
the failure logged (once a minute at most, however many cards arrive meanwhile).

A card's counts in Redis are asked from the event loop, all in one round trip (a script on the
same keys as the library's, api.protection.loop_counts; connections for each loop, as they belong
to it); the database is asked from a few threads.
"""

import asyncio
import logging
import math
import time
from collections.abc import Awaitable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache, partial
from threading import Lock
from weakref import WeakKeyDictionary

from fastapi import Request
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import Engine

from api.config import Settings
from api.protection.clients import request_client
from api.protection.database_store import DatabaseStorage
from api.protection.loop_counts import LoopCounts, seconds_until
from api.protection.memory_store import SweptMemoryStorage

log = logging.getLogger("tellus.protection")
# A store that does not answer within this is treated as failed: the card is not kept waiting.
STORE_TIMEOUT_SECONDS = 0.5
# After a failure, the store is left alone this long: cards go in without limits meanwhile.
STORE_REST_SECONDS = 5.0
LOG_EVERY_SECONDS = 60.0
# The threads that wait for a shared store (Redis, the database) on the requests' behalf: a few
# keep up with any rate one process serves, where a thread per request in flight (anyio's
# default, up to 40) made them take turns on the GIL.
STORE_THREADS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="tellus-limits")
# The card limits' keys in Redis begin with it.
KEY_PREFIX = "tellus"
# The Redis addresses a process asks from its event loop; a process keeps at most this many
# connections for it, a card past them waiting its turn (as long as for an answer).
LOOP_SCHEMES = ("redis://", "rediss://")
LOOP_CONNECTIONS = 64
# Refused submissions are counted per code and UTC day, and kept a little over a day.
REFUSED_KEEP_SECONDS = 2 * 86400


@dataclass(frozen=True)
class Verdict:
    """What the limits say about one card about to be stored."""

    allowed: bool
    # Seconds to wait before sending again, when not allowed.
    retry_after: int = 0
    # False past the code-wide ceiling: the card is stored, and raises no alert.
    alerts: bool = True


ACCEPTED = Verdict(allowed=True)


def redis_store(url: str) -> Storage:
    """limits' store on Redis: its errors raised as limits' StorageError, and no waiting past
    the store's timeout."""
    store = storage_from_string(
        url,
        key_prefix=KEY_PREFIX,
        wrap_exceptions=True,
        socket_connect_timeout=STORE_TIMEOUT_SECONDS,
        socket_timeout=STORE_TIMEOUT_SECONDS,
    )
    assert isinstance(store, Storage)
    return store


def open_store(settings: Settings, engine: Engine) -> Storage:
    """Redis when configured; otherwise the database on PostgreSQL and memory on SQLite, unless
    TELLUS_CARD_LIMIT_STORE says which."""
    if settings.redis_url:
        return redis_store(settings.redis_url)
    choice = settings.card_limit_store
    if choice == "auto":
        choice = "database" if engine.dialect.name == "postgresql" else "memory"
    if choice == "database":
        items = [
            *parse_many(settings.card_limit),
            *parse_many(settings.kiosk_card_limit),
            *parse_many(settings.code_alert_ceiling),
        ]
        longest = max(item.get_expiry() for item in items)
        return DatabaseStorage(engine, longest_window_seconds=longest)
    return SweptMemoryStorage()


class CardLimiter:
    """The process's limiter; every process configured with the same Redis counts together."""

    def __init__(
        self,
        *,
        store: Storage,
        card_limit: str,
        code_alert_ceiling: str,
        kiosk_card_limit: str = "120/10 minutes",
        redis_url: str | None = None,
    ) -> None:
        self.store = store
        self.strategy = MovingWindowRateLimiter(store)
        # Given the store's Redis, a card's counts are asked from the event loop (see the
        # module's docstring): TAKE_CARD on connections of each loop's own.
        self.redis_url = redis_url
        self._on_loop: WeakKeyDictionary[asyncio.AbstractEventLoop, LoopCounts] = (
            WeakKeyDictionary()
        )
        self.card_limits: list[RateLimitItem] = parse_many(card_limit)
        self.kiosk_limits: list[RateLimitItem] = parse_many(kiosk_card_limit)
        self.ceilings: list[RateLimitItem] = parse_many(code_alert_ceiling)
        self._last_logged = -math.inf
        self._resting_until = -math.inf
        self._log_lock = Lock()

    @classmethod
    def from_settings(cls, settings: Settings, engine: Engine) -> "CardLimiter":
        return cls(
            store=open_store(settings, engine),
            card_limit=settings.card_limit,
            code_alert_ceiling=settings.code_alert_ceiling,
            kiosk_card_limit=settings.kiosk_card_limit,
            # A Sentinel or a cluster is asked from threads, by limits' own clients for them.
            redis_url=settings.redis_url
            if settings.redis_url and settings.redis_url.startswith(LOOP_SCHEMES)
            else None,
        )

    @property
    def in_memory(self) -> bool:
        """True when counting costs no I/O (the async routes may then call it directly)."""
        return isinstance(self.store, MemoryStorage)

    def take_card(self, *, code_token: str, client: str, kiosk_id: int | None = None) -> Verdict:
        """Count a card from `client` to a code: refused past the burst limit (and counted as
        refused for the owner), or accepted, with alerts unless the code is past its ceiling.
        A kiosk's cards all come from one address, legitimately: they are counted against the
        kiosk's own budget (TELLUS_KIOSK_CARD_LIMIT) instead of the address's."""
        limits, window = self._window(code_token, client, kiosk_id)
        try:
            refused = [item for item in limits if not self.strategy.hit(item, *window)]
            if refused:
                return self._refuse(code_token, refused, window)
            alerts = all(self.strategy.hit(item, "code", code_token) for item in self.ceilings)
        except Exception as error:  # noqa: BLE001 — whatever the store raised, the card goes in
            self.failed(error)
            return ACCEPTED
        return Verdict(allowed=True, alerts=alerts)

    async def take_card_on_loop(
        self, *, code_token: str, client: str, kiosk_id: int | None = None
    ) -> Verdict:
        """`take_card`, counted in Redis from the running event loop in one round trip, a
        refusal's count and Retry-After too (in a flood, most cards are refused)."""
        limits, window = self._window(code_token, client, kiosk_id)
        try:
            counted = await self._loop_counts().take_card(
                limits=limits,
                window=window,
                ceilings=self.ceilings,
                code_token=code_token,
                refused_key=self._refused_key(code_token),
                refused_expiry=REFUSED_KEEP_SECONDS,
            )
        except Exception as error:  # noqa: BLE001 — whatever the store raised, the card goes in
            self.failed(error)
            return ACCEPTED
        return Verdict(
            allowed=counted.allowed, retry_after=counted.retry_after, alerts=counted.alerts
        )

    @property
    def counts_on_loop(self) -> bool:
        """True when a card's counts are asked from the event loop (its store is Redis)."""
        return self.redis_url is not None

    def _loop_counts(self) -> LoopCounts:
        loop = asyncio.get_running_loop()
        counts = self._on_loop.get(loop)
        if counts is None:
            assert self.redis_url is not None
            counts = self._on_loop[loop] = LoopCounts.open(
                self.redis_url,
                key_prefix=KEY_PREFIX,
                connections=LOOP_CONNECTIONS,
                timeout=STORE_TIMEOUT_SECONDS,
            )
        return counts

    async def close_on_loop(self) -> None:
        """Close the running loop's connections to Redis (when the app stops)."""
        counts = self._on_loop.pop(asyncio.get_running_loop(), None)
        if counts is not None:
            await counts.close()

    def _window(
        self, code_token: str, client: str, kiosk_id: int | None
    ) -> tuple[list[RateLimitItem], tuple[str, ...]]:
        """The limits a card is counted against, and the window they count it in."""
        if kiosk_id is not None:
            return self.kiosk_limits, ("kiosk", str(kiosk_id))
        return self.card_limits, ("card", code_token, client)

    def _refuse(
        self, code_token: str, refused: list[RateLimitItem], window: tuple[str, ...]
    ) -> Verdict:
        """A refusal: counted for the owner, with when to send again."""
        self._count_refused(code_token)
        return Verdict(allowed=False, retry_after=self._retry_after(refused, window))

    def refused_today(self, code_tokens: list[str]) -> dict[str, int]:
        """Each code's submissions refused since midnight UTC (0 when the store fails)."""
        day = utc_day()
        counts: dict[str, int] = {}
        for token in code_tokens:
            try:
                counts[token] = int(self.store.get(f"refused/{token}/{day}"))
            except Exception as error:  # noqa: BLE001
                self.failed(error)
                counts[token] = 0
        return counts

    def _count_refused(self, code_token: str) -> None:
        self.store.incr(self._refused_key(code_token), REFUSED_KEEP_SECONDS)

    @staticmethod
    def _refused_key(code_token: str) -> str:
        return f"refused/{code_token}/{utc_day()}"

    def _retry_after(self, refused: list[RateLimitItem], window: tuple[str, ...]) -> int:
        """Whole seconds until the strictest refusing limit frees a place (at least 1)."""
        resets = [self.strategy.get_window_stats(item, *window).reset_time for item in refused]
        return seconds_until(max(resets))

    def resting(self) -> bool:
        """Whether the store failed a moment ago: cards then go in without asking it again, so
        that none waits behind the counts still stuck on it."""
        return time.monotonic() < self._resting_until

    def failed(self, error: Exception) -> None:
        """The store failed: rest it a few seconds, and say so (at most once a minute)."""
        with self._log_lock:
            now = time.monotonic()
            self._resting_until = now + STORE_REST_SECONDS
            if now - self._last_logged < LOG_EVERY_SECONDS:
                return
            self._last_logged = now
        log.error(
            "The card limiter's store failed (%s: %s); cards are accepted without limits "
            "until it answers again.",
            type(error).__name__,
            error,
        )


def utc_day() -> str:
    """Today's date in UTC, as refusals are counted: written out once a day, not once a card."""
    return _day_named(int(time.time() // 86400))


@lru_cache(maxsize=2)
def _day_named(days_since_epoch: int) -> str:
    return datetime.fromtimestamp(days_since_epoch * 86400, UTC).strftime("%Y-%m-%d")


async def take_card(
    limiter: CardLimiter, *, code_token: str, request: Request, kiosk_id: int | None = None
) -> Verdict:
    """`limiter.take_card` for this request's client (or kiosk): at once from memory, from the
    event loop for Redis, from a thread for the database."""
    client = request_client(request)
    if limiter.in_memory:
        return limiter.take_card(code_token=code_token, client=client, kiosk_id=kiosk_id)
    if limiter.resting():
        return ACCEPTED
    counting: Awaitable[Verdict]
    if limiter.counts_on_loop:
        counting = limiter.take_card_on_loop(
            code_token=code_token, client=client, kiosk_id=kiosk_id
        )
    else:
        count = partial(limiter.take_card, code_token=code_token, client=client, kiosk_id=kiosk_id)
        counting = asyncio.get_running_loop().run_in_executor(STORE_THREADS, count)
    try:
        return await asyncio.wait_for(counting, STORE_TIMEOUT_SECONDS)
    except TimeoutError:  # the count still waiting is dropped with it
        limiter.failed(TimeoutError(f"no answer within {STORE_TIMEOUT_SECONDS} s"))
        return ACCEPTED
