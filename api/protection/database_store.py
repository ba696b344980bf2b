"""A `limits` store in the app's own database: the card limits shared by every process on
PostgreSQL without a Redis, each count one short transaction.

A moving window is the rows of its key younger than the window. Taking a place locks the key
(a transaction-scoped advisory lock on PostgreSQL; SQLite's writers take the one write lock up
front), counts the key's rows in the window, and adds one if there is room: two processes never
both take the last place. Rows older than the longest window are swept once a minute. The
tables are UNLOGGED on PostgreSQL, so a count commits without waiting for the disk.
"""

import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from threading import Lock

from limits.storage import MovingWindowSupport, Storage
from sqlalchemy import Engine, delete, func, insert, text
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session, col, select

from api.db import writer
from api.models import RateLimitCounter, RateLimitEntry

SWEEP_EVERY_SECONDS = 60.0


class DatabaseStorage(Storage, MovingWindowSupport):
    """Moving windows and expiring counters in the rate_limit_* tables."""

    STORAGE_SCHEME = ["tellus+database"]

    def __init__(self, engine: Engine, *, longest_window_seconds: float) -> None:
        super().__init__(wrap_exceptions=True)
        self.engine = engine
        self.postgresql = engine.dialect.name == "postgresql"
        self.longest_window_seconds = longest_window_seconds
        self._last_sweep = time.monotonic()
        self._sweep_lock = Lock()

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    @contextmanager
    def _writing(self, key: str) -> Iterator[Session]:
        """A write transaction holding the key's lock. On PostgreSQL a transaction that wrote
        only UNLOGGED tables writes no WAL, so its commit waits for no disk."""
        with Session(writer(self.engine)) as session:
            if self.postgresql:
                session.execute(
                    text("SELECT pg_advisory_xact_lock(:lock)"),
                    {"lock": zlib.crc32(f"tellus-limit:{key}".encode()) - 2**31},
                )
            yield session

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        if amount > limit:
            return False
        self._sweep_now_and_then()
        now = time.time()
        with self._writing(key) as session:
            # Counted after the lock, so under it: nobody else can count or add meanwhile.
            taken = session.scalar(
                select(func.count())
                .select_from(RateLimitEntry)
                .where(RateLimitEntry.key == key)
                .where(col(RateLimitEntry.at) > now - expiry)
            )
            if (taken or 0) + amount > limit:
                return False
            session.execute(insert(RateLimitEntry), [{"key": key, "at": now}] * amount)
            session.commit()
        return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        now = time.time()
        with Session(self.engine) as session:
            oldest, taken = session.exec(
                select(func.min(RateLimitEntry.at), func.count())
                .where(RateLimitEntry.key == key)
                .where(col(RateLimitEntry.at) > now - expiry)
            ).one()
        return (oldest if oldest is not None else now), int(taken)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        for _ in range(2):  # a second try when another process made the row meanwhile
            try:
                with self._writing(key) as session:
                    row = session.get(RateLimitCounter, key)
                    if row is None or row.expires_at <= now:
                        row = row or RateLimitCounter(key=key, expires_at=now + expiry)
                        row.value, row.expires_at = 0, now + expiry
                    row.value += amount
                    value = row.value
                    session.add(row)
                    session.commit()
                    return value
            except IntegrityError:
                continue
        return 0

    def get(self, key: str) -> int:
        with Session(self.engine) as session:
            row = session.get(RateLimitCounter, key)
        return row.value if row is not None and row.expires_at > time.time() else 0

    def get_expiry(self, key: str) -> float:
        with Session(self.engine) as session:
            row = session.get(RateLimitCounter, key)
        return row.expires_at if row is not None else time.time()

    def check(self) -> bool:
        try:
            with Session(self.engine) as session:
                session.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with Session(writer(self.engine)) as session:
            session.execute(delete(RateLimitEntry))
            session.execute(delete(RateLimitCounter))
            session.commit()
        return None

    def clear(self, key: str) -> None:
        with Session(writer(self.engine)) as session:
            session.execute(delete(RateLimitEntry).where(col(RateLimitEntry.key) == key))
            session.execute(delete(RateLimitCounter).where(col(RateLimitCounter.key) == key))
            session.commit()

    def _sweep_now_and_then(self) -> None:
        """Drop what no window can count any more: rows of keys nobody sends on again."""
        with self._sweep_lock:
            if time.monotonic() - self._last_sweep < SWEEP_EVERY_SECONDS:
                return
            self._last_sweep = time.monotonic()
        now = time.time()
        with Session(writer(self.engine)) as session:
            session.execute(
                delete(RateLimitEntry).where(
                    col(RateLimitEntry.at) <= now - self.longest_window_seconds
                )
            )
            session.execute(delete(RateLimitCounter).where(col(RateLimitCounter.expires_at) <= now))
            session.commit()
