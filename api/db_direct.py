"""Statements built once, run on the driver's own cursor: the card writer's and SQLite's BEGIN.

SQLAlchemy still writes each statement's SQL, once per dialect and set of columns; running it
then skips SQLAlchemy's execution (its events, its parameter handling, its results), which cost
the card writer (api.customer.cards) more than the database took to run a card's statements
(bench/README.md). What SQLAlchemy would have done is done here too: each column's default and its
type's conversion of the values given (times, booleans, JSON), and a driver's error raised as
SQLAlchemy's (an IntegrityError is still an IntegrityError, a dropped connection is invalidated).

What comes back is what the driver gives, with no type's conversion: read only columns of text
and numbers through `fetch_all`. Each statement's SQL is kept: pass statements built once, not
one built for each call."""

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
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
    parameters = parameters or {}
    shape = tuple(
        (name, len(value) if isinstance(value, list) else None)
        for name, value in sorted(parameters.items())
    )
    query = _query(statement, connection.dialect, shape)
    given: Any = [_value(parameters, name, index) for name, index in query.order]
    if not query.positional:
        given = dict(zip(query.names, given, strict=True))
    with _cursor(connection, query.sql) as cursor:
        cursor.execute(query.sql, given)
        return [tuple(row) for row in cursor.fetchall()]


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


def execute(connection: Connection, sql: str) -> None:
    """A statement of SQL alone, with no parameters (a BEGIN)."""
    with _cursor(connection, sql) as cursor:
        cursor.execute(sql)


@contextmanager
def _cursor(connection: Connection, sql: str) -> Iterator[Any]:
    """The driver's cursor; its errors raised as SQLAlchemy raises them, without parameters."""
    dialect = connection.dialect
    driver_connection = connection.connection.dbapi_connection
    cursor = connection.connection.cursor()
    try:
        yield cursor
    except dialect.loaded_dbapi.Error as error:
        dropped = dialect.is_disconnect(error, driver_connection, cursor)
        if dropped:
            connection.invalidate(error)
        raise DBAPIError.instance(
            sql,
            None,
            error,
            dialect.loaded_dbapi.Error,
            hide_parameters=True,
            connection_invalidated=dropped,
            dialect=dialect,
        ) from error
    finally:
        if not connection.invalidated:
            cursor.close()
