"""The outbox's bookkeeping: claiming due deliveries, recording success, backing off, parking.

A claim is a lease (claimed_until) with a token: the worker that holds it is the only one that
may record the outcome, and a worker killed mid-send gives its rows back when the lease ends.
PostgreSQL takes the rows with FOR UPDATE SKIP LOCKED, so concurrent workers pass over each
other's rows instead of waiting; SQLite's writer transaction (BEGIN IMMEDIATE) makes the whole
select-then-mark one atomic step, since only one writer runs at a time.
"""

import random
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Engine, or_, update
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from api.config import Settings
from api.db import writer
from api.models import AlertChannel, AlertDelivery, Card, CardStatus, DeliveryStatus, utcnow
from api.tenancy import Tenant, get_scoped, scoped

Clock = Callable[[], datetime]
ERROR_MAX = 500
# A person reads these: once the card is handled, its alert would only interrupt them. A
# webhook's system may want every event, so a webhook always delivers.
READ_BY_A_PERSON = (AlertChannel.email, AlertChannel.push)
HANDLED = (CardStatus.acknowledged, CardStatus.resolved, CardStatus.dismissed)


def claim_due(
    *, engine: Engine, settings: Settings, now: datetime, limit: int = 10
) -> list[AlertDelivery]:
    """Lease up to `limit` due deliveries to this worker; nobody else gets them meanwhile."""
    token = uuid.uuid4().hex
    due = due_ids(now=now, limit=limit)
    with Session(engine) as session:
        # A plain read first: an idle worker never takes SQLite's write lock.
        if not session.exec(due.limit(1)).first():
            return []
    with Session(writer(engine), expire_on_commit=False) as session:
        if engine.dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        ids = list(session.exec(due).all())
        if not ids:
            return []
        session.execute(
            update(AlertDelivery)
            .where(col(AlertDelivery.id).in_(ids))
            .values(
                claimed_until=now + timedelta(seconds=settings.alert_lease_seconds),
                claim_token=token,
            )
        )
        session.commit()
        rows = session.exec(
            select(AlertDelivery)
            .where(col(AlertDelivery.id).in_(ids))
            .where(AlertDelivery.claim_token == token)
            .order_by(col(AlertDelivery.id))
        ).all()
        return list(rows)


def due_ids(*, now: datetime, limit: int) -> SelectOfScalar[int | None]:
    """The ids of pending deliveries that are due and not held by a live claim, oldest first."""
    return (
        select(col(AlertDelivery.id))
        .where(AlertDelivery.status == DeliveryStatus.pending)
        .where(col(AlertDelivery.next_attempt_at) <= now)
        .where(
            or_(
                col(AlertDelivery.claimed_until).is_(None),
                col(AlertDelivery.claimed_until) < now,
            )
        )
        .order_by(col(AlertDelivery.next_attempt_at), col(AlertDelivery.id))
        .limit(limit)
    )


def mark_sent(*, engine: Engine, delivery: AlertDelivery, now: datetime) -> None:
    """Record a delivery as sent (only while this worker's claim still holds it)."""
    _finish(
        engine, delivery, status=DeliveryStatus.sent, sent_at=now, attempts=delivery.attempts + 1
    )


def is_no_longer_news(*, engine: Engine, delivery: AlertDelivery) -> bool:
    """Whether this is a person's alert about a card handled since the alert was queued."""
    if delivery.channel not in READ_BY_A_PERSON or delivery.card_id is None:
        return False
    with Session(engine) as session:
        status = session.exec(select(Card.status).where(Card.id == delivery.card_id)).first()
    return status in HANDLED


def mark_dropped(*, engine: Engine, delivery: AlertDelivery) -> None:
    """Record a delivery as not sent on purpose (only while this worker's claim holds it)."""
    _finish(engine, delivery, status=DeliveryStatus.dropped)


def mark_failed(
    *, engine: Engine, settings: Settings, delivery: AlertDelivery, error: str, now: datetime
) -> DeliveryStatus:
    """Back off exponentially, with jitter; past the last attempt, park it for an owner."""
    attempts = delivery.attempts + 1
    if attempts >= settings.alert_max_attempts:
        status = DeliveryStatus.parked
        next_attempt_at = now
    else:
        status = DeliveryStatus.pending
        next_attempt_at = now + timedelta(seconds=backoff_seconds(settings, attempts))
    _finish(
        engine,
        delivery,
        status=status,
        attempts=attempts,
        next_attempt_at=next_attempt_at,
        last_error=error[:ERROR_MAX],
    )
    return status


def backoff_seconds(settings: Settings, attempts: int) -> float:
    """Full jitter between half and all of base·2^(attempts−1), capped: retries spread out."""
    ceiling = min(
        settings.alert_retry_seconds * 2 ** (attempts - 1), settings.alert_retry_max_seconds
    )
    return random.uniform(ceiling / 2, ceiling)  # noqa: S311 (spreading retries, not secrecy)


def _finish(engine: Engine, delivery: AlertDelivery, **values: object) -> None:
    with Session(writer(engine)) as session:
        session.execute(
            update(AlertDelivery)
            .where(col(AlertDelivery.id) == delivery.id)
            .where(col(AlertDelivery.claim_token) == delivery.claim_token)
            .values(claimed_until=None, claim_token=None, **values)
        )
        session.commit()


def list_undelivered(*, session: Session, tenant: Tenant) -> list[AlertDelivery]:
    """The organisation's parked deliveries, and pending ones that have failed at least once."""
    statement = (
        scoped(tenant, AlertDelivery)
        .where(col(AlertDelivery.status) != DeliveryStatus.sent)
        .where(
            or_(col(AlertDelivery.status) == DeliveryStatus.parked, col(AlertDelivery.attempts) > 0)
        )
        .order_by(col(AlertDelivery.id).desc())
        .limit(200)
    )
    return list(session.exec(statement).all())


def retry_delivery(*, session: Session, tenant: Tenant, delivery_id: int) -> AlertDelivery:
    """An owner sends a parked or failing delivery again now, with a fresh count of attempts."""
    delivery = get_scoped(session, tenant, AlertDelivery, delivery_id)
    if delivery.status != DeliveryStatus.sent:
        delivery.status = DeliveryStatus.pending
        delivery.attempts = 0
        delivery.next_attempt_at = utcnow()
        delivery.claimed_until = None
        delivery.claim_token = None
        session.add(delivery)
        session.commit()
    return delivery
