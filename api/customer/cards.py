"""Storing a customer's card exactly once."""

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from api.alerts.routing import enqueue_card_alerts
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
) -> Submission:
    """Store a card in one short transaction; the same key again replays the first card."""
    if not idempotency_key or len(idempotency_key) > IDEMPOTENCY_KEY_MAX:
        raise Unprocessable(N_("A submission key of 1 to 100 characters is required."))
    employee_id = context.employee_id
    if data.employee_id is not None and context.employee_id is None:
        if context.staff_member(data.employee_id) is None:
            raise UnknownEmployee()
        employee_id = data.employee_id
    fingerprint = request_fingerprint(context, data)
    token = follow_up_token(secret, idempotency_key)
    card = Card(
        organisation_id=context.organisation_id,
        code_id=context.code_id,
        location_id=context.location_id,
        employee_id=employee_id,
        rating=data.rating,
        comment=data.comment,
        contact_name=data.contact_name,
        contact_email=data.contact_email,
        contact_phone=data.contact_phone,
        wants_reply=data.wants_reply,
        language=language,
        idempotency_key=idempotency_key,
        request_hash=fingerprint,
        follow_up_hash=follow_up_hash(token),
    )
    with Session(writer(engine), expire_on_commit=False) as session:
        session.add(card)
        try:
            session.flush()
            # Same transaction: an open inbox learns of the card exactly when it is stored.
            record_event(session=session, kind=EventKind.card_created, card=card)
            # The transactional outbox: the card is never stored without its alerts.
            enqueue_card_alerts(session=session, card=card, now=card.created_at)
            session.commit()
            return Submission(card=card, replayed=False, follow_up_token=token)
        except IntegrityError:
            session.rollback()
    first = _replay(engine=engine, idempotency_key=idempotency_key, fingerprint=fingerprint)
    return Submission(card=first, replayed=True, follow_up_token=token)


def _replay(*, engine: Engine, idempotency_key: str, fingerprint: str) -> Card:
    with Session(engine, expire_on_commit=False) as session:
        first = session.exec(select(Card).where(Card.idempotency_key == idempotency_key)).first()
    if first is None:
        # The integrity error was not about the key: the code or employee vanished meanwhile.
        raise NotFound(N_("This code no longer exists."))
    if first.request_hash != fingerprint:
        raise IdempotencyConflict()
    return first
