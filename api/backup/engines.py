"""Each engine's own tools for a consistent copy and its restore: SQLite's online backup API,
PostgreSQL's pg_dump and pg_restore. Both copy while the app writes: SQLite's backup reads one
snapshot (WAL readers never block writers), pg_dump one transaction's."""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import Engine, inspect, make_url, text

from api.backup.archive import BackupError

PG_TOOLS = ("pg_dump", "pg_restore")


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return Path(database)


def snapshot_sqlite(*, url: str, into: Path) -> None:
    """A consistent copy of the live database file, WAL included, taken while others write."""
    source = sqlite3.connect(f"file:{sqlite_path(url)}?mode=ro", uri=True, timeout=30)
    target = sqlite3.connect(into)
    try:
        with target:
            source.backup(target)
    finally:
        target.close()
        source.close()


def restore_sqlite(*, payload: Path, url: str) -> None:
    """Replace the target database's content with the payload's, through the backup API (the
    target's own WAL and journal stay consistent)."""
    path = sqlite_path(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{payload}?mode=ro", uri=True)
    target = sqlite3.connect(path, timeout=30)
    try:
        target.execute("PRAGMA journal_mode=WAL")
        with target:
            source.backup(target)
    finally:
        target.close()
        source.close()


def _pg_environment(url: str) -> tuple[list[str], dict[str, str]]:
    """libpq's connection options for the tools, the password in the environment, not argv."""
    for tool in PG_TOOLS:
        if shutil.which(tool) is None:
            raise BackupError(
                f"{tool} is not installed: install PostgreSQL's client tools "
                "(Debian: apt-get install postgresql-client) of the server's major version."
            )
    parsed = make_url(url)
    environment = dict(os.environ)
    if parsed.password:
        environment["PGPASSWORD"] = parsed.password
    options = [f"--dbname={parsed.database or ''}"]
    if parsed.host:
        options.append(f"--host={parsed.host}")
    if parsed.port:
        options.append(f"--port={parsed.port}")
    if parsed.username:
        options.append(f"--username={parsed.username}")
    return options, environment


def dump_postgres(*, url: str, into: Path) -> None:
    """pg_dump's custom format: one consistent snapshot, compressed, restorable by pg_restore."""
    options, environment = _pg_environment(url)
    _run(["pg_dump", "--format=custom", "--no-owner", f"--file={into}", *options], environment)


def restore_postgres(*, payload: Path, url: str, engine: Engine) -> None:
    """Drop what the database holds, then pg_restore the dump into it, stopping at any error."""
    options, environment = _pg_environment(url)
    with engine.begin() as connection:
        for table in inspect(connection).get_table_names():
            connection.execute(text(f'DROP TABLE IF EXISTS "{table}" CASCADE'))
        # Not a table, and the dump makes it again (the unaccent extension it uses stays).
        connection.execute(text("DROP TEXT SEARCH CONFIGURATION IF EXISTS tellus_search"))
    _run(
        ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", *options, str(payload)],
        environment,
    )


def _run(command: list[str], environment: dict[str, str]) -> None:
    done = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        reason = (done.stderr or done.stdout).strip().splitlines()
        raise BackupError(f"{command[0]} failed: {reason[-1] if reason else done.returncode}")


def check_sqlite(engine: Engine) -> list[str]:
    """What is wrong with a restored SQLite database: its pages, its foreign keys, its search."""
    problems = []
    with engine.connect() as connection:
        verdict = connection.exec_driver_sql("PRAGMA integrity_check").scalar()
        if verdict != "ok":
            problems.append(f"integrity check: {verdict}")
        if connection.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
            problems.append("a row points at a row that does not exist (foreign key check)")
        try:
            # Raises when the full-text index and the cards it indexes disagree.
            connection.exec_driver_sql("INSERT INTO card_fts(card_fts) VALUES ('integrity-check')")
        except Exception as error:  # noqa: BLE001 (the message is the finding)
            problems.append(f"the search index does not match the cards: {error}")
        connection.rollback()
    return problems
