"""Cards committed in groups: each good card stored once whatever its neighbours do, and
idempotency kept when many requests send at once."""

import asyncio
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from threading import Event, Thread
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, func, select

from api.customer.card_process import StoreInProcess
from api.customer.card_writer import CardWriter, GroupStore, StoreHere
from api.customer.cards import insert_card, insert_cards, submit_card
from api.customer.codes import load_code_context
from api.customer.schemas import CardIn
from api.errors import NotFound
from api.models import AlertDelivery, Card, EventKind, Webhook, utcnow
from api.models import Event as CardEvent
from api.models.card import new_card_row
from tests.databases import round_trips_to_postgres
from tests.factories import World, make_manager, reread
from tests.helpers import in_own_loop


@pytest.fixture
def engine(app) -> Engine:
    return app.state.runtime.engine


@pytest.fixture
def card_writer(engine: Engine):
    writer = CardWriter(StoreHere(engine, store_one=insert_card, store_many=insert_cards))
    yield writer
    writer.stop()


def new_card(world: World, key: str, **fields) -> Card:
    return Card(
        organisation_id=world.organisation.id,
        code_id=world.counter_code.id,
        location_id=world.counter_code.location_id,
        rating=1,
        idempotency_key=key,
        request_hash=key,
        **fields,
    )


def stored_keys(session: Session) -> list[str]:
    session.commit()  # a new transaction sees what others committed since
    session.expire_all()
    return sorted(session.exec(select(Card.idempotency_key)).all())


def commit(writer: CardWriter, cards: list[Card]) -> list[Future]:
    answers: list[Future] = [Future() for _ in cards]
    writer.commit_group(list(zip(cards, answers, strict=True)))
    return answers


def test_a_refused_card_fails_only_itself(
    card_writer: CardWriter, world: World, session: Session
) -> None:
    vanished = new_card(world, "vanished")
    vanished.code_id = 10**9  # its code was deleted meanwhile: the foreign key refuses it
    answers = commit(card_writer, [new_card(world, "one"), vanished, new_card(world, "two")])
    assert [answer.result() is None for answer in answers] == [False, True, False]
    assert stored_keys(session) == ["one", "two"]
    # Each stored card has its outbox rows (a negative card emails the owner).
    alerted = session.exec(select(func.count(col(AlertDelivery.card_id).distinct()))).one()
    assert alerted == 2


def test_a_group_alerts_as_its_cards_would_alone(
    world: World, other_world: World, engine: Engine, session: Session
) -> None:
    # Routing reads once per group what its cards share: each card must still reach its own.
    make_manager(
        session,
        world=world,
        email="terrace@harbour.example",
        location_ids=frozenset({world.terrace.id}),
    )
    make_manager(
        session,
        world=world,
        email="counter@harbour.example",
        location_ids=frozenset({world.counter.id}),
    )
    for organisation, all_cards in ((world, True), (other_world, False)):
        session.add(
            Webhook(
                organisation_id=organisation.organisation.id,
                name="Hook",
                url="https://hooks.example/in",
                secret="whsec_x",
                all_cards=all_cards,
            )
        )
    session.commit()

    def cards(prefix: str) -> list[Card]:
        made = []
        for place, rating in [
            (world.terrace_code, 1),
            (world.counter_code, 2),
            (world.terrace_code, 5),
            (other_world.counter_code, 1),
            (other_world.terrace_code, 4),
            (world.counter_code, 1),
        ]:
            card = new_card(world, f"{prefix}-{len(made)}")
            card.rating = rating
            card.organisation_id = place.organisation_id
            card.code_id, card.location_id = place.id, place.location_id
            made.append(card)
        return made

    def routed(prefix: str) -> list[tuple]:
        rows = session.exec(
            select(Card, AlertDelivery)
            .join(AlertDelivery, col(AlertDelivery.card_id) == Card.id)
            .where(col(Card.idempotency_key).startswith(prefix))
        ).all()
        return sorted(
            (
                card.idempotency_key.split("-")[1],
                delivery.channel,
                delivery.kind,
                delivery.user_id,
                delivery.webhook_id,
            )
            for card, delivery in rows
        )

    assert all(insert_cards(engine=engine, cards=cards("group")))
    for card in cards("alone"):
        assert insert_card(engine=engine, card=card) is not None
    reread(session)
    grouped = routed("group")
    assert grouped == routed("alone")
    # Each negative card emails the manager of its place; the other organisation's webhook
    # wants negative cards only.
    assert [row[0] for row in grouped if row[1] == "email"] == ["0", "1", "3", "5"]
    assert [row[0] for row in grouped if row[1] == "webhook"] == ["0", "1", "2", "3", "5"]


def test_a_group_keeps_the_first_card_of_a_key_or_form(world: World, engine: Engine) -> None:
    stored = insert_card(engine=engine, card=new_card(world, "stored", form_nonce="form-a"))
    assert stored is not None
    cards = [
        new_card(world, "stored"),  # the key of a stored card
        new_card(world, "fresh", form_nonce="form-a"),  # the form of a stored card
        new_card(world, "twice", form_nonce="form-b"),
        new_card(world, "twice"),  # the key of a card earlier in the group
        new_card(world, "again", form_nonce="form-b"),  # the form of a card earlier in the group
        new_card(world, "last"),
    ]
    results = insert_cards(engine=engine, cards=cards)
    assert [result is not None for result in results] == [False, False, True, False, False, True]
    with Session(engine) as session:
        assert stored_keys(session) == ["last", "stored", "twice"]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_key_another_process_takes_after_the_check_is_refused_and_the_rest_stored(
    world: World, engine: Engine
) -> None:
    # Another process's card with the same key, inserted but not yet committed: the group's
    # check cannot see it, and its insert waits on the key's unique index.
    with ThreadPoolExecutor(max_workers=1) as pool:
        with Session(engine) as other:
            other.add(new_card(world, "taken"))
            other.flush()
            cards = [new_card(world, "taken"), new_card(world, "free")]
            group = pool.submit(insert_cards, engine=engine, cards=cards)
            time.sleep(0.5)
            assert not group.done()  # held by the other process's row
            other.commit()
        # The unique index refuses the group's insert: the group is checked and stored once
        # more, without the card whose key was taken, and nothing of the first attempt is left.
        taken, free = group.result(timeout=30)
    assert taken is None
    assert free is not None
    with Session(engine) as session:
        assert stored_keys(session) == ["free", "taken"]
        events = session.exec(
            select(CardEvent.card_id).where(CardEvent.kind == EventKind.card_created)
        )
        alerted = session.exec(select(AlertDelivery.card_id).distinct())
        assert sorted(events.all()) == [free.id]
        assert sorted(alerted.all()) == [free.id]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_group_takes_two_round_trips_to_postgres_and_alerts_route_between_them(
    world: World, engine: Engine
) -> None:
    """The BEGIN with the checks, then the writes with the COMMIT: each round trip wakes both
    the card writer and PostgreSQL, so their number is what a lone card costs most."""
    quiet = [new_card(world, "quiet", alerts=False), new_card(world, "quiet-too", alerts=False)]
    with round_trips_to_postgres(engine) as trips:
        stored = insert_cards(engine=engine, cards=quiet)
    assert all(card is not None for card in stored)
    assert trips == [2]
    with round_trips_to_postgres(engine) as trips:
        [alerting] = insert_cards(engine=engine, cards=[new_card(world, "alerting")])
    assert alerting is not None
    with Session(engine) as session:
        assert (
            session.exec(select(func.count()).where(AlertDelivery.card_id == alerting.id)).one() > 0
        )
    # Routing's reads come between the two, each a round trip of its own.
    assert trips[0] > 2


def test_a_request_that_stops_waiting_leaves_its_card_and_the_writer(
    engine: Engine, world: World, session: Session
) -> None:
    # The writer is busy with a group while the first request is cancelled (its client left).
    busy = Event()

    def slow_many(**group: Any) -> list[Card | None]:
        busy.wait(10)
        return insert_cards(**group)

    card_writer = CardWriter(StoreHere(engine, store_one=insert_card, store_many=slow_many))

    async def customers() -> Card | None:
        leaving = asyncio.ensure_future(card_writer.insert_waiting(new_card(world, "gone")))
        await asyncio.sleep(0.1)
        leaving.cancel()
        busy.set()
        return await asyncio.wait_for(card_writer.insert_waiting(new_card(world, "next")), 10)

    try:
        assert in_own_loop(customers) is not None
    finally:
        card_writer.stop()
    assert stored_keys(session) == ["gone", "next"]


def committed_on_a_loop(writer: CardWriter, groups: list[list[Card]]) -> tuple[int, list[Any]]:
    """Each group committed by `writer` for coroutines of one loop: how many times the writer
    woke that loop, and what each card's request got."""

    async def customers() -> tuple[int, list[Any]]:
        loop = asyncio.get_running_loop()
        wakeups: list[Any] = []
        threadsafe = loop.call_soon_threadsafe

        def counted(callback: Any, *args: Any, **options: Any) -> Any:
            wakeups.append(callback)
            return threadsafe(callback, *args, **options)

        loop.call_soon_threadsafe = counted  # type: ignore[method-assign]
        results: list[Any] = []
        for cards in groups:
            answers = [loop.create_future() for _ in cards]
            # A plain thread: asyncio.to_thread would wake the loop itself.
            group = list(zip(cards, answers, strict=True))
            Thread(target=writer.commit_group, args=(group,)).start()
            gathered = asyncio.gather(*answers, return_exceptions=True)
            results += await asyncio.wait_for(gathered, 10)
        return len(wakeups), results

    return in_own_loop(customers)


def test_a_group_answers_the_coroutines_of_a_loop_in_one_wakeup(
    card_writer: CardWriter, world: World, session: Session
) -> None:
    cards = [new_card(world, f"card-{n}") for n in range(5)]
    wakeups, results = committed_on_a_loop(card_writer, [cards])
    assert wakeups == 1
    assert [card.idempotency_key for card in results] == [f"card-{n}" for n in range(5)]
    assert len({card.id for card in results}) == 5
    assert stored_keys(session) == [f"card-{n}" for n in range(5)]


def test_a_failing_group_answers_each_coroutine_once_its_card_is_stored_alone(
    card_writer: CardWriter, world: World, session: Session
) -> None:
    broken = new_card(world, "broken")
    broken.comment = {"not": "text"}  # type: ignore[assignment]  # the driver can't bind it
    cards = [new_card(world, "one"), broken, new_card(world, "two")]
    wakeups, results = committed_on_a_loop(card_writer, [cards])
    assert wakeups == 3  # one a card: the first is not kept waiting for the others
    assert [results[0].idempotency_key, results[2].idempotency_key] == ["one", "two"]
    assert isinstance(results[1], DBAPIError)
    assert stored_keys(session) == ["one", "two"]


@pytest.fixture(params=["thread", "process"])
def either_writer(request: pytest.FixtureRequest, engine: Engine, database_url: str):
    """A writer that stores in its thread, or in a process of its own (card_process)."""
    if request.param == "thread":
        store: GroupStore = StoreHere(engine, store_one=insert_card, store_many=insert_cards)
    else:
        store = StoreInProcess(database_url)
    writer = CardWriter(store)
    yield writer
    writer.stop()


def test_a_failing_group_stores_each_good_card_once_and_answers_the_bad_one(
    either_writer: CardWriter, world: World, session: Session
) -> None:
    broken = new_card(world, "broken")
    broken.comment = {"not": "text"}  # type: ignore[assignment]  # the driver can't bind it
    answers = commit(either_writer, [new_card(world, "one"), broken, new_card(world, "two")])
    assert answers[0].result(timeout=30).id != answers[2].result(timeout=30).id
    # The driver's own error, as the request met it, from whichever process stored the group.
    with pytest.raises(DBAPIError):
        answers[1].result(timeout=30)
    assert stored_keys(session) == ["one", "two"]


def test_a_card_for_a_vanished_code_gets_a_clear_error(
    card_writer: CardWriter, world: World, engine: Engine
) -> None:
    context = load_code_context(engine=engine, raw_token=world.counter_code.token)
    assert context is not None
    with pytest.raises(NotFound, match="This code no longer exists"):
        submit_card(
            engine=engine,
            context=replace(context, code_id=10**9),
            data=CardIn(rating=4),
            idempotency_key="lost",
            language="en",
            secret="s" * 32,
            card_writer=card_writer,
        )


def test_idempotency_holds_when_many_send_at_once(
    card_writer: CardWriter, world: World, engine: Engine, session: Session
) -> None:
    context = load_code_context(engine=engine, raw_token=world.counter_code.token)
    assert context is not None

    def send(key: str) -> int | None:
        return submit_card(
            engine=engine,
            context=context,
            data=CardIn(rating=4, comment=f"card {key}"),
            idempotency_key=key,
            language="en",
            secret="s" * 32,
            card_writer=card_writer,
        ).card.id

    keys = [f"key-{index % 8}" for index in range(32)]
    with ThreadPoolExecutor(16) as pool:
        ids = list(pool.map(send, keys))
    by_key = {
        key: {card_id for k, card_id in zip(keys, ids, strict=True) if k == key} for key in keys
    }
    assert all(len(found) == 1 for found in by_key.values())
    assert stored_keys(session) == sorted(set(keys))


def test_a_card_row_is_stored_as_the_same_card_made_by_its_model(
    card_writer: CardWriter, world: World, session: Session
) -> None:
    values = {
        "organisation_id": world.organisation.id,
        "code_id": world.counter_code.id,
        "location_id": world.counter_code.location_id,
        "rating": 5,
        "comment": "Lovely",
        "share_publicly": True,
        "share_name": "Ana",
        "form_nonce": "nonce",
    }
    by_model = Card(**values, idempotency_key="model", request_hash="model")
    by_row = new_card_row(**values, idempotency_key="row", request_hash="row")
    # The same card in every field, the factory's creation time made for each.
    assert by_row.model_dump(exclude={"form_nonce", "idempotency_key", "request_hash"}) == (
        by_model.model_dump(exclude={"form_nonce", "idempotency_key", "request_hash"})
        | {"created_at": by_row.created_at}
    )
    assert abs(by_row.created_at - utcnow()) < timedelta(seconds=5)
    by_model.form_nonce = "other nonce"
    assert all(answer.result() is not None for answer in commit(card_writer, [by_model, by_row]))

    session.expire_all()
    stored = {card.idempotency_key: card for card in session.exec(select(Card))}
    alike = set(Card.model_fields) - {"id", "created_at", "idempotency_key", "request_hash"}
    columns = {
        key: [getattr(stored[key], name) for name in sorted(alike - {"form_nonce"})]
        for key in stored
    }
    assert columns["row"] == columns["model"]
    assert (stored["row"].created_at, stored["row"].form_nonce) == (by_row.created_at, "nonce")


def test_a_card_row_needs_every_field_without_a_default(world: World) -> None:
    epoch = datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(TypeError, match=r"\['code_id', 'idempotency_key', 'request_hash'\]"):
        new_card_row(organisation_id=world.organisation.id, rating=3)
    with pytest.raises(TypeError, match=r"has no \['ratings'\]"):
        new_card_row(organisation_id=1, code_id=2, ratings=3, idempotency_key="k", request_hash="h")
    made = new_card_row(
        organisation_id=1,
        code_id=2,
        rating=3,
        idempotency_key="k",
        request_hash="h",
        created_at=epoch,
    )
    assert (made.created_at, made.status, made.alerts, made.id) == (epoch, "new", True, None)
    assert set(made.model_dump(exclude_unset=True)) == {
        "organisation_id",
        "code_id",
        "rating",
        "idempotency_key",
        "request_hash",
        "created_at",
    }
