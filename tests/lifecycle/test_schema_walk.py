"""The retention job and an organisation's deletion reach every text column of every table."""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, update
from sqlalchemy.engine import make_url
from sqlmodel import Session

from api.db import create_db_engine, writer
from api.lifecycle.classification import COLUMNS, Data
from api.lifecycle.organisations import delete_organisation
from api.lifecycle.retention import run_retention
from api.lifecycle.walk import ACCOUNT, CARD, ORGANISATION, owners, tables
from api.models import RetentionPolicy
from tests.lifecycle.seeding import OLD, columns_holding, seed_every_table

NOW = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


def owned_columns(target: str) -> set[str]:
    """Every text column of the tables whose rows `target` owns (and of `target` itself)."""
    return {
        f"{table.name}.{column}"
        for table in tables()
        if table.name == target or target in owners(table)
        for column in COLUMNS.get(table.name, {})
    }


def set_policy(engine: Engine, organisation_id: int, **values: object) -> None:
    with engine.begin() as connection:
        connection.execute(
            update(RetentionPolicy.__table__)  # type: ignore[arg-type]
            .where(RetentionPolicy.__table__.c.organisation_id == organisation_id)  # type: ignore[attr-defined]
            .values(values)
        )


def test_retention_reaches_every_column(engine: Engine) -> None:
    """Contact details go first, then whole cards with everything they own; the rest stays."""
    keys = seed_every_table(engine, marker="Q9Z", when=OLD)
    organisation_id = keys[ORGANISATION]
    # An unconfirmed policy removes nothing.
    set_policy(engine, organisation_id, contact_days=30, card_days=None, confirmed_at=None)
    assert run_retention(engine=engine, now=NOW) == []
    before = columns_holding(engine, "Q9Z")
    assert before == {f"{table}.{column}" for table, cols in COLUMNS.items() for column in cols}

    set_policy(engine, organisation_id, confirmed_at=NOW)
    [run] = run_retention(engine=engine, now=NOW)
    assert (run.contacts_wiped, run.cards_deleted) == (1, 0)
    contact = {
        f"{table}.{column}"
        for table, cols in COLUMNS.items()
        for column, kind in cols.items()
        if kind == Data.CONTACT
    }
    assert columns_holding(engine, "Q9Z") == before - contact
    # Idempotent: nothing is left to wipe.
    assert run_retention(engine=engine, now=NOW)[0].contacts_wiped == 0

    set_policy(engine, organisation_id, card_days=60)
    [run] = run_retention(engine=engine, now=NOW)
    assert (run.contacts_wiped, run.cards_deleted) == (0, 1)
    assert columns_holding(engine, "Q9Z") == before - contact - owned_columns(CARD)
    with Session(engine) as session:
        policy = session.get(RetentionPolicy, organisation_id)
        assert policy is not None
        assert (policy.last_run_at, policy.last_cards_deleted) == (NOW, 1)
    if engine.dialect.name == "sqlite":
        assert_not_in_file(engine, f"Q9Z-{CARD}-")


def assert_not_in_file(engine: Engine, text: str) -> None:
    """No byte of the deleted text is left in the database file or its write-ahead log
    (the full-text index keeps words lowercase)."""
    path = Path(str(make_url(engine.url).database))
    for part in (path, Path(f"{path}-wal")):
        if part.exists():
            content = part.read_bytes().lower()
            assert text.lower().encode() not in content, f"{text} is still in {part.name}"


def test_deleting_an_organisation_reaches_every_table(engine: Engine) -> None:
    """Everything one organisation owns goes, its only-here accounts too; another's stays."""
    keys = seed_every_table(engine, marker="A7K", when=OLD)
    seed_every_table(engine, marker="B3J", when=OLD)
    others = columns_holding(engine, "B3J")
    with Session(writer(engine)) as session:
        delete_organisation(session=session, organisation_id=keys[ORGANISATION])
        session.commit()
    left = columns_holding(engine, "A7K")
    assert not left & (owned_columns(ORGANISATION) | owned_columns(ACCOUNT))
    for name in left:
        table, column = name.split(".")
        assert COLUMNS[table][column] in (Data.NOT_PERSONAL, Data.EXPIRING), name
    assert columns_holding(engine, "B3J") == others
