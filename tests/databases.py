"""The tests' databases: PostgreSQL's made and migrated once per test process, emptied per test;
and snapshots, which put a database's rows back into an emptied one.

Emptying deletes the rows and restarts the ids. A test leaves a few rows in a few tables, and
DELETE clears them in milliseconds, where TRUNCATE of every table took half a second per test: it
swaps each table's and index's files, whether the table held anything or not.
"""

import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any, Generic, TypeVar

import pytest
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

import api.models  # noqa: F401  (registers every table on SQLModel.metadata)
from api.db import migrate

POSTGRES_ADMIN_URL = os.environ.get(
    "TELLUS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
# Children before parents, so that no foreign key is left pointing at a deleted row.
_DELETE_ROWS = "; ".join(
    f'DELETE FROM "{table.name}"' for table in reversed(SQLModel.metadata.sorted_tables)
)
# As TRUNCATE's RESTART IDENTITY: the next id of every table is 1 again.
_RESTART_IDS = (
    "SELECT setval(c.oid, 1, false) FROM pg_class c"
    " JOIN pg_namespace n ON n.oid = c.relnamespace"
    " WHERE c.relkind = 'S' AND n.nspname = current_schema()"
)


@contextmanager
def migrated_postgres_database(name: str) -> Iterator[str]:
    """A new PostgreSQL database migrated to head, its URL; dropped at the end. Skips the test
    (a failure under CI=true) when PostgreSQL is not reachable."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
            # A test's commit need not wait for the disk: the database is thrown away anyway.
            connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    except Exception as error:  # noqa: BLE001
        admin.dispose()
        pytest.skip(
            f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL} ({type(error).__name__}); "
            "start it (see README, 'Running the tests') or set TELLUS_TEST_POSTGRES_URL"
        )
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        migrate(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def new_postgres_database(name: str) -> Iterator[str]:
    """A new, empty PostgreSQL database (no schema), its URL; dropped at the end."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def empty_postgres(engine: Engine) -> None:
    """Every table emptied and every id restarted, the schema and its migration kept."""
    with engine.begin() as connection:
        connection.exec_driver_sql(f"{_DELETE_ROWS}; {_RESTART_IDS}")


def replace_sqlite_file(source: Path, path: Path) -> None:
    """A copy of `source` at `path`, with no journal of the old file left beside it. A new file,
    not the old one overwritten: a connection a test left open can't see it."""
    fresh = path.with_name(f"{path.name}.new")
    shutil.copyfile(source, fresh)
    for leftover in ("-wal", "-shm", "-cut-owed"):
        Path(f"{path}{leftover}").unlink(missing_ok=True)
    os.replace(fresh, path)


@dataclass(frozen=True)
class Snapshot:
    """A test database's contents, to be put back at the same address once it is emptied: a
    copy of the SQLite file, or PostgreSQL's rows (parents first) and its sequences' values."""

    sqlite_file: Path | None = None
    rows: tuple[tuple[str, list[dict[str, Any]]], ...] = ()
    sequences: tuple[tuple[str, int], ...] = ()


_SET_SEQUENCE = text("SELECT setval(:sequence, :value)")
_SEQUENCES = text(
    "SELECT sequencename, last_value FROM pg_sequences"
    " WHERE schemaname = current_schema() AND last_value IS NOT NULL"
)


def take_snapshot(engine: Engine, folder: Path) -> Snapshot:
    """What the database holds now (its committed rows)."""
    if engine.dialect.name == "sqlite":
        descriptor, name = tempfile.mkstemp(prefix="snapshot-", suffix=".db", dir=folder)
        os.close(descriptor)
        path = Path(name)
        with (
            closing(sqlite3.connect(str(engine.url.database))) as source,
            closing(sqlite3.connect(path)) as target,
        ):
            source.backup(target)
        return Snapshot(sqlite_file=path)
    with engine.connect() as connection:
        rows = tuple(
            (table.name, [dict(row._mapping) for row in connection.execute(table.select())])
            for table in SQLModel.metadata.sorted_tables
        )
        sequences = tuple((name, value) for name, value in connection.execute(_SEQUENCES))
    return Snapshot(rows=rows, sequences=sequences)


def restore_snapshot(request: pytest.FixtureRequest, url: str, snapshot: Snapshot) -> None:
    """Put a snapshot back into the emptied test database at `url` (the conftest's
    `database_url`), before the test's app starts."""
    if snapshot.sqlite_file is not None:
        replace_sqlite_file(snapshot.sqlite_file, Path(str(make_url(url).database)))
        return
    engine: Engine = request.getfixturevalue("postgres_engine")
    tables = SQLModel.metadata.tables
    with engine.begin() as connection:
        for name, rows in snapshot.rows:
            if rows:
                connection.execute(tables[name].insert(), rows)
        for sequence, value in snapshot.sequences:
            connection.execute(_SET_SEQUENCE, {"sequence": sequence, "value": value})


Start = TypeVar("Start")


class Starts(Generic[Start]):
    """A module's starting point on each engine (organisations made, people signed in): made by
    the first test that asks for it, with a snapshot of the database as it left it, and put back
    from that snapshot for each later test, for a fraction of the time making it again takes."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._made: dict[str, tuple[Start, Snapshot]] = {}

    def put_back(self, request: pytest.FixtureRequest, url: str) -> None:
        """The snapshot back in the emptied database at `url`, if one was taken on its engine:
        before the test's app starts, which reads its secret key from the database."""
        made = self._made.get(make_url(url).get_backend_name())
        if made is not None:
            restore_snapshot(request, url, made[1])

    def get(self, engine: Engine, make: Callable[[], Start]) -> Start:
        """The start on this engine: made now, or as put back."""
        name = engine.dialect.name
        if name not in self._made:
            start = make()
            self._made[name] = (start, take_snapshot(engine, self.folder))
        return self._made[name][0]


@contextmanager
def round_trips_to_postgres(engine: Engine) -> Iterator[list[int]]:
    """How many times the engine's connections wait for PostgreSQL's answers in the block: its
    one number, known when the block ends. libpq writes each protocol message it sends (F) or
    receives (B) to a trace; a round trip is the client sending, then the server answering."""
    traces: list[Any] = []

    def trace(dbapi_connection: Any, *_: Any) -> None:
        log = tempfile.TemporaryFile("w+")
        dbapi_connection.pgconn.trace(log.fileno())
        traces.append((dbapi_connection, log))

    counted: list[int] = []
    event.listen(engine, "checkout", trace)
    try:
        yield counted
    finally:
        event.remove(engine, "checkout", trace)
    trips = 0
    for dbapi_connection, log in traces:
        dbapi_connection.pgconn.untrace()
        log.seek(0)
        sides = [line.split("\t")[1] for line in log if line.count("\t") >= 3]
        trips += sum(1 for pair in pairwise(sides) if pair == ("F", "B"))
        log.close()
    counted.append(trips)
