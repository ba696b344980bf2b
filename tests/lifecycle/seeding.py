"""One row in every table, every text column holding a marker: what the schema walk must reach.

The rows are written from the metadata alone, parents first, each foreign key pointing at the
row seeded for its table, so a table added tomorrow is seeded without a change here.
"""

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Engine,
    Float,
    Integer,
    LargeBinary,
    Numeric,
    Table,
    Time,
    select,
)
from sqlalchemy.types import TypeDecorator

from api.lifecycle.walk import is_text, tables


def _kind(column: Any) -> Any:
    kind = column.type
    return kind.impl_instance if isinstance(kind, TypeDecorator) else kind


def _value(table: Table, column: Any, marker: str, when: datetime) -> Any:
    kind = _kind(column)
    if isinstance(kind, JSON):
        return {"marker": marker}
    if isinstance(kind, LargeBinary):
        return marker.encode()
    if is_text(column):
        text = f"{marker}-{table.name}-{column.name}"
        length = getattr(kind, "length", None)
        return text[: max(length, len(marker))] if length else text
    if isinstance(kind, DateTime):
        return when
    if isinstance(kind, Date):
        return when.date()
    if isinstance(kind, Time):
        return when.time()
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, Float | Numeric):
        return 0
    if isinstance(kind, Integer):
        return 1
    raise AssertionError(f"seed a value for {table.name}.{column.name} ({kind!r})")


def seed_every_table(engine: Engine, *, marker: str, when: datetime) -> dict[str, Any]:
    """Insert one row per table; returns each table's primary key value."""
    keys: dict[str, Any] = {}
    with engine.begin() as connection:
        for table in tables():
            row: dict[str, Any] = {}
            for column in table.columns:
                parents = [key.column.table.name for key in column.foreign_keys]
                if parents:
                    row[column.name] = keys[parents[0]]
                elif column.autoincrement is True or (
                    column.primary_key
                    and len(table.primary_key.columns) == 1
                    and isinstance(_kind(column), Integer)
                ):
                    continue  # the database numbers it
                else:
                    row[column.name] = _value(table, column, marker, when)
            result = connection.execute(table.insert().values(row))
            primary = list(table.primary_key.columns)
            keys[table.name] = (
                result.inserted_primary_key[0]
                if primary[0].name not in row
                else row[primary[0].name]
            )
    return keys


def columns_holding(engine: Engine, marker: str) -> set[str]:
    """ "table.column" of every text column where some row still holds the marker."""
    found = set()
    with engine.connect() as connection:
        for table in tables():
            columns = [column for column in table.columns if is_text(column)]
            if not columns:
                continue
            for row in connection.execute(select(*columns)):
                for column, value in zip(columns, row, strict=True):
                    if value is not None and marker in _as_text(value):
                        found.add(f"{table.name}.{column.name}")
    return found


def _as_text(value: Any) -> str:
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("latin-1")
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


OLD = datetime(2020, 1, 1, tzinfo=UTC)
