"""Statements on the driver's cursor (api.db_direct) store what SQLAlchemy would have stored,
and fail as SQLAlchemy fails, on both engines."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Column, Connection, Engine, Integer, MetaData, Table, bindparam, insert, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session, col, select

from api.db import create_db_engine
from api.db_direct import (
    begin_with,
    commit,
    execute,
    execute_many,
    fetch_all,
    fetch_each,
    own_transaction,
    pipeline,
)
from api.models import AlertChannel, AlertDelivery, AlertKind, AnalyticsBucket, Card
from api.models.rows import row_values
from tests.databases import round_trips_to_postgres
from tests.factories import World

MOMENT = datetime(2026, 11, 29, 8, 30, 15, 123456, tzinfo=UTC)


def delivery_values(world: World, key: str, **fields: object) -> dict[str, object]:
    row = AlertDelivery(
        organisation_id=world.organisation.id,  # type: ignore[arg-type]
        kind=AlertKind.negative,
        channel=AlertChannel.email,
        address="ana@example.com",
        language="ar",
        idempotency_key=key,
        payload={"card_ids": [1, 2], "date": "2026-11-29", "name": "Zoë"},
        attempts=2,
        next_attempt_at=MOMENT,
        claimed_until=MOMENT + timedelta(minutes=5),
        created_at=MOMENT - timedelta(days=400),
        **fields,  # type: ignore[arg-type]
    )
    return row_values(row)


def stored(session: Session, key: str) -> dict[str, object]:
    session.expire_all()
    row = session.exec(select(AlertDelivery).where(AlertDelivery.idempotency_key == key)).one()
    return {
        name: getattr(row, name)
        for name in AlertDelivery.model_fields
        if name not in ("id", "idempotency_key")
    }


def test_rows_read_back_as_sqlalchemy_stores_them(session: Session, world: World) -> None:
    """Times (with their microseconds and zone), JSON, text, numbers and NULLs: each column as
    the same row stored through SQLAlchemy reads back."""
    with session.get_bind().begin() as connection:  # type: ignore[union-attr]
        connection.execute(insert(AlertDelivery), [delivery_values(world, "through-sqlalchemy")])
        execute_many(
            connection,
            insert(AlertDelivery),
            [delivery_values(world, "direct"), delivery_values(world, "direct-2", sent_at=MOMENT)],
        )
    direct, reference = stored(session, "direct"), stored(session, "through-sqlalchemy")
    assert direct == reference
    assert direct["payload"] == {"card_ids": [1, 2], "date": "2026-11-29", "name": "Zoë"}
    assert direct["created_at"] == MOMENT - timedelta(days=400)
    assert direct["sent_at"] is None
    assert stored(session, "direct-2")["sent_at"] == MOMENT


def test_a_column_left_out_gets_its_default(session: Session, world: World) -> None:
    row = {"organisation_id": world.organisation.id, "quarter": 7, "location_id": 0}
    row |= {"employee_id": 0, "code_id": 0, "rating_5": 3}
    with session.get_bind().begin() as connection:  # type: ignore[union-attr]
        execute_many(connection, insert(AnalyticsBucket), [row])
    bucket = session.exec(select(AnalyticsBucket).where(AnalyticsBucket.quarter == 7)).one()
    assert (bucket.rating_5, bucket.rating_1, bucket.replies, bucket.passed_on) == (3, 0, 0, 0)


def test_a_default_that_is_not_a_value_is_refused_before_anything_runs(
    session: Session,
) -> None:
    table = Table("nowhere", MetaData(), Column("a", Integer), Column("b", Integer, default=len))
    with session.get_bind().connect() as connection:  # type: ignore[union-attr]
        with pytest.raises(ValueError, match="not a value"):
            execute_many(connection, insert(table), [{"a": 1}])


def test_a_refused_row_raises_sqlalchemys_error_without_the_values(
    session: Session, world: World
) -> None:
    """The card writer tells a taken key by SQLAlchemy's IntegrityError; the logs never see a
    customer's values."""
    with session.get_bind().begin() as connection:  # type: ignore[union-attr]
        execute_many(connection, insert(AlertDelivery), [delivery_values(world, "taken")])
    with pytest.raises(IntegrityError) as refused:
        with session.get_bind().begin() as connection:  # type: ignore[union-attr]
            execute_many(
                connection,
                insert(AlertDelivery),
                [delivery_values(world, "fresh"), delivery_values(world, "taken")],
            )
    assert "ana@example.com" not in str(refused.value)
    # Nothing of the refused statement's rows is kept.
    assert (
        session.exec(
            select(AlertDelivery).where(col(AlertDelivery.idempotency_key) == "fresh")
        ).all()
        == []
    )


def test_a_list_is_spread_over_an_in(session: Session, world: World) -> None:
    keys = ["a-1", "b-2", "c-3"]
    with session.get_bind().begin() as connection:  # type: ignore[union-attr]
        execute_many(connection, insert(AlertDelivery), [delivery_values(world, k) for k in keys])
        query = select(AlertDelivery.idempotency_key).where(
            col(AlertDelivery.idempotency_key).in_(bindparam("keys", expanding=True))
        )
        assert sorted(fetch_all(connection, query, {"keys": ["c-3", "a-1", "z"]})) == [
            ("a-1",),
            ("c-3",),
        ]
        assert fetch_all(connection, query, {"keys": ["b-2"]}) == [("b-2",)]
        assert fetch_all(connection, select(Card.id)) == []


def test_a_dropped_connection_is_invalidated_and_the_next_one_works(postgres_url: str) -> None:
    """PostgreSQL ends a connection (a restart, a failover): the pool must not hand it out again."""
    engine = create_db_engine(postgres_url)
    try:
        with engine.connect() as connection:
            [(pid,)] = fetch_all(connection, text("SELECT pg_backend_pid()"))
            with engine.connect() as other:
                other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            with pytest.raises(DBAPIError) as dropped:
                fetch_all(connection, text("SELECT 1"))
            assert dropped.value.connection_invalidated
            assert connection.invalidated
        with engine.connect() as connection:
            assert fetch_all(connection, text("SELECT 2")) == [(2,)]
            [(new_pid,)] = fetch_all(connection, text("SELECT pg_backend_pid()"))
        assert new_pid != pid
    finally:
        engine.dispose()


KEYS_IN = select(AlertDelivery.idempotency_key).where(
    col(AlertDelivery.idempotency_key).in_(bindparam("keys", expanding=True))
)


def keys_stored(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return sorted(
            key for (key,) in fetch_all(connection, select(AlertDelivery.idempotency_key))
        )


def stored_before(engine: Engine, world: World, key: str) -> None:
    with engine.begin() as connection:
        execute_many(connection, insert(AlertDelivery), [delivery_values(world, key)])


def test_a_transaction_in_two_pipelines_answers_each_query_and_stores_its_rows(
    session: Session, world: World
) -> None:
    """The card writer's shape: the BEGIN with the checks, then the writes with the COMMIT."""
    engine = session.get_bind()
    stored_before(engine, world, "earlier")  # type: ignore[arg-type]
    with engine.connect() as connection, own_transaction(connection):  # type: ignore[union-attr]
        found, numbers = begin_with(
            connection,
            [
                (KEYS_IN, {"keys": ["earlier", "new"]}),
                (text("SELECT :a + 1, :b"), {"a": 41, "b": "Zoë"}),
            ],
        )
        assert found == [("earlier",)]
        assert numbers == [(42, "Zoë")]
        with pipeline(connection):
            execute_many(connection, insert(AlertDelivery), [delivery_values(world, "new")])
            execute(connection, text("SELECT :a"), {"a": 1})  # an answer nobody reads
            commit(connection)
    assert keys_stored(engine) == ["earlier", "new"]  # type: ignore[arg-type]


def store_first_then_fresh_and_taken(engine: Engine, world: World) -> None:
    with engine.connect() as connection, own_transaction(connection):
        assert begin_with(connection, [(KEYS_IN, {"keys": ["first"]})]) == [[]]
        execute_many(connection, insert(AlertDelivery), [delivery_values(world, "first")])
        with pipeline(connection):
            rows = [delivery_values(world, "fresh"), delivery_values(world, "taken")]
            execute_many(connection, insert(AlertDelivery), rows)
            commit(connection)


def test_an_error_in_a_pipeline_is_sqlalchemys_and_keeps_nothing_of_the_transaction(
    session: Session, world: World
) -> None:
    engine = session.get_bind()
    stored_before(engine, world, "taken")  # type: ignore[arg-type]
    with pytest.raises(IntegrityError) as refused:
        store_first_then_fresh_and_taken(engine, world)  # type: ignore[arg-type]
    assert "ana@example.com" not in str(refused.value)
    assert keys_stored(engine) == ["taken"]  # type: ignore[arg-type]


def test_a_session_on_the_connection_joins_the_transaction_without_ending_it(
    session: Session, world: World
) -> None:
    """The card writer routes alerts through a Session between its two pipelines: closing the
    Session must leave the transaction's first rows in it, and uncommitted until the commit."""
    engine = session.get_bind()
    with engine.connect() as connection, own_transaction(connection):  # type: ignore[union-attr]
        begin_with(connection, [])
        execute_many(connection, insert(AlertDelivery), [delivery_values(world, "before")])
        with Session(connection) as joined:
            assert joined.exec(select(AlertDelivery.idempotency_key)).all() == ["before"]
        assert keys_stored(engine) == []  # type: ignore[arg-type]
        with pipeline(connection):
            execute_many(connection, insert(AlertDelivery), [delivery_values(world, "after")])
            commit(connection)
    assert keys_stored(engine) == ["after", "before"]  # type: ignore[arg-type]


def test_a_connection_back_in_the_pool_begins_its_own_transactions_again(
    database_url: str, world: World
) -> None:
    """On PostgreSQL, an own transaction runs the connection in autocommit mode: the pool's next
    user of the connection must get SQLAlchemy's transactions back, or a rollback would keep
    what it meant to undo."""
    engine = create_db_engine(database_url)
    try:
        with engine.connect() as connection, own_transaction(connection):
            begin_with(connection, [])
            execute_many(connection, insert(AlertDelivery), [delivery_values(world, "own")])
            commit(connection)
        with engine.connect() as connection:
            connection.begin()
            execute_many(connection, insert(AlertDelivery), [delivery_values(world, "undone")])
            connection.rollback()
        assert keys_stored(engine) == ["own"]
    finally:
        engine.dispose()


def begin_in_a_pipeline(connection: Connection) -> None:
    with own_transaction(connection):
        begin_with(connection, [(text("SELECT 1"), None)])


def test_a_connection_dropped_before_a_pipeline_is_invalidated(postgres_url: str) -> None:
    engine = create_db_engine(postgres_url, ping=False)
    try:
        with engine.connect() as connection:
            pid = connection.connection.dbapi_connection.info.backend_pid  # type: ignore[union-attr]
            with engine.connect() as other:
                other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            with pytest.raises(DBAPIError) as dropped:
                begin_in_a_pipeline(connection)
            assert dropped.value.connection_invalidated
            assert connection.invalidated
    finally:
        engine.dispose()


def test_on_postgres_the_begin_and_queries_then_the_writes_and_commit_take_a_round_trip_each(
    postgres_url: str,
) -> None:
    engine = create_db_engine(postgres_url, ping=False)
    table = Table("round_trips", MetaData(), Column("key", Integer, primary_key=True))
    try:
        table.drop(engine, checkfirst=True)
        table.create(engine)
        with round_trips_to_postgres(engine) as trips:
            with engine.connect() as connection, own_transaction(connection):
                found, numbers = begin_with(
                    connection, [(select(table.c.key), None), (text("SELECT :a + 1"), {"a": 1})]
                )
                with pipeline(connection):
                    execute_many(connection, insert(table), [{"key": 1}, {"key": 2}])
                    execute(connection, text("SELECT :a"), {"a": 1})
                    commit(connection)
        assert (found, numbers) == ([], [(2,)])
        assert trips == [2]
        with engine.connect() as connection:
            assert fetch_all(connection, select(table.c.key).order_by(table.c.key)) == [(1,), (2,)]
        table.drop(engine)
    finally:
        engine.dispose()


def test_each_query_sent_together_gets_its_own_rows(session: Session) -> None:
    with session.get_bind().connect() as connection:  # type: ignore[union-attr]
        assert fetch_each(
            connection,
            [
                (text("SELECT :a"), {"a": 1}),
                (KEYS_IN, {"keys": ["nobody's"]}),
                (text("SELECT 2, 'x'"), None),
            ],
        ) == [[(1,)], [], [(2, "x")]]
