"""The schema walk: which rows of every table belong to a card, an organisation or an account.

Ownership is read from the foreign keys, so a table added tomorrow is reached without a list to
keep up: a row belongs to what its owner keys point at, directly or through a chain of them. An
owner key is one the row cannot outlive (NOT NULL, or ON DELETE CASCADE); a nullable key that is
set to NULL (a card's employee, a reply's author) only refers to something else.
"""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import JSON, ColumnElement, ForeignKey, LargeBinary, String, Table, or_, select
from sqlalchemy import delete as delete_rows
from sqlalchemy import update as update_rows
from sqlalchemy.sql.schema import Column
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, SQLModel

import api.models  # noqa: F401  (registers every table on SQLModel.metadata)
from api.lifecycle.classification import Data, classification

CARD, ORGANISATION, ACCOUNT = "card", "organisation", "user_account"


def tables() -> list[Table]:
    """Every table, parents before children."""
    return list(SQLModel.metadata.sorted_tables)


def is_text(column: Column[Any]) -> bool:
    """Text, JSON or bytes: a column that can hold what a person wrote."""
    kind = column.type
    if isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    return isinstance(kind, String | JSON | LargeBinary)


def text_columns(table: Table) -> list[Column[Any]]:
    return [column for column in table.columns if is_text(column)]


def owner_keys(table: Table) -> list[ForeignKey]:
    """The foreign keys whose row this one cannot outlive."""
    return [
        key
        for key in table.foreign_keys
        if key.column.table is not table and (key.ondelete == "CASCADE" or not key.parent.nullable)
    ]


def owners(table: Table) -> set[str]:
    """Every table whose rows own rows of this one, through any chain of owner keys."""
    found: set[str] = set()
    for key in owner_keys(table):
        found.add(key.column.table.name)
        found |= owners(key.column.table)
    return found


def owned_by(table: Table, target: str, ids: Sequence[int]) -> ColumnElement[bool] | None:
    """A WHERE clause for the rows of `table` that rows `ids` of `target` own, or None."""
    if table.name == target:
        return next(iter(table.primary_key.columns)).in_(ids)
    conditions = []
    for key in owner_keys(table):
        parent = key.column.table
        if parent.name == target:
            conditions.append(key.parent.in_(ids))
        elif (inner := owned_by(parent, target, ids)) is not None:
            conditions.append(key.parent.in_(select(key.column).where(inner)))
    return or_(*conditions) if conditions else None


def delete_owned(*, session: Session, target: str, ids: Sequence[int]) -> int:
    """Delete rows `ids` of `target` and every row they own, children first (the caller
    commits); returns how many `target` rows went."""
    if not ids:
        return 0
    deleted = 0
    for table in reversed(tables()):
        condition = owned_by(table, target, ids)
        if condition is not None:
            result = session.execute(delete_rows(table).where(condition))
            if table.name == target:
                deleted = result.rowcount  # type: ignore[attr-defined]
    return deleted


def wipe_contacts(*, session: Session, card_ids: Sequence[int]) -> None:
    """Empty every contact column of the cards and of the rows they own (the caller commits)."""
    if not card_ids:
        return
    for table in tables():
        columns = [
            c for c in text_columns(table) if classification(table.name, c.name) == Data.CONTACT
        ]
        condition = owned_by(table, CARD, card_ids)
        if columns and condition is not None:
            values = {column.name: None if column.nullable else "" for column in columns}
            session.execute(update_rows(table).where(condition).values(values))
