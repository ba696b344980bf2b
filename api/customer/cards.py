"""Storing a customer's card exactly once."""

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, func, insert, or_, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from api.alerts.routing import Routing
from api.customer.card_writer import CardWriter
from api.customer.codes import CodeContext
from api.customer.follow_up.service import follow_up_hash, follow_up_token
from api.customer.schemas import CardIn
from api.db import writer
from api.db_direct import begin_with, commit, execute_many, own_transaction, pipeline
from api.errors import NotFound, Unprocessable
from api.i18n import N_
from api.inbox.events import record_cards_created
from api.models import AlertDelivery, Card
from api.models.card import new_card_row
from api.models.rows import row_values

IDEMPOTENCY_KEY_MAX = 100

# A group's statements, built once: building a statement and its cache key cost several times
# what SQLite takes to run it (bench/README.md).
_KEY_IN = col(Card.idempotency_key).in_(bindparam("keys", expanding=True))
_NONCE_IN = col(Card.form_nonce).in_(bindparam("nonces", expanding=True))
KEYS_TAKEN = select(Card.idempotency_key, Card.form_nonce).where(_KEY_IN)
KEYS_OR_NONCES_TAKEN = select(Card.idempotency_key, Card.form_nonce).where(or_(_KEY_IN, _NONCE_IN))
LAST_CARD_ID = select(func.max(Card.id))
NEXT_CARD_IDS = text(
    "SELECT nextval(pg_get_serial_sequence('card', 'id')) FROM generate_series(1, :count)"
)
INSERT_CARD = insert(Card)
INSERT_DELIVERY = insert(AlertDelivery)


class IdempotencyConflict(Unprocessable):
    title = N_("This submission key was already used for a different card.")


class UnknownEmployee(Unprocessable):
    title = N_("Please pick someone from the list.")


@dataclass(frozen=True)
class Submission:
    card: Card
    replayed: bool
    # The customer's private follow-up token: the same for a replay (see
    # api.customer.follow_up.service).
    follow_up_token: str


def request_fingerprint(context: CodeContext, data: CardIn) -> str:
    """A hash of what was sent, to tell a retry (same body) from a reused key (different body)."""
    body = json.dumps([context.token, data.model_dump()], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()


@dataclass(frozen=True)
class NewCard:
    """A card checked and ready to store, with what answering a refusal of it needs."""

    card: Card
    fields: dict[str, Any]
    fingerprint: str
    follow_up_token: str


def submit_card(
    *,
    engine: Engine,
    context: CodeContext,
    data: CardIn,
    idempotency_key: str,
    language: str,
    secret: str,
    form_nonce: str | None = None,
    alerts: bool = True,
    card_writer: CardWriter | None = None,
) -> Submission:
    """Store a card in one short transaction; the same key again replays the first card. A
    second card on a form whose nonce a card already took is stored held, without alerts;
    `alerts=False` (the code is past its ceiling, api.protection) stores it without alerts.
    A `card_writer` commits it with the cards sent meanwhile (see api.customer.card_writer)."""
    new = new_card(
        context=context,
        data=data,
        idempotency_key=idempotency_key,
        language=language,
        secret=secret,
        form_nonce=form_nonce,
        alerts=alerts,
    )
    if card_writer is None:
        stored = insert_card(engine=engine, card=new.card)
    else:
        stored = card_writer.insert(new.card)
    return settle(engine=engine, new=new, stored=stored)


async def store_card(*, engine: Engine, card_writer: CardWriter, new: NewCard) -> Submission:
    """`submit_card` for a route, given `new_card`'s card: it waits for its group's commit on
    the event loop, and only a refused card (a replay, a form used twice) reads the database,
    in a worker thread."""
    stored = await card_writer.insert_waiting(new.card)
    if stored is not None:
        return Submission(card=stored, replayed=False, follow_up_token=new.follow_up_token)
    return await run_in_threadpool(settle, engine=engine, new=new, stored=None)


def new_card(
    *,
    context: CodeContext,
    data: CardIn,
    idempotency_key: str,
    language: str,
    secret: str,
    form_nonce: str | None = None,
    alerts: bool = True,
) -> NewCard:
    """The card a customer sent, checked, not yet stored."""
    if not idempotency_key or len(idempotency_key) > IDEMPOTENCY_KEY_MAX:
        raise Unprocessable(N_("A submission key of 1 to 100 characters is required."))
    employee_id = context.employee_id
    if data.employee_id is not None and context.employee_id is None:
        if context.staff_member(data.employee_id) is None:
            raise UnknownEmployee()
        employee_id = data.employee_id
    fingerprint = request_fingerprint(context, data)
    token = follow_up_token(secret, idempotency_key)
    fields = {
        "organisation_id": context.organisation_id,
        "code_id": context.code_id,
        "location_id": context.location_id,
        "employee_id": employee_id,
        **data.model_dump(exclude={"employee_id"}),
        "language": language,
        "idempotency_key": idempotency_key,
        "request_hash": fingerprint,
        "follow_up_hash": follow_up_hash(token),
    }
    return NewCard(
        card=new_card_row(**fields, form_nonce=form_nonce, alerts=alerts),
        fields=fields,
        fingerprint=fingerprint,
        follow_up_token=token,
    )


def settle(*, engine: Engine, new: NewCard, stored: Card | None) -> Submission:
    """The answer to a submission: its card, or, when a unique key refused it, the first card
    sent with its key, or the card kept held because its form had already sent one."""
    token, key, nonce = new.follow_up_token, new.card.idempotency_key, new.card.form_nonce
    if stored is not None:
        return Submission(card=stored, replayed=False, follow_up_token=token)
    first = _replay(engine=engine, idempotency_key=key, fingerprint=new.fingerprint)
    if first is not None:
        return Submission(card=first, replayed=True, follow_up_token=token)
    if nonce is not None and _nonce_taken(engine=engine, form_nonce=nonce):
        # Another card already came on this form: keep this one for a manager to look at.
        held = insert_card(engine=engine, card=Card(**new.fields, held=True, alerts=False))
        if held is not None:
            return Submission(card=held, replayed=False, follow_up_token=token)
        first = _replay(engine=engine, idempotency_key=key, fingerprint=new.fingerprint)
        if first is not None:
            return Submission(card=first, replayed=True, follow_up_token=token)
    # The integrity error was not about the key or the form: the code or employee vanished.
    raise NotFound(N_("This code no longer exists."))


def insert_card(*, engine: Engine, card: Card) -> Card | None:
    """The card stored with its event (and its alerts), or None when a unique key refused it."""
    try:
        return insert_cards(engine=engine, cards=[card])[0]
    except IntegrityError:
        return None


def insert_cards(*, engine: Engine, cards: list[Card]) -> list[Card | None]:
    """Cards stored in one transaction, each with its event and alerts; None for a card whose
    submission key or form a stored card, or one earlier in the list, already took. On
    PostgreSQL another process may take a key between the check and the insert: the list is
    then checked and stored once more. Any other refusal (a code deleted meanwhile) rolls them
    all back: CardWriter then stores each alone."""
    try:
        return _insert_group(engine, cards)
    except IntegrityError:
        return _insert_group(engine, cards)


def _insert_group(engine: Engine, cards: list[Card]) -> list[Card | None]:
    # On PostgreSQL, two round trips: the BEGIN with the reads, then the writes with the COMMIT.
    with writer(engine).connect() as connection, own_transaction(connection):
        taken, ids = begin_with(
            connection, [_keys_taken(cards), _ids_query(connection, len(cards))]
        )
        first = _first_of_their_keys(cards, taken)
        # In key order, so that two processes storing the same keys meet in the same order on
        # every unique index instead of deadlocking.
        fresh = sorted(
            (card for card, new in zip(cards, first, strict=True) if new),
            key=lambda card: card.idempotency_key,
        )
        for card, card_id in zip(fresh, _card_ids(connection, ids, len(fresh)), strict=True):
            card.id = card_id
        try:
            deliveries = _deliveries(connection, fresh)
            with pipeline(connection):
                _store(connection, fresh, deliveries)
                commit(connection)
        except Exception:
            for card in fresh:
                card.id = None  # the ids it was given were never stored
            raise
    return [card if new else None for card, new in zip(cards, first, strict=True)]


def _keys_taken(cards: list[Card]) -> tuple[Any, dict[str, Any]]:
    """One query, each column by its unique index: the keys and nonces of the stored cards
    that share either with these cards."""
    keys = sorted({card.idempotency_key for card in cards})
    nonces = sorted({card.form_nonce for card in cards if card.form_nonce is not None})
    query = KEYS_OR_NONCES_TAKEN if nonces else KEYS_TAKEN
    return query, {"keys": keys, "nonces": nonces}


def _first_of_their_keys(cards: list[Card], taken_rows: list[tuple[Any, ...]]) -> list[bool]:
    """Whether each card is the first with its submission key and form nonce, given the keys
    and nonces stored cards took. A writer holds SQLite's lock as it reads them; on PostgreSQL
    another process may take a key before the insert, whose unique index then refuses the whole
    list (see insert_cards)."""
    taken: set[str] = set()
    used: set[str] = set()
    for key, nonce in taken_rows:
        taken.add(key)
        if nonce is not None:
            used.add(nonce)
    first = []
    for card in cards:
        fresh = card.idempotency_key not in taken and card.form_nonce not in used
        first.append(fresh)
        if fresh:
            taken.add(card.idempotency_key)
            if card.form_nonce is not None:
                used.add(card.form_nonce)
    return first


def _deliveries(connection: Connection, cards: list[Card]) -> list[dict[str, Any]]:
    """The alerts of the cards that alert: the transactional outbox's rows, stored with them."""
    alerting = [card for card in cards if card.alerts]
    if not alerting:
        return []
    with Session(connection) as session:
        routing = Routing(session)
        return [
            row_values(delivery)
            for card in alerting
            for delivery in routing.deliveries(card, card.created_at)
        ]


def _store(connection: Connection, cards: list[Card], deliveries: list[dict[str, Any]]) -> None:
    """Insert the cards (with their ids), their alerts and their events: a statement for each,
    whatever the number of cards, run on the driver's cursor (the ORM's unit of work, then
    SQLAlchemy's execution, cost more than the database, per card: api.db_direct)."""
    if not cards:
        return
    # Without RETURNING, psycopg sends one short statement for every row in a pipeline: a long
    # multi-row INSERT costs more to parse on the client than the rows cost to store.
    execute_many(connection, INSERT_CARD, [row_values(card, with_id=True) for card in cards])
    # The transactional outbox: a card is never stored without its alerts.
    execute_many(connection, INSERT_DELIVERY, deliveries)
    # Same transaction: an open inbox learns of a card exactly when it is stored. Last, as it
    # takes the organisation's event lock on PostgreSQL until the commit (api.inbox.events); it
    # counts the cards after taking it, in the order every writer of events takes the two.
    record_cards_created(connection=connection, cards=cards)


def _replay(*, engine: Engine, idempotency_key: str, fingerprint: str) -> Card | None:
    """The card already stored under this key (the same card sent again), if any."""
    with Session(engine, expire_on_commit=False) as session:
        first = session.exec(select(Card).where(Card.idempotency_key == idempotency_key)).first()
    if first is not None and first.request_hash != fingerprint:
        raise IdempotencyConflict()
    return first


def _nonce_taken(*, engine: Engine, form_nonce: str) -> bool:
    with Session(engine) as session:
        return (
            session.exec(select(Card.id).where(Card.form_nonce == form_nonce)).first() is not None
        )


def _ids_query(connection: Connection, count: int) -> tuple[Any, dict[str, Any] | None]:
    """The query that gives new cards their ids before they are inserted: `count` of
    PostgreSQL's next ids (some unused if cards are refused), or SQLite's last id."""
    if connection.dialect.name == "postgresql":
        return NEXT_CARD_IDS, {"count": count}
    return LAST_CARD_ID, None


def _card_ids(connection: Connection, rows: list[tuple[Any, ...]], count: int) -> list[int]:
    """Ids for `count` new cards, from `_ids_query`'s rows."""
    if connection.dialect.name == "postgresql":
        return [card_id for (card_id,) in rows[:count]]
    # This transaction holds SQLite's one write lock (api.db.writer): nobody else inserts, and
    # these are the ids SQLite itself would choose.
    [(last,)] = rows
    return list(range((last or 0) + 1, (last or 0) + 1 + count))
