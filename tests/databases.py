"""The tests' PostgreSQL databases: made and migrated once per test process, emptied per test.

Emptying deletes the rows and restarts the ids. A test leaves a few rows in a few tables, and
DELETE clears them in milliseconds, where TRUNCATE of every table took half a second per test: it
swaps each table's and index's files, whether the table held anything or not.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, create_engine, text
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
