"""The database under load and at start-up: durable SQLite, concurrent writers, the stored key."""

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from api.app_settings import SECRET_KEY, load_secret_key
from api.config import Settings
from api.customer.cards import submit_card
from api.customer.codes import load_code_context
from api.customer.schemas import CardIn
from api.db import SQLITE_BUSY_TIMEOUT_MS, create_db_engine, writer
from api.main import create_app
from api.models import AppSetting, Card, Organisation
from tests.client import TestClient
from tests.factories import make_world

WRITERS = 8
CARDS_PER_WRITER = 40

Result = TypeVar("Result")


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """The app's own engine on a migrated, empty database (SQLite file or PostgreSQL)."""
    db_engine = create_db_engine(database_url)
    yield db_engine
    db_engine.dispose()


def run_together(count: int, work: Callable[[int], Result]) -> list[Result]:
    """Run `work(0..count-1)` in threads released at the same moment; re-raise the first error."""
    start = threading.Barrier(count)
    results: dict[int, Result] = {}
    errors: list[BaseException] = []

    def run(number: int) -> None:
        try:
            start.wait(timeout=30)
            results[number] = work(number)
        except BaseException as error:  # noqa: BLE001  (reported below, in the test's thread)
            errors.append(error)

    threads = [threading.Thread(target=run, args=(number,)) for number in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a writer never finished"
    if errors:
        raise errors[0]
    return [results[number] for number in range(count)]


def test_sqlite_connections_are_durable_and_wait_for_the_lock(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'tellus.db'}")
    try:
        with engine.connect() as connection:

            def pragma(name: str) -> object:
                return connection.exec_driver_sql(f"PRAGMA {name}").scalar()

            assert pragma("journal_mode") == "wal"
            assert pragma("synchronous") == 2  # FULL: a committed card survives a power cut
            assert pragma("foreign_keys") == 1
            busy_timeout = pragma("busy_timeout")
            assert isinstance(busy_timeout, int)
            assert busy_timeout >= 5000
            assert busy_timeout == SQLITE_BUSY_TIMEOUT_MS
    finally:
        engine.dispose()


def test_concurrent_writers_store_every_card(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        world = make_world(session, name="Busy Café")
        token = world.counter_code.token
    context = load_code_context(engine=engine, raw_token=token)
    assert context is not None

    def store_cards(thread: int) -> int:
        stored = 0
        for number in range(CARDS_PER_WRITER):
            submission = submit_card(
                engine=engine,
                context=context,
                data=CardIn(rating=1 + number % 5, comment=f"thread {thread} card {number}"),
                idempotency_key=f"thread-{thread}-card-{number}",
                language="en",
                secret="test secret",
            )
            assert not submission.replayed
            stored += 1
        return stored

    assert run_together(WRITERS, store_cards) == [CARDS_PER_WRITER] * WRITERS

    with Session(engine) as session:
        count = session.exec(select(func.count()).select_from(Card)).one()
        keys = set(session.exec(select(Card.idempotency_key)).all())
    assert count == WRITERS * CARDS_PER_WRITER
    assert len(keys) == WRITERS * CARDS_PER_WRITER


def test_writers_that_read_first_queue_instead_of_failing(engine: Engine) -> None:
    """A writer that reads before it writes: on SQLite the lock must be taken at BEGIN."""
    with Session(engine, expire_on_commit=False) as session:
        world = make_world(session, name="Counting Café")
        organisation_id, code_id = world.organisation.id, world.counter_code.id

    def store_numbered_cards(thread: int) -> None:
        for number in range(10):
            with Session(writer(engine)) as session:
                seen = session.exec(select(func.count()).select_from(Card)).one()
                session.add(
                    Card(
                        organisation_id=organisation_id,  # type: ignore[arg-type]
                        code_id=code_id,  # type: ignore[arg-type]
                        rating=3,
                        comment=f"saw {seen}",
                        idempotency_key=f"reader-{thread}-{number}",
                        request_hash="0" * 64,
                    )
                )
                session.commit()

    run_together(WRITERS, store_numbered_cards)

    with Session(engine) as session:
        comments = session.exec(select(Card.comment)).all()
    assert len(comments) == WRITERS * 10
    if engine.dialect.name == "sqlite":
        # Serialised writers: each one saw every card committed before it, so no count repeats.
        assert sorted(comments) == sorted(f"saw {seen}" for seen in range(WRITERS * 10))


def organisation_name(engine: Engine, organisation_id: int | None) -> str:
    with Session(engine) as session:
        organisation = session.get(Organisation, organisation_id)
        assert organisation is not None
        return organisation.name


def test_readers_do_not_wait_for_a_writer(engine: Engine) -> None:
    """A writer holding the lock (a slow commit, say) must not stall the pages that only read."""
    with Session(engine, expire_on_commit=False) as session:
        world = make_world(session, name="Quiet Café")
    with Session(writer(engine)) as holding_the_lock:
        holding_the_lock.exec(select(func.count()).select_from(Card)).one()  # BEGIN IMMEDIATE
        started = time.monotonic()
        [name] = run_together(1, lambda _: organisation_name(engine, world.organisation.id))
        waited = time.monotonic() - started
    assert name == "Quiet Café"
    assert waited < 2, f"a reader waited {waited:.1f}s for the writer's lock"


def development_settings(database_url: str) -> Settings:
    return Settings(
        environment="development",
        database_url=database_url,
        secret_key=None,
        _env_file=None,  # type: ignore[call-arg]
    )


def started_app_secret_key(settings: Settings) -> str:
    app = create_app(settings)
    try:
        with TestClient(app):
            key: str = app.state.runtime.secret_key
    finally:
        app.state.runtime.engine.dispose()
    return key


def test_development_secret_key_is_stored_and_shared(database_url: str, engine: Engine) -> None:
    settings = development_settings(database_url)

    first = started_app_secret_key(settings)
    second = started_app_secret_key(settings)

    assert len(first) >= 32
    assert first == second
    with Session(engine) as session:
        stored = session.get(AppSetting, SECRET_KEY)
    assert stored is not None
    assert stored.value == first


def test_processes_starting_together_agree_on_one_secret_key(
    database_url: str, engine: Engine
) -> None:
    settings = development_settings(database_url)

    keys = run_together(4, lambda _: load_secret_key(engine=engine, settings=settings))

    assert len(set(keys)) == 1
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(AppSetting)).one() == 1


def test_a_configured_secret_key_is_used_and_not_stored(engine: Engine) -> None:
    key = "k" * 40
    settings = Settings(
        environment="production",
        database_url=str(engine.url),
        secret_key=key,
        _env_file=None,  # type: ignore[call-arg]
    )

    assert load_secret_key(engine=engine, settings=settings) == key
    with Session(engine) as session:
        assert session.get(AppSetting, SECRET_KEY) is None


@pytest.mark.parametrize("secret_key", [None, "", "too-short"])
def test_production_requires_a_secret_key(
    monkeypatch: pytest.MonkeyPatch, secret_key: str | None
) -> None:
    monkeypatch.delenv("TELLUS_SECRET_KEY", raising=False)
    monkeypatch.setenv("TELLUS_ENVIRONMENT", "production")
    if secret_key is not None:
        monkeypatch.setenv("TELLUS_SECRET_KEY", secret_key)

    with pytest.raises(ValidationError, match="TELLUS_SECRET_KEY"):
        Settings(_env_file=None)  # type: ignore[call-arg]


def test_production_accepts_a_long_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELLUS_ENVIRONMENT", "production")
    monkeypatch.setenv("TELLUS_SECRET_KEY", "s" * 32)

    assert Settings(_env_file=None).secret_key == "s" * 32  # type: ignore[call-arg]
