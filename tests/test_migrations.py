"""The migrations build exactly the schema the models describe, on SQLite and on PostgreSQL."""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel

import api.models  # noqa: F401  (registers every table on SQLModel.metadata)
from api.config import Settings
from api.db import DatabaseNotMigrated, alembic_config, create_db_engine, include_name, migrate
from api.main import create_app
from tests.client import TestClient
from tests.databases import POSTGRES_ADMIN_URL
from tests.factories import make_card, make_world


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all: a new SQLite file, or a throwaway PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    name = f"tellus_migrations_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # noqa: BLE001
        admin.dispose()
        pytest.skip(
            f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL} ({type(error).__name__}); "
            "start it (see README, 'Running the tests') or set TELLUS_TEST_POSTGRES_URL"
        )
    try:
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def schema_drift(url: str) -> list[object]:
    """What autogenerate would put in a new migration: empty when models and migrations agree."""
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_name": include_name}
            )
            return list(compare_metadata(context, SQLModel.metadata))
    finally:
        engine.dispose()


def table_names(url: str) -> set[str]:
    engine = create_db_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def current_revision(url: str) -> str | None:
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def head_revision() -> str:
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, f"the migrations have {len(heads)} heads: {heads}; merge them"
    return heads[0]


def test_there_is_exactly_one_head() -> None:
    assert head_revision()


def test_migrating_an_empty_database_gives_the_models_schema(empty_database_url: str) -> None:
    migrate(empty_database_url)

    assert current_revision(empty_database_url) == head_revision()
    assert table_names(empty_database_url) >= set(SQLModel.metadata.tables)
    assert schema_drift(empty_database_url) == []


def test_downgrade_to_base_then_upgrade_to_head(empty_database_url: str) -> None:
    config = alembic_config(empty_database_url)
    migrate(empty_database_url)

    command.downgrade(config, "base")
    assert table_names(empty_database_url) <= {"alembic_version"}
    assert current_revision(empty_database_url) is None

    command.upgrade(config, "head")
    assert current_revision(empty_database_url) == head_revision()
    assert schema_drift(empty_database_url) == []


def test_drift_is_detected(tmp_path: Path) -> None:
    """The comparison above can fail: a column missing from the database shows up as drift."""
    url = f"sqlite:///{tmp_path / 'drifted.db'}"
    migrate(url)
    engine = create_db_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE app_setting DROP COLUMN value")
    engine.dispose()

    drift = schema_drift(url)

    assert any(diff[0] == "add_column" and diff[2] == "app_setting" for diff in drift), drift  # type: ignore[index]


def test_app_refuses_to_start_on_an_unmigrated_database(tmp_path: Path) -> None:
    settings = Settings(
        environment="test",
        database_url=f"sqlite:///{tmp_path / 'unmigrated.db'}",
        _env_file=None,  # type: ignore[call-arg]
    )
    app = create_app(settings)
    try:
        with pytest.raises(DatabaseNotMigrated, match="tellus migrate"), TestClient(app):
            pass
    finally:
        app.state.runtime.engine.dispose()


def test_the_hour_blocks_are_filled_from_the_cards_summaries(empty_database_url: str) -> None:
    """0024 sums the quarter-hour rows into hours as the app keeps them card by card."""
    migrate(empty_database_url)
    engine = create_db_engine(empty_database_url)
    hours = "SELECT * FROM analytics_span WHERE span = 4 ORDER BY quarter, employee_id, code_id"
    try:
        with Session(engine) as session:
            world = make_world(session, name="Hours")
            start = datetime(2026, 3, 1, 9, 50, tzinfo=UTC)
            for minutes, code in ((0, world.counter_code), (5, world.maya_code), (80, None)):
                make_card(
                    session,
                    code=code or world.counter_code,
                    rating=1 + minutes % 5,
                    created_at=start + timedelta(minutes=minutes),
                )
        with engine.connect() as connection:
            kept = connection.execute(text(hours)).all()
        assert len(kept) == 3  # 09:00 (two codes), 11:00 (one)
        config = alembic_config(empty_database_url)
        command.downgrade(config, "0023")
        with engine.connect() as connection:
            assert connection.execute(text(hours)).all() == []
        command.upgrade(config, "head")
        with engine.connect() as connection:
            assert connection.execute(text(hours)).all() == kept
    finally:
        engine.dispose()
