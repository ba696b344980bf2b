"""The outbox's bookkeeping: claiming due deliveries, recording success, backing off, parking.

A claim is a lease (claimed_until) with a token: the worker that holds it is the only one that
may record the outcome, and a worker killed mid-send gives its rows back when the lease ends.
The due rows are ranked in a plain read; then PostgreSQL takes the first of them still due with
FOR UPDATE SKIP LOCKED, so concurrent workers pass over each other's rows instead of waiting, and
SQLite's writer transaction (BEGIN IMMEDIATE) makes the check-then-mark one atomic step, since
only one writer runs at a time.

A claim is fair: alerts about negative cards go first, and organisations take turns, so one
organisation's flood of deliveries never keeps another's alert waiting behind it.
"""

import random
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Engine, case, func, or_, update
from sqlalchemy import select as sql_select
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from api.accounts.service import manager_tenant
from api.config import Settings
from api.db import writer
from api.models import (
    AlertChannel,
    AlertDelivery,
    AlertKind,
    Card,
    CardStatus,
    DeliveryStatus,
    utcnow,
)
from api.tenancy import Tenant, get_scoped, scoped

Clock = Callable[[], datetime]
ERROR_MAX = 500
# A person reads these: once the card is handled, its alert would only interrupt them. A
# webhook's system may want every event, so a webhook always delivers.
READ_BY_A_PERSON = (AlertChannel.email, AlertChannel.push)
HANDLED = (CardStatus.acknowledged, CardStatus.resolved, CardStatus.dismissed)
# Taken before everything else: a manager is waiting for these.
URGENT = (AlertKind.negative, AlertKind.escalation)
# A claim ranks this many times what it takes: what another worker claimed meanwhile is skipped.
CANDIDATES_PER_CLAIM = 2


def claim_due(
    *,
    engine: Engine,
    settings: Settings,
    now: datetime,
    limit: int = 10,
    per_organisation: int | None = None,
    in_flight: Mapping[int, int] | None = None,
) -> list[AlertDelivery]:
    """Lease up to `limit` due deliveries to this worker, fairly across organisations (see
    `fair_due_ids`), in that order; nobody else gets them meanwhile."""
    token = uuid.uuid4().hex
    with Session(engine) as session:
        # Ranked in a plain read: an idle worker never takes SQLite's write lock, and a busy one
        # holds it only to mark its rows, not while every due row is ranked.
        candidates = [
            delivery_id
            for delivery_id in session.exec(
                fair_due_ids(
                    now=now,
                    limit=limit * CANDIDATES_PER_CLAIM,
                    per_organisation=per_organisation,
                    in_flight=in_flight or {},
                )
            ).all()
            if delivery_id is not None
        ]
    if not candidates:
        return []
    with Session(writer(engine), expire_on_commit=False) as session:
        ids = _take_still_due(session, candidates, now=now, limit=limit)
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
        ).all()
        claimed = {row.id: row for row in rows}
        return [claimed[delivery_id] for delivery_id in ids if delivery_id in claimed]


def _take_still_due(
    session: Session, candidates: list[int], *, now: datetime, limit: int
) -> list[int]:
    """The first `limit` candidates still due (another worker may have claimed some since they
    were ranked). On PostgreSQL they are locked by their ids, SKIP LOCKED passing over another
    worker's and the lease checked again on each row's latest version: ranking and locking in
    one join left the plan to the planner's guess of the due rows, which ranked them again per
    row (7 s for 3,000)."""
    place = {delivery_id: number for number, delivery_id in enumerate(candidates)}
    statement = (
        select(col(AlertDelivery.id))
        .where(col(AlertDelivery.id).in_(candidates))
        .where(*is_due(now))
        .order_by(case(place, value=col(AlertDelivery.id)))
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    return [delivery_id for delivery_id in session.exec(statement).all() if delivery_id is not None]


def is_due(now: datetime) -> tuple[ColumnElement[bool], ...]:
    """Pending, due, and not held by a live claim."""
    return (
        col(AlertDelivery.status) == DeliveryStatus.pending,
        col(AlertDelivery.next_attempt_at) <= now,
        or_(col(AlertDelivery.claimed_until).is_(None), col(AlertDelivery.claimed_until) < now),
    )


def urgency() -> ColumnElement[int]:
    """0 for an alert about a negative card (its escalation too), 1 for the rest: digests and
    the cards an all-cards webhook asked for."""
    return case((col(AlertDelivery.kind).in_(URGENT), 0), else_=1)


def fair_due_ids(
    *, now: datetime, limit: int, per_organisation: int | None, in_flight: Mapping[int, int]
) -> SelectOfScalar[int | None]:
    """The ids of due deliveries in the order they are taken: urgent ones first, then turn by
    turn across organisations (each one's first, then each one's second…), oldest first within
    an organisation. An organisation with `in_flight` deliveries still being sent by this
    worker gets at most `per_organisation` minus those. It ranks every due row (one sort)."""
    urgent = urgency()
    ranked = (
        sql_select(
            col(AlertDelivery.id).label("id"),
            col(AlertDelivery.organisation_id).label("organisation_id"),
            col(AlertDelivery.next_attempt_at).label("next_attempt_at"),
            urgent.label("urgency"),
            func.row_number()
            .over(
                partition_by=col(AlertDelivery.organisation_id),
                order_by=(urgent, col(AlertDelivery.next_attempt_at), col(AlertDelivery.id)),
            )
            .label("turn"),
        )
        .where(*is_due(now))
        .subquery("ranked")
    )
    statement = (
        select(ranked.c.id)
        .order_by(ranked.c.urgency, ranked.c.turn, ranked.c.next_attempt_at, ranked.c.id)
        .limit(limit)
    )
    if per_organisation is not None:
        allowance = {
            organisation_id: per_organisation - count
            for organisation_id, count in in_flight.items()
        }
        share = (
            case(allowance, value=ranked.c.organisation_id, else_=per_organisation)
            if allowance
            else per_organisation
        )
        statement = statement.where(ranked.c.turn <= share)
    return statement


def mark_sent(*, engine: Engine, delivery: AlertDelivery, now: datetime) -> None:
    """Record a delivery as sent (only while this worker's claim still holds it)."""
    _finish(
        engine, delivery, status=DeliveryStatus.sent, sent_at=now, attempts=delivery.attempts + 1
    )


def is_no_longer_news(*, engine: Engine, delivery: AlertDelivery) -> bool:
    """Whether a person's email or push is not to go out: about a card handled since it was
    queued, or for a reader who no longer sees what it tells (removed, made staff, limited to
    other places, no longer an owner for the weekly summary) once it waited for their quiet
    hours to end, or for a retry. A digest that still has news has its cards narrowed to the
    reader's as it is written (api.alerts.messages)."""
    if delivery.channel not in READ_BY_A_PERSON:
        return False
    with Session(engine) as session:
        card = session.get(Card, delivery.card_id) if delivery.card_id is not None else None
        if card is not None and card.status in HANDLED:
            return True
        if delivery.user_id is None:
            return False
        reader = manager_tenant(
            session=session, user_id=delivery.user_id, organisation_id=delivery.organisation_id
        )
        if reader is None:
            return True
        if delivery.kind == AlertKind.weekly:
            return not reader.is_owner
        if delivery.kind == AlertKind.digest:
            return not digest_has_news(session, delivery, reader)
        return card is not None and not reader.sees_location(card.location_id)


def digest_has_news(session: Session, delivery: AlertDelivery, reader: Tenant) -> bool:
    """Whether a digest still tells its reader something: a card of a place they see, or
    Customer Service Week (as api.alerts.schedule queues only a digest with either)."""
    if "service_week" in delivery.payload:
        return True
    ids = [*delivery.payload.get("card_ids", []), *delivery.payload.get("waiting_ids", [])]
    places = session.exec(select(Card.location_id).where(col(Card.id).in_(ids))).all()
    return any(reader.sees_location(place) for place in places)


def mark_dropped(*, engine: Engine, delivery: AlertDelivery) -> None:
    """Record a delivery as not sent on purpose (only while this worker's claim holds it)."""
    _finish(engine, delivery, status=DeliveryStatus.dropped)


def mark_failed(
    *, engine: Engine, settings: Settings, delivery: AlertDelivery, error: str, now: datetime
) -> datetime | None:
    """Back off exponentially, with jitter; past the last attempt, park it for an owner. When
    it is tried again, or None when it was parked."""
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
    return next_attempt_at if status == DeliveryStatus.pending else None


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
    """The organisation's parked deliveries, and pending ones that have failed at least once
    (not those sent, nor those dropped as no longer news)."""
    statement = (
        scoped(tenant, AlertDelivery)
        .where(col(AlertDelivery.status).in_([DeliveryStatus.pending, DeliveryStatus.parked]))
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
