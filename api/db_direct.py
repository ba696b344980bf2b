"""Statements built once, run on the driver's own cursor: the card writer's and SQLite's BEGIN.

SQLAlchemy still writes each statement's SQL, once per dialect and set of columns; running it
then skips SQLAlchemy's execution (its events, its parameter handling, its results), which cost
the card writer (api.customer.cards) more than the database took to run a card's statements
(bench/README.md). What SQLAlchemy would have done is done here too: each column's default and its
type's conversion of the values given (times, booleans, JSON), and a driver's error raised as
SQLAlchemy's (an IntegrityError is still an IntegrityError, a dropped connection is invalidated).

What comes back is what the driver gives, with no type's conversion: read only columns of text
and numbers through `fetch_all`. Each statement's SQL is kept: pass statements built once, not
one built for each call.

On PostgreSQL, statements in a `pipeline` travel together, and an `own_transaction` lets its
BEGIN and COMMIT travel with them: each round trip wakes both processes, and the card writer's
group of one card takes two round trips instead of nine (bench/README.md)."""

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler


@dataclass(frozen=True)
class _Written:
    """A statement's SQL for one dialect and one set of columns, and how to pass it values."""

    sql: str
    names: tuple[str, ...]  # the parameters, in the order a positional driver takes them
    positional: bool
    defaults: dict[str, Any]  # columns left out of the rows, and the value each gets
    conversions: Mapping[str, Callable[[Any], Any]]


@lru_cache(maxsize=256)
def _written(statement: ClauseElement, dialect: Dialect, columns: tuple[str, ...]) -> _Written:
    # Written for many rows: with no RETURNING, which a single INSERT on PostgreSQL would get.
    compiled = cast(
        SQLCompiler,
        statement.compile(dialect=dialect, column_keys=list(columns), for_executemany=True),
    )
    defaults = {}
    for column in compiled.insert_prefetch:
        default = column.default
        if default is None or not default.is_scalar:
            raise ValueError(f"{column} has a default that is not a value: give it in every row")
        defaults[column.key] = default.arg  # type: ignore[attr-defined]
    names = tuple(compiled.positiontup or compiled.binds)
    conversions = {}
    for name in names:
        convert = compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
        if convert is not None:
            conversions[name] = convert
    return _Written(compiled.string, names, compiled.positional, defaults, conversions)


def execute_many(
    connection: Connection, statement: ClauseElement, rows: Sequence[Mapping[str, Any]]
) -> None:
    """Run an INSERT (or an upsert) once for each row; every row names the same columns."""
    if not rows:
        return
    written = _written(statement, connection.dialect, tuple(rows[0]))
    values: list[Any] = [{**written.defaults, **row} for row in rows]
    for name, convert in written.conversions.items():
        for row in values:
            row[name] = convert(row[name])
    if written.positional:
        values = list(map(itemgetter(*written.names), values))
        if len(written.names) == 1:
            values = [(value,) for value in values]
    with _cursor(connection, written.sql) as cursor:
        cursor.executemany(written.sql, values)


def fetch_all(
    connection: Connection, statement: ClauseElement, parameters: Mapping[str, Any] | None = None
) -> list[tuple[Any, ...]]:
    """A query's rows as the driver gives them; a list for an expanding IN is spread out."""
    [rows] = fetch_each(connection, [(statement, parameters)])
    return rows


def fetch_each(
    connection: Connection, queries: Sequence[tuple[ClauseElement, Mapping[str, Any] | None]]
) -> list[list[tuple[Any, ...]]]:
    """Each query's rows, as `fetch_all` gives them: on PostgreSQL, in one round trip for them
    all."""
    return _fetch(connection, queries, begin=False)


def _fetch(
    connection: Connection,
    queries: Sequence[tuple[ClauseElement, Mapping[str, Any] | None]],
    *,
    begin: bool,
) -> list[list[tuple[Any, ...]]]:
    """`fetch_each`, after a BEGIN sent with the queries if `begin` (PostgreSQL only)."""
    prepared = [_prepared(connection, statement, parameters) for statement, parameters in queries]
    together = connection.dialect.name == "postgresql" and (begin or len(prepared) > 1)
    cursors: list[Any] = []
    sql = ""
    try:
        with pipeline(connection) if together else nullcontext():
            if begin:
                execute(connection, "BEGIN")
            for sql, given in prepared:
                cursors.append(connection.connection.cursor())
                cursors[-1].execute(sql, given)
        # A pipeline's end waited for every answer: the rows are here.
        answers = []
        for index, cursor in enumerate(cursors):
            sql = prepared[index][0]  # the statement an error names
            answers.append([tuple(row) for row in cursor.fetchall()])
        return answers
    except connection.dialect.loaded_dbapi.Error as error:
        raise _translated(connection, sql, None, error) from error
    finally:
        if not connection.invalidated:
            for cursor in cursors:
                cursor.close()


def _prepared(
    connection: Connection, statement: ClauseElement, parameters: Mapping[str, Any] | None
) -> tuple[str, Any]:
    """A query's SQL and the values the driver takes with it."""
    parameters = parameters or {}
    shape = tuple(
        (name, len(value) if isinstance(value, list) else None)
        for name, value in sorted(parameters.items())
    )
    query = _query(statement, connection.dialect, shape)
    given: Any = [_value(parameters, name, index) for name, index in query.order]
    if not query.positional:
        given = dict(zip(query.names, given, strict=True))
    return query.sql, given


@dataclass(frozen=True)
class _Query:
    """A query's SQL for one dialect and one length of each list, and where each value goes."""

    sql: str
    positional: bool
    names: tuple[str, ...]  # the parameters of the SQL
    order: tuple[tuple[str, int | None], ...]  # each one's parameter given, and index in a list


@lru_cache(maxsize=1024)
def _query(
    statement: ClauseElement, dialect: Dialect, shape: tuple[tuple[str, int | None], ...]
) -> _Query:
    compiled = cast(SQLCompiler, statement.compile(dialect=dialect))
    for bind in compiled.binds.values():
        if bind.type.dialect_impl(dialect).bind_processor(dialect) is not None:
            raise ValueError(
                f"{bind.key} needs its type's conversion: run the query through SQLAlchemy"
            )
    # Each parameter given as a marker of where it came from, spread out by SQLAlchemy.
    markers = {
        name: (name, None) if length is None else [(name, index) for index in range(length)]
        for name, length in shape
    }
    state = compiled.construct_expanded_state(markers)
    names = tuple(state.positiontup or state.parameters)
    order = tuple(state.parameters[name] for name in names)
    return _Query(state.statement, compiled.positional, names, order)


def _value(parameters: Mapping[str, Any], name: str, index: int | None) -> Any:
    return parameters[name] if index is None else parameters[name][index]


def execute(
    connection: Connection,
    statement: ClauseElement | str,
    parameters: Mapping[str, Any] | None = None,
) -> None:
    """A statement whose answer nobody reads: SQL alone (a BEGIN), or a query built once. In a
    `pipeline`, it is sent with the others and not waited for."""
    if isinstance(statement, str):
        sql, given = statement, ()
    else:
        sql, given = _prepared(connection, statement, parameters)
    with _cursor(connection, sql) as cursor:
        cursor.execute(sql, given)


@contextmanager
def pipeline(connection: Connection) -> Iterator[None]:
    """On PostgreSQL, the statements run in the block go to the server together, and their
    answers come back together: one round trip instead of one each (psycopg's pipeline mode).
    A query's rows are awaited when they are read; the rest when the block ends, which raises
    any statement's error as SQLAlchemy would. Elsewhere, each statement runs as it comes."""
    if connection.dialect.name != "postgresql":
        yield
        return
    try:
        with connection.connection.driver_connection.pipeline():  # type: ignore[union-attr]
            yield
    except connection.dialect.loaded_dbapi.Error as error:
        raise _translated(connection, "(a pipeline's statements)", None, error) from error


@contextmanager
def own_transaction(connection: Connection) -> Iterator[None]:
    """A transaction that the block begins and commits itself, with `begin_with` and `commit`,
    so that on PostgreSQL both travel with the statements beside them (psycopg sends its own
    BEGIN alone and waits for its answer). SQLAlchemy's transaction is open for the block too,
    so a Session on the connection joins it. Rolled back if the block raises: SQLAlchemy calls
    the driver's rollback even in autocommit mode (its `skip_autocommit_rollback` left off), and
    psycopg sends it while the server is in a transaction. Without `begin_with` first, each
    statement would commit alone."""
    if connection.dialect.name == "postgresql":
        connection.execution_options(isolation_level="AUTOCOMMIT")
    with connection.begin():
        yield


def begin_with(
    connection: Connection, queries: Sequence[tuple[ClauseElement, Mapping[str, Any] | None]]
) -> list[list[tuple[Any, ...]]]:
    """Begin an `own_transaction` and run its first queries, giving each one's rows as
    `fetch_each` does: on PostgreSQL, the BEGIN and the queries in one round trip. (On SQLite,
    SQLAlchemy's BEGIN IMMEDIATE has begun it: api.db.)"""
    return _fetch(connection, queries, begin=connection.dialect.name == "postgresql")


def commit(connection: Connection) -> None:
    """Commit an `own_transaction`: in a `pipeline`, the commit is the block's end."""
    if connection.dialect.name == "postgresql":
        execute(connection, "COMMIT")
    else:
        connection.commit()


@contextmanager
def _cursor(connection: Connection, sql: str) -> Iterator[Any]:
    """The driver's cursor; its errors raised as SQLAlchemy raises them, without parameters."""
    cursor = connection.connection.cursor()
    try:
        yield cursor
    except connection.dialect.loaded_dbapi.Error as error:
        raise _translated(connection, sql, cursor, error) from error
    finally:
        if not connection.invalidated:
            cursor.close()


def _translated(connection: Connection, sql: str, cursor: Any, error: Exception) -> StatementError:
    """The driver's error as SQLAlchemy raises it, without parameters; a connection that
    dropped is invalidated."""
    dialect = connection.dialect
    driver_connection = connection.connection.dbapi_connection
    dropped = dialect.is_disconnect(cast(Any, error), driver_connection, cursor)
    if dropped:
        connection.invalidate(error)
    return DBAPIError.instance(
        sql,
        None,
        error,
        dialect.loaded_dbapi.Error,
        hide_parameters=True,
        connection_invalidated=dropped,
        dialect=dialect,
    )
