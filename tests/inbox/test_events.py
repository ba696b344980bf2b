"""The event table: written with the change it describes, read in an order that loses nothing."""

import threading

from fastapi import FastAPI
from sqlmodel import Session, col, select

from api.accounts.service import tenant_for
from api.customer.cards import submit_card
from api.customer.codes import CodeContext, load_code_context
from api.customer.schemas import CardIn
from api.inbox.live import read_changes
from api.inbox.service import set_status
from api.models import Card, Event, EventKind, Membership
from api.tenancy import Tenant
from tests.factories import World, make_card, reread

WRITERS = 4
CARDS_EACH = 15


def context_of(app: FastAPI, token: str) -> CodeContext:
    context = load_code_context(engine=app.state.runtime.engine, raw_token=token)
    assert context is not None
    return context


def owner_tenant(session: Session, world: World) -> Tenant:
    membership = session.exec(select(Membership).where(Membership.user_id == world.owner.id)).one()
    return tenant_for(session=session, membership=membership)


def events(session: Session) -> list[Event]:
    reread(session)
    return list(session.exec(select(Event).order_by(col(Event.id))).all())


def test_a_stored_card_has_its_event_and_a_replay_adds_none(
    app: FastAPI, session: Session, world: World
) -> None:
    context = context_of(app, world.counter_code.token)
    data = CardIn(rating=5, comment="Great")
    first = submit_card(
        engine=app.state.runtime.engine,
        context=context,
        data=data,
        idempotency_key="k1",
        language="en",
        secret="test secret",
    )
    again = submit_card(
        engine=app.state.runtime.engine,
        context=context,
        data=data,
        idempotency_key="k1",
        language="en",
        secret="test secret",
    )
    assert again.replayed
    assert again.card.id == first.card.id

    stored = events(session)
    assert [(e.kind, e.card_id, e.organisation_id, e.location_id) for e in stored] == [
        (EventKind.card_created, first.card.id, world.organisation.id, world.counter.id)
    ]
    assert stored[0].actor_id is None


def test_a_status_step_is_an_event_with_who_and_what(
    app: FastAPI, session: Session, world: World
) -> None:
    card = make_card(session, code=world.terrace_code)
    tenant = owner_tenant(session, world)
    with Session(app.state.runtime.engine) as writing:
        set_status(session=writing, tenant=tenant, card_id=card.id, status="acknowledged")  # type: ignore[arg-type]
    with Session(app.state.runtime.engine) as writing:
        # Opening an acknowledged card again changes nothing, and records nothing.
        set_status(session=writing, tenant=tenant, card_id=card.id, status="seen")  # type: ignore[arg-type]

    stored = [event for event in events(session) if event.kind == EventKind.card_status]
    assert [(e.kind, e.card_id, e.actor_id, e.data) for e in stored] == [
        (EventKind.card_status, card.id, world.owner.id, {"from": "new", "to": "acknowledged"})
    ]
    assert stored[0].location_id == world.terrace.id


def test_concurrent_writers_never_commit_behind_a_reader(
    app: FastAPI, session: Session, world: World
) -> None:
    """A reader that only asks for ids above the last it saw still gets every card.

    On PostgreSQL this fails without the per-organisation lock in api.inbox.events: a
    sequence hands out ids in one order and transactions may commit in another.
    """
    engine = app.state.runtime.engine
    tenant = owner_tenant(session, world)
    context = context_of(app, world.counter_code.token)
    writing_done = threading.Event()
    received: list[int] = []

    def write(writer: int) -> None:
        for number in range(CARDS_EACH):
            submit_card(
                engine=engine,
                context=context,
                data=CardIn(rating=3, comment=f"{writer}-{number}"),
                idempotency_key=f"w{writer}-{number}",
                language="en",
                secret="test secret",
            )

    def read() -> None:
        after_id = 0
        while True:
            finished = writing_done.is_set()
            batch = read_changes(engine=engine, tenant=tenant, after_id=after_id, limit=1000)
            received.extend(change.card.id for change in batch.changes)
            after_id = batch.last_event_id
            if finished:
                return

    reader = threading.Thread(target=read)
    reader.start()
    writers = [threading.Thread(target=write, args=(number,)) for number in range(WRITERS)]
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    writing_done.set()
    reader.join(timeout=30)

    reread(session)
    stored = set(session.exec(select(Card.id)).all())
    assert len(stored) == WRITERS * CARDS_EACH
    assert sorted(received) == sorted(stored), "the reader missed a card or got one twice"
