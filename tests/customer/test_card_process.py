"""Cards stored by a process of their own: the same guarantees as the writer thread's, a 503 and
nothing lost when that process dies, and no process left behind."""

import asyncio
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from collections.abc import AsyncGenerator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest
import uvloop
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool
from sqlmodel import Session, col, func, select

from api.config import Settings
from api.customer.card_process import (
    APPLICATION_NAME,
    StoreInProcess,
    WriterUnavailable,
    answer_for,
)
from api.customer.card_writer import CardWriter, StoreHere
from api.db import writer
from api.main import create_app
from api.models import AlertDelivery, Card
from api.runtime import card_store
from tests.customer.test_card_writer import commit, new_card, stored_keys
from tests.factories import World
from tests.helpers import in_own_loop, process_ended

T = TypeVar("T")


@pytest.fixture
def engine(app) -> Engine:
    return app.state.runtime.engine


@pytest.fixture
def in_process(database_url: str) -> Iterator[CardWriter]:
    writer = CardWriter(StoreInProcess(database_url))
    yield writer
    writer.stop()


def child_of(writer: CardWriter) -> int:
    store = writer.store
    assert isinstance(store, StoreInProcess)
    assert store.pid is not None
    return store.pid


def reaped(pid: int) -> bool:
    """Whether the process ended and its parent (this test's process) collected it."""
    return not Path(f"/proc/{pid}").exists()


def test_the_process_stores_a_group_and_answers_each_card_once_committed(
    in_process: CardWriter, world: World, session: Session
) -> None:
    session.add(Card(**new_card(world, "earlier").model_dump(exclude={"id"})))
    session.commit()
    # Not in key order, in which the process inserts them: each answer must still find its card.
    cards = [new_card(world, "zulu"), new_card(world, "earlier"), new_card(world, "alpha")]
    answers = commit(in_process, cards)
    results = [answer.result(timeout=30) for answer in answers]
    # The same cards come back, with the ids the other process stored them under.
    assert results[0] is cards[0]
    assert results[2] is cards[2]
    assert results[1] is None  # its key was taken: the request replays the first card
    assert child_of(in_process) != os.getpid()
    session.expire_all()
    stored = {card.idempotency_key: card.id for card in session.exec(select(Card))}
    assert stored == {"earlier": stored["earlier"], "zulu": cards[0].id, "alpha": cards[2].id}
    # Each stored card has its outbox rows, in the same transaction (a negative card emails
    # the owner).
    alerted = session.exec(
        select(func.count(col(AlertDelivery.card_id).distinct())).where(
            col(AlertDelivery.card_id).in_([cards[0].id, cards[2].id])
        )
    ).one()
    assert alerted == 2


@contextmanager
def holding_the_card_table(engine: Engine) -> Iterator[None]:
    """Keep every writer of cards waiting until the block ends."""
    with writer(engine).connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("LOCK TABLE card IN EXCLUSIVE MODE"))
        else:
            connection.execute(text("SELECT 1"))  # its BEGIN IMMEDIATE takes the write lock
        yield
        connection.rollback()


def test_a_process_killed_mid_group_fails_its_cards_and_the_next_group_gets_a_new_one(
    in_process: CardWriter,
    world: World,
    engine: Engine,
    session: Session,
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert commit(in_process, [new_card(world, "first")])[0].result(timeout=30) is not None
    first_child = child_of(in_process)
    failed: list[BaseException] = []

    def send() -> None:
        try:
            in_process.insert(new_card(world, "lost"))
        except BaseException as error:
            failed.append(error)

    with holding_the_card_table(engine):
        # The card reaches the process, which waits for the table: then it is killed.
        sending = threading.Thread(target=send)
        sending.start()
        time.sleep(1)
        os.kill(first_child, signal.SIGKILL)
        sending.join(30)
    assert [type(error) for error in failed] == [WriterUnavailable]
    on_postgres = engine.dialect.name == "postgresql"
    if on_postgres:
        # The group's writes travel with its COMMIT (api.customer.cards): the server had them
        # all when the process died, and stores the card once the table is free, though its
        # request was told otherwise (as api.customer.card_process says may happen).
        deadline = time.monotonic() + 10
        while stored_keys(session) != ["first", "lost"] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert stored_keys(session) == ["first", "lost"]
    else:  # the process's transaction died with it
        assert stored_keys(session) == ["first"]
    # One line says what happened, with no traceback of the writer's after it.
    records = [record for record in caplog.records if record.name == "tellus.cards"]
    said = [record.getMessage().split(":")[0] for record in records]
    assert said == ["The card writer's process stopped"], said
    assert all(record.exc_info is None for record in records)
    # The customer's retry, with the same key: a new process stores it, or refuses it as
    # stored (its request then replays the stored card).
    retried = commit(in_process, [new_card(world, "lost")])[0].result(timeout=30)
    assert (retried is None) == on_postgres
    assert child_of(in_process) != first_child
    assert stored_keys(session) == ["first", "lost"]


def in_own_thread(run: Callable[[], T]) -> T:
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def on_a_loop(
    writer: CardWriter, cards: list[Card], sent: threading.Event | None = None
) -> list[Any]:
    """What each card's request got, the cards sent at once by coroutines of one event loop;
    `sent` is set once they all wait for their answers."""

    async def customers() -> list[Any]:
        waiting = [asyncio.ensure_future(writer.insert_waiting(card)) for card in cards]
        await asyncio.sleep(0)
        if sent is not None:
            sent.set()
        return await asyncio.gather(*waiting, return_exceptions=True)

    return in_own_loop(customers)


class CountedGroups(StoreInProcess):
    """The process store, noting the size of each group a loop hands it."""

    def __init__(self, database_url: str) -> None:
        super().__init__(database_url)
        self.groups: list[int] = []

    async def store_on_loop(self, cards: list[Card]) -> AsyncGenerator[list[Any], None]:
        self.groups.append(len(cards))
        async for outcomes in super().store_on_loop(cards):
            yield outcomes


def test_a_loops_cards_go_to_the_process_in_one_group_with_no_thread_between(
    database_url: str, world: World, session: Session
) -> None:
    store = CountedGroups(database_url)
    writer = CardWriter(store)
    cards = [new_card(world, f"card-{n}") for n in range(5)]
    threads = set(threading.enumerate())
    try:
        results = on_a_loop(writer, cards)
        # No writer thread: the loop itself sent the group and read its answers.
        started = set(threading.enumerate()) - threads
        assert "card-writer" not in {thread.name for thread in started}
    finally:
        writer.stop()
    assert results == cards
    assert len({card.id for card in results}) == 5
    assert store.groups == [5]
    assert stored_keys(session) == [f"card-{n}" for n in range(5)]


def test_large_groups_pass_both_ways_after_uvloop_watched_the_pipe(
    in_process: CardWriter, world: World, session: Session
) -> None:
    # uvloop, as uvicorn serves with, leaves a descriptor it watched non-blocking: a group larger
    # than the socket's buffer must still go down whole, by the loop and then by a thread.
    def long_cards(prefix: str) -> list[Card]:
        return [new_card(world, f"{prefix}-{n}", comment="x" * 4000) for n in range(64)]

    async def customers() -> list[Any]:
        answered = []
        for prefix in ("first", "second"):
            waiting = [in_process.insert_waiting(card) for card in long_cards(prefix)]
            answered += await asyncio.gather(*waiting, return_exceptions=True)
        return answered

    def on_uvloop() -> list[Any]:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            return runner.run(customers())

    answered = in_own_thread(on_uvloop)
    assert [type(answer) for answer in answered] == [Card] * 128
    by_a_thread = commit(in_process, long_cards("third"))
    assert all(answer.result(timeout=30) is not None for answer in by_a_thread)
    assert len(stored_keys(session)) == 3 * 64


def test_a_request_that_stops_waiting_on_a_loop_leaves_its_card_stored(
    in_process: CardWriter, world: World, session: Session
) -> None:
    async def customers() -> Card | None:
        leaving = asyncio.ensure_future(in_process.insert_waiting(new_card(world, "gone")))
        staying = asyncio.ensure_future(in_process.insert_waiting(new_card(world, "stays")))
        await asyncio.sleep(0)  # both wait for their group
        leaving.cancel()  # its client went away
        return await asyncio.wait_for(staying, 30)

    assert in_own_loop(customers) is not None
    assert stored_keys(session) == ["gone", "stays"]


def test_a_process_killed_while_a_loop_waits_fails_its_cards_and_the_next_gets_a_new_one(
    in_process: CardWriter, world: World, engine: Engine, session: Session
) -> None:
    assert on_a_loop(in_process, [new_card(world, "first")])[0] is not None
    first_child = child_of(in_process)
    answered: list[Any] = []
    with holding_the_card_table(engine):
        # The card reaches the process, which waits for the table: then it is killed.
        sending = threading.Thread(
            target=lambda: answered.extend(on_a_loop(in_process, [new_card(world, "lost")]))
        )
        sending.start()
        time.sleep(1)
        os.kill(first_child, signal.SIGKILL)
        sending.join(30)
    assert [type(answer) for answer in answered] == [WriterUnavailable]
    # The customer's retry: a new process stores it, or finds it stored (on PostgreSQL, see
    # the test above), and the request replays it.
    on_a_loop(in_process, [new_card(world, "lost")])
    assert child_of(in_process) != first_child
    deadline = time.monotonic() + 10
    while stored_keys(session) != ["first", "lost"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert stored_keys(session) == ["first", "lost"]


def test_stopping_the_writer_stores_the_cards_a_loop_has_waiting(
    in_process: CardWriter, world: World, engine: Engine, session: Session
) -> None:
    cards = [new_card(world, f"card-{n}") for n in range(3)]
    answered: list[Any] = []
    sent = threading.Event()
    with holding_the_card_table(engine):
        sending = threading.Thread(
            target=lambda: answered.extend(on_a_loop(in_process, cards, sent))
        )
        sending.start()
        assert sent.wait(30)
        time.sleep(0.5)  # the group waits in the process for the table
        stopping = threading.Thread(target=in_process.stop)
        stopping.start()
        stopping.join(0.5)
        assert stopping.is_alive()  # it waits for the loop's cards
    stopping.join(30)
    sending.join(30)
    assert answered == cards
    assert stored_keys(session) == ["card-0", "card-1", "card-2"]


def test_a_process_that_died_between_groups_is_replaced_before_the_next(
    in_process: CardWriter, world: World, session: Session
) -> None:
    commit(in_process, [new_card(world, "one")])[0].result(timeout=30)
    first_child = child_of(in_process)
    os.kill(first_child, signal.SIGKILL)
    while not process_ended(first_child):
        time.sleep(0.05)
    assert commit(in_process, [new_card(world, "two")])[0].result(timeout=30) is not None
    assert stored_keys(session) == ["one", "two"]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_group_after_postgresql_dropped_the_connections_is_stored_all_the_same(
    in_process: CardWriter, world: World, engine: Engine, session: Session
) -> None:
    # The process stores its groups without pinging its connection first.
    assert commit(in_process, [new_card(world, "before")])[0].result(timeout=30) is not None
    with engine.connect() as connection:
        dropped = connection.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND application_name = :name"
            ),
            {"name": APPLICATION_NAME},
        ).scalar_one()
    assert dropped == 1  # the process's one connection
    # Its next group fails on the dropped connection; each card is stored again, alone.
    answers = commit(in_process, [new_card(world, "after"), new_card(world, "and after")])
    assert all(answer.result(timeout=30) is not None for answer in answers)
    assert stored_keys(session) == ["after", "and after", "before"]


def test_a_group_left_half_answered_never_hands_its_answers_to_the_next(
    database_url: str, world: World, session: Session
) -> None:
    # A failing group answers card by card; the writer stops reading after the first answer.
    store = StoreInProcess(database_url)
    broken = new_card(world, "broken")
    broken.comment = {"not": "text"}  # type: ignore[assignment]  # the driver can't bind it
    try:
        outcomes = store.store([new_card(world, "one"), broken, new_card(world, "two")])
        assert next(outcomes)[0][0] is not None
        outcomes.close()
        # The next group gets its own answer, from a new process, not the old group's.
        next_card = new_card(world, "next")
        assert [card for answer in store.store([next_card]) for card, _ in answer] == [next_card]
    finally:
        store.stop()
    session.commit()
    assert session.get(Card, next_card.id).idempotency_key == "next"  # type: ignore[union-attr]


def test_a_process_that_cannot_open_the_database_fails_its_start() -> None:
    store = StoreInProcess("sqlite:////proc/no-such-folder/tellus.db")
    with pytest.raises(WriterUnavailable, match="did not start"):
        store.start()
    assert store.pid is None


def test_an_error_the_server_could_not_rebuild_comes_back_in_plain_words() -> None:
    class Particular(Exception):
        def __init__(self, code: int, reason: str) -> None:
            super().__init__(f"{code}: {reason}")

    card_id, error = answer_for(None, Particular(7, "refused"))
    assert card_id is None
    assert isinstance(error, RuntimeError)
    assert str(error) == "Particular: 7: refused"
    assert pickle.loads(pickle.dumps(error)).args == error.args


def test_the_app_stores_cards_in_its_process_and_stops_it_when_it_stops(
    settings: Settings, world: World, session: Session
) -> None:
    app = create_app(settings.model_copy(update={"card_writer": "process"}))
    with TestClient(app) as client:
        child = child_of(app.state.runtime.card_writer)
        answer = client.post(
            f"/api/v1/codes/{world.counter_code.token}/cards",
            json={"rating": 5, "comment": "Quick and kind"},
            headers={"Idempotency-Key": "by-the-process"},
        )
        assert answer.status_code == 201
        assert stored_keys(session) == ["by-the-process"]
    assert reaped(child)
    app.state.runtime.engine.dispose()


def test_a_part_that_fails_to_stop_leaves_the_app_stopping_the_others(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(settings.model_copy(update={"card_writer": "process"}))
    runtime = app.state.runtime
    closed: list[str] = []

    async def broken_stop() -> None:
        raise RuntimeError("the wake-ups would not stop")

    async def close_on_loop() -> None:
        closed.append("card limits")

    monkeypatch.setattr(runtime.wakeups, "stop", broken_stop)
    monkeypatch.setattr(runtime.card_limiter, "close_on_loop", close_on_loop)
    with pytest.raises(RuntimeError, match="would not stop"), TestClient(app):
        child = child_of(runtime.card_writer)
    # Stopped after the wake-ups all the same: the card writer, the limits' connections.
    assert reaped(child)
    assert closed == ["card limits"]


def test_the_app_answers_a_503_when_its_process_dies_mid_card_and_the_retry_is_stored(
    settings: Settings, world: World, session: Session, engine: Engine
) -> None:
    app = create_app(settings.model_copy(update={"card_writer": "process"}))
    url = f"/api/v1/codes/{world.counter_code.token}/cards"
    card = {"rating": 1, "comment": "Nobody at the desk"}
    headers = {"Idempotency-Key": "retried"}
    with TestClient(app) as client:
        answers = []
        with holding_the_card_table(engine):
            sending = threading.Thread(
                target=lambda: answers.append(client.post(url, json=card, headers=headers))
            )
            sending.start()
            time.sleep(1)
            os.kill(child_of(app.state.runtime.card_writer), signal.SIGKILL)
            sending.join(30)
        assert answers[0].status_code == 503
        assert answers[0].headers["Retry-After"]
        assert "try again" in answers[0].json()["detail"]
        if engine.dialect.name == "sqlite":
            # The card died with the process's transaction. On PostgreSQL the server may have
            # had its writes and their COMMIT, and store it once the table is free: either way
            # the retry gets one card.
            assert stored_keys(session) == []
        again = client.post(url, json=card, headers=headers)
        assert again.status_code == 201
        assert client.post(url, json=card, headers=headers).json()["id"] == again.json()["id"]
    assert stored_keys(session) == ["retried"]
    app.state.runtime.engine.dispose()


@pytest.mark.parametrize(
    ("choice", "database_url", "stored_in"),
    [
        ("auto", "sqlite:////srv/tellus/tellus.db", StoreInProcess),
        ("auto", "postgresql+psycopg://tellus@db/tellus", StoreInProcess),
        ("auto", "sqlite://", StoreHere),  # in memory: no other process can open it
        ("process", "sqlite:///file:cards?mode=memory&uri=true", StoreHere),
        ("process", "postgresql+psycopg://tellus@db/tellus", StoreInProcess),
        ("thread", "sqlite:////srv/tellus/tellus.db", StoreHere),
        ("thread", "postgresql+psycopg://tellus@db/tellus", StoreHere),
    ],
)
def test_where_a_server_stores_its_cards(choice: str, database_url: str, stored_in: type) -> None:
    settings = Settings(
        card_writer=choice,  # type: ignore[arg-type]
        database_url=database_url,
        _env_file=None,  # type: ignore[call-arg]
    )
    engine = create_engine(
        database_url, poolclass=NullPool
    )  # not connected: only its dialect and address count
    assert isinstance(card_store(settings, engine), stored_in)
    engine.dispose()


def test_the_process_imports_what_storing_needs_not_the_web_app() -> None:
    """Each server starts one: FastAPI, its routes and the PDF library stay out of it
    (a package's routes are imported only when the app asks for them)."""
    found = subprocess.run(
        [sys.executable, "-P", "-c", IMPORTS_OF_THE_PROCESS],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    assert found.stdout.split() == [], f"the card process imports {found.stdout}"


IMPORTS_OF_THE_PROCESS = """
import sys
import api.customer.card_process
from api.customer.cards import insert_card, insert_cards
from api.db import create_db_engine
print(*sorted({name.split(".")[0] for name in sys.modules} & {"fastapi", "fpdf"}))
"""
