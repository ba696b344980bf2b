"""Deleted text leaves the database file, not only the tables.

SQLite runs with `secure_delete` on (api.db), which overwrites deleted rows with zeros; the
full-text index keeps deleted words in its segments until they are merged, and the write-ahead
log keeps old pages until a checkpoint, so both are cleared after a deletion. PostgreSQL keeps a
deleted row's old version until (auto)vacuum reuses its space: see the README's Retention section.
"""

from sqlalchemy import Engine, text

from api.db import writer


def clear_deleted_text(engine: Engine) -> None:
    """On SQLite: merge the full-text index and empty the write-ahead log; else nothing."""
    if engine.dialect.name != "sqlite":
        return
    with writer(engine).begin() as connection:
        if connection.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE name = 'card_fts'"
        ).first():
            connection.execute(text("INSERT INTO card_fts(card_fts) VALUES ('optimize')"))
    raw = engine.raw_connection()
    try:
        # Outside any transaction (the driver connection runs in autocommit): TRUNCATE waits for
        # readers, copies the log into the database file and cuts the log to zero bytes.
        raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
    finally:
        raw.close()
