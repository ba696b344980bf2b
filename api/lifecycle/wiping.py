"""Deleted text leaves the database file, not only the tables.

SQLite runs with `secure_delete` on (api.db), which overwrites deleted rows with zeros; the
full-text index keeps deleted words in its segments until they are merged, and the write-ahead
log keeps old pages until a checkpoint, so both are cleared after a deletion. PostgreSQL keeps a
deleted row's old version until (auto)vacuum reuses its space: see the README's Retention section.

A request waits only briefly for readers before it cuts the log; when they keep it, the cut is
owed (a file beside the database says so), and the retention job's next pass, in whichever
process it runs, waits longer for it. A pass with nothing owed only tries, waiting for nobody:
a cut that waits for readers also holds off every writer, cards included.
"""

import contextlib
import sqlite3
from pathlib import Path
from typing import cast

from sqlalchemy import Engine, text

from api.db import SQLITE_BUSY_TIMEOUT_MS, writer

# How long a request waits for readers before the log is cut: an open stream must not hold a
# customer's erasure up. What is left is cut by the retention job's next pass, which waits longer.
REQUEST_WAIT_MS = 200
JOB_WAIT_MS = 2_000


def clear_deleted_text(engine: Engine, *, wait_ms: int = REQUEST_WAIT_MS) -> None:
    """On SQLite: merge the full-text index and empty the write-ahead log; else nothing."""
    if engine.dialect.name != "sqlite":
        return
    merge_search_index(engine)
    cut_write_ahead_log(engine, wait_ms=wait_ms)


def cut_owed(engine: Engine) -> bool:
    """Whether a cut of this database's log was kept from happening since the last one that
    happened: by any process (the web server, `tellus worker`), before a restart too."""
    marker = _owed_marker(engine)
    return marker is not None and marker.exists()


def _owed_marker(engine: Engine) -> Path | None:
    """A file beside the database, as SQLite's own `-wal` and `-shm` are: there while a cut is
    owed."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    return Path(f"{database}-cut-owed")


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
    marker = _owed_marker(engine)
    # A marker that cannot be written (a full disk) must not fail an erasure already committed:
    # the next pass then only tries, as when nothing is owed.
    with contextlib.suppress(OSError):
        if busy and marker is not None:
            marker.touch()
        elif marker is not None:
            marker.unlink(missing_ok=True)
    return not busy
