"""Deleted text leaves the database file, not only the tables.

SQLite runs with `secure_delete` on (api.db), which overwrites deleted rows with zeros; the
full-text index keeps deleted words in its segments until they are merged, and the write-ahead
log keeps old pages until a checkpoint, so both are cleared after a deletion. PostgreSQL keeps a
deleted row's old version until (auto)vacuum reuses its space: see the README's Retention section.

A request waits only briefly for readers before it cuts the log; when they keep it, the cut is
owed, and the retention job's next pass waits longer for it. A pass with nothing owed only tries,
waiting for nobody: a cut that waits for readers also holds off every writer, cards included.
"""

import sqlite3
from typing import cast

from sqlalchemy import Engine, text

from api.db import SQLITE_BUSY_TIMEOUT_MS, writer

# How long a request waits for readers before the log is cut: an open stream must not hold a
# customer's erasure up. What is left is cut by the retention job's next pass, which waits longer.
REQUEST_WAIT_MS = 200
JOB_WAIT_MS = 2_000


# The databases (by URL) whose log a request could not cut in this process.
_owed: set[str] = set()


def clear_deleted_text(engine: Engine, *, wait_ms: int = REQUEST_WAIT_MS) -> None:
    """On SQLite: merge the full-text index and empty the write-ahead log; else nothing."""
    if engine.dialect.name != "sqlite":
        return
    merge_search_index(engine)
    if not cut_write_ahead_log(engine, wait_ms=wait_ms):
        _owed.add(str(engine.url))


def cut_owed(engine: Engine) -> bool:
    """Whether a request of this process left deleted text in this database's log."""
    return str(engine.url) in _owed


def merge_search_index(engine: Engine) -> None:
    """Rewrite the full-text index without the deleted cards' words (SQLite's only)."""
    if engine.dialect.name != "sqlite":
        return
    with writer(engine).begin() as connection:
        if connection.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE name = 'card_fts'"
        ).first():
            connection.execute(text("INSERT INTO card_fts(card_fts) VALUES ('optimize')"))


def cut_write_ahead_log(engine: Engine, *, wait_ms: int) -> bool:
    """Copy the log into the database file and cut it to zero bytes, if readers allow; whether
    it was cut (always true on PostgreSQL, which has no such log)."""
    if engine.dialect.name != "sqlite":
        return True
    raw = engine.raw_connection()
    try:
        # Outside any transaction (the driver connection runs in autocommit): TRUNCATE waits for
        # readers up to the busy timeout, then does what it can.
        connection = cast(sqlite3.Connection, raw.driver_connection)
        connection.execute(f"PRAGMA busy_timeout={int(wait_ms)}")
        try:
            # (busy, frames in the log, frames copied): busy when a reader kept the log.
            busy, _, _ = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            connection.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    finally:
        raw.close()
    if busy:
        return False
    _owed.discard(str(engine.url))
    return True
