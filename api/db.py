"""The database engine: SQLite tuned for durability and concurrent writers, or PostgreSQL."""

import logging
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, or_, update
from sqlalchemy.engine import make_url

from api.db_direct import execute

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000


# Made by the migrations' own SQL, not the models: FTS5's virtual table and its shadow tables on
# SQLite, the full-text GIN index on PostgreSQL. Schema comparisons leave them out.
SEARCH_OBJECTS = frozenset(
    {
        "card_fts",
        "card_fts_data",
        "card_fts_idx",
        "card_fts_docsize",
        "card_fts_config",
        "card_fts_content",
        "ix_card_comment_search",
    }
)


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's filter for schema comparisons: everything but SEARCH_OBJECTS."""
    return name not in SEARCH_OBJECTS


class DatabaseNotMigrated(RuntimeError):
    """The schema is older than the code: the operator must run the migrations."""


class HideRows(logging.Filter):
    """Drop the rows SQLAlchemy logs at DEBUG: they hold cards and contact details."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.msg != "Row %r"


def hide_personal_data_from_sql_logs() -> None:
    """Once per process: SQL may be logged at any level, never its parameters nor its rows
    (parameters are hidden by each engine's hide_parameters)."""
    logger = logging.getLogger("sqlalchemy.engine.Engine")
    if not any(isinstance(existing, HideRows) for existing in logger.filters):
        logger.addFilter(HideRows())


def create_db_engine(url: str, *, ping: bool = True, name: str | None = None) -> Engine:
    """Open an engine; SQLite gets WAL and synchronous=FULL: a stored card survives a crash.
    On PostgreSQL a connection is pinged as it leaves the pool, unless `ping` is False for a
    caller that retries what a dropped connection failed (the pool then replaces them all);
    `name` is the connections' application_name, which pg_stat_activity shows."""
    hide_personal_data_from_sql_logs()
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(
            url,
            pool_pre_ping=ping,
            pool_size=10,
            max_overflow=10,
            hide_parameters=True,
            connect_args={"application_name": name} if name else {},
        )
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True
    )
    event.listen(engine, "connect", _configure_sqlite)
    event.listen(engine, "begin", _begin)
    return engine


def writer(engine: Engine) -> Engine:
    """The same engine for a transaction that will write: on SQLite it takes the lock first."""
    return engine.execution_options(sqlite_immediate=True)


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # SQLAlchemy must not issue its own BEGIN: _begin_immediate does it.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Deleted rows are overwritten with zeros: erased text leaves the file (api.lifecycle.wiping).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _begin(connection: Any) -> None:
    # A deferred transaction that reads, then writes, can fail at once with "database is locked"
    # whatever the busy timeout; a writer takes the lock up front and queues instead. Readers
    # stay deferred so that, with WAL, they never wait for anyone.
    # On the driver's cursor: SQLAlchemy's execution would cost the card writer more than
    # SQLite takes to begin (api.db_direct).
    immediate = connection.get_execution_options().get("sqlite_immediate")
    execute(connection, "BEGIN IMMEDIATE" if immediate else "BEGIN")


# Alembic is imported by the functions that use it: most `tellus` commands open the database
# without migrating it, and would otherwise pay a fifth of a second to import it.
def alembic_config(url: str) -> "Config":
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(url: str, revision: str = "head") -> None:
    """Bring the schema up to the given revision."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


@cache
def code_head() -> str | None:
    """The revision the code's migrations end at (read once: they do not change while it runs)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def assert_migrated(engine: Engine) -> None:
    """Refuse to run against a schema that does not match the code."""
    from alembic.runtime.migration import MigrationContext

    head = code_head()
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    if current != head:
        raise DatabaseNotMigrated(
            f"The database is not migrated (at {current or 'an empty schema'}, code needs {head}). "
            "Run `tellus migrate` first."
        )


def record_last_use(
    *, engine: Engine, column: Any, row_id: int | None, last: datetime | None, precision: timedelta
) -> None:
    """Set one row's "last used" `column` (ApiKey.last_used_at…) to now, at most once per
    `precision`, in its own short write: a time for an owner deciding which keys or tablets are
    dead is worth no write on every request."""
    now = datetime.now(UTC)
    stale = now - precision
    if last is not None and last > stale:
        return
    model = column.class_
    with writer(engine).connect() as connection:
        connection.execute(
            update(model)
            .where(model.id == row_id)
            .where(or_(column.is_(None), column < stale))
            .values({column.key: now})
        )
        connection.commit()
