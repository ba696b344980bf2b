"""Storing a customer's card exactly once."""

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from api.alerts.routing import enqueue_card_alerts
from api.customer.card_writer import CardWriter
from api.customer.codes import CodeContext
from api.customer.follow_up.service import follow_up_hash, follow_up_token
from api.customer.schemas import CardIn
from api.db import writer
from api.errors import NotFound, Unprocessable
from api.i18n import N_
from api.inbox.events import record_event
from api.models import Card, EventKind

IDEMPOTENCY_KEY_MAX = 100


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
    new = Card(**fields, form_nonce=form_nonce, alerts=alerts)
    card = card_writer.insert(new) if card_writer else insert_card(engine=engine, card=new)
    if card is not None:
        return Submission(card=card, replayed=False, follow_up_token=token)
    first = _replay(engine=engine, idempotency_key=idempotency_key, fingerprint=fingerprint)
    if first is not None:
        return Submission(card=first, replayed=True, follow_up_token=token)
    if form_nonce is not None and _nonce_taken(engine=engine, form_nonce=form_nonce):
        # Another card already came on this form: keep this one for a manager to look at.
        held = insert_card(engine=engine, card=Card(**fields, held=True, alerts=False))
        if held is not None:
            return Submission(card=held, replayed=False, follow_up_token=token)
        first = _replay(engine=engine, idempotency_key=idempotency_key, fingerprint=fingerprint)
        if first is not None:
            return Submission(card=first, replayed=True, follow_up_token=token)
    # The integrity error was not about the key or the form: the code or employee vanished.
    raise NotFound(N_("This code no longer exists."))


def insert_card(*, engine: Engine, card: Card) -> Card | None:
    """The card stored with its event (and its alerts), or None when a unique key refused it."""
    with Session(writer(engine), expire_on_commit=False) as session:
        try:
            _add_card(session, card)
            session.commit()
            return card
        except IntegrityError:
            session.rollback()
            return None


def insert_cards(*, engine: Engine, cards: list[Card]) -> list[Card | None]:
    """Several cards in one transaction, as `insert_card` stores each (see CardWriter)."""
    stored: list[Card | None] = []
    with Session(writer(engine), expire_on_commit=False) as session:
        for card in cards:
            try:
                with session.begin_nested():
                    _add_card(session, card)
                stored.append(card)
            except IntegrityError:
                stored.append(None)
        session.commit()
    return stored


def _add_card(session: Session, card: Card) -> None:
    session.add(card)
    session.flush()
    # Same transaction: an open inbox learns of the card exactly when it is stored.
    record_event(session=session, kind=EventKind.card_created, card=card)
    if card.alerts:
        # The transactional outbox: the card is never stored without its alerts.
        enqueue_card_alerts(session=session, card=card, now=card.created_at)


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
