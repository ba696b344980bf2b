"""Alerts that time makes due: escalations of unacknowledged negative cards, and daily digests.

Both are written into the outbox under a deterministic idempotency key, so two workers that
schedule the same one at once collide on the unique key and only one row survives.
"""

from datetime import datetime, time, timedelta

from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from api.alerts.routing import (
    NEGATIVE_MAX_RATING,
    email_delivery,
    members,
    organisation_zone,
)
from api.db import writer
from api.models import (
    AlertDelivery,
    AlertKind,
    AlertSettings,
    Card,
    Organisation,
    Role,
)
from api.models.card import AWAITING_ESCALATION
from api.recognition.periods import upcoming_service_week
from api.recognition.service import waiting_compliments

DEFAULT_ESCALATION_MINUTES = 10
DEFAULT_DIGEST_HOUR = 8
# Cards older than this are never escalated: a worker started after a long outage must not
# page the owners about last month.
ESCALATION_HORIZON = timedelta(days=1)


def alert_settings(*, session: Session, organisation_id: int) -> AlertSettings:
    """The organisation's alert settings, the defaults when it never changed them."""
    return session.get(AlertSettings, organisation_id) or AlertSettings(
        organisation_id=organisation_id
    )


def add_once(session: Session, deliveries: list[AlertDelivery]) -> int:
    """Commit scheduled deliveries; none if another worker scheduled them first (same keys)."""
    session.add_all(deliveries)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return 0
    return len(deliveries)


def queued_keys(
    *, session: Session, organisation_id: int, kind: AlertKind, since: datetime
) -> set[str]:
    """The idempotency keys of this kind queued since then: what a pass need not queue again."""
    return set(
        session.exec(
            select(AlertDelivery.idempotency_key)
            .where(AlertDelivery.organisation_id == organisation_id)
            .where(AlertDelivery.kind == kind)
            .where(col(AlertDelivery.created_at) >= since)
        ).all()
    )


def schedule_escalations(*, engine: Engine, now: datetime) -> int:
    """Queue an email to the owners for each negative card left unacknowledged too long."""
    escalated = select(AlertDelivery.card_id).where(AlertDelivery.kind == AlertKind.escalation)
    with Session(engine) as session:
        cards = session.exec(
            select(Card)
            # Negative and unacknowledged. A held card, or one past its code's alert ceiling
            # (api.protection), raised no alert: nor does it escalate. In the words of the
            # partial index that holds these cards alone.
            .where(text(AWAITING_ESCALATION))
            .where(col(Card.created_at) >= now - ESCALATION_HORIZON)
            .where(col(Card.created_at) <= now - timedelta(minutes=1))
            .where(col(Card.id).not_in(escalated.where(col(AlertDelivery.card_id).is_not(None))))
        ).all()
        minutes = {
            row.organisation_id: row.escalation_minutes
            for row in session.exec(select(AlertSettings)).all()
        }
    queued = 0
    for card in cards:
        wait = minutes.get(card.organisation_id, DEFAULT_ESCALATION_MINUTES)
        if card.created_at <= now - timedelta(minutes=wait):
            queued += _escalate(engine=engine, card=card, minutes=wait, now=now)
    return queued


def _escalate(*, engine: Engine, card: Card, minutes: int, now: datetime) -> int:
    with Session(writer(engine)) as session:
        organisation = session.get(Organisation, card.organisation_id)
        assert organisation is not None
        owners = [
            recipient
            for recipient, _ in members(session=session, organisation_id=card.organisation_id)
            if recipient.role == Role.owner and recipient.preference.negative_email
        ]
        # An urgent alert: the owners' quiet hours do not hold it back.
        deliveries = [
            email_delivery(
                organisation=organisation,
                recipient=owner,
                kind=AlertKind.escalation,
                key=f"tellus-escalation-{card.id}-email-{owner.user.id}",
                now=now,
                card_id=card.id,
                payload={"minutes": minutes},
                honour_quiet_hours=False,
            )
            for owner in owners
        ]
        return add_once(session, deliveries)


def schedule_digests(*, engine: Engine, now: datetime) -> int:
    """Once the digest hour has passed, queue to each person yesterday's positive cards and the
    compliments still waiting to be passed on to their employee."""
    with Session(engine) as session:
        organisations = session.exec(select(Organisation)).all()
    return sum(
        _digests_for(engine=engine, organisation=organisation, now=now)
        for organisation in organisations
    )


def _digests_for(*, engine: Engine, organisation: Organisation, now: datetime) -> int:
    assert organisation.id is not None
    zone = organisation_zone(organisation)
    with Session(writer(engine)) as session:
        settings = alert_settings(session=session, organisation_id=organisation.id)
        digest_hour = settings.digest_hour
        waiting_since = now - timedelta(days=settings.compliment_reminder_days)
        local = now.astimezone(zone)
        if local.hour < digest_hour:
            return 0
        day = local.date() - timedelta(days=1)
        start = datetime.combine(day, time(0), tzinfo=zone)
        end = datetime.combine(local.date(), time(0), tzinfo=zone)
        prefix = f"tellus-digest-{organisation.id}-"
        done = queued_keys(
            session=session,
            organisation_id=organisation.id,
            kind=AlertKind.digest,
            since=now - timedelta(days=2),
        )
        cards = session.exec(
            select(Card.id, Card.location_id)
            .where(Card.organisation_id == organisation.id)
            .where(col(Card.rating) > NEGATIVE_MAX_RATING)
            .where(col(Card.created_at) >= start)
            .where(col(Card.created_at) < end)
            .order_by(col(Card.id))
        ).all()
        deliveries = []
        for recipient, limit in members(session=session, organisation_id=organisation.id):
            key = f"{prefix}{recipient.user.id}-{day.isoformat()}"
            seen = [id_ for id_, location in cards if limit is None or location in limit]
            if key in done or not recipient.preference.digest_email:
                continue
            waiting = waiting_compliments(
                session=session,
                organisation_id=organisation.id,
                older_than=waiting_since,
                location_ids=limit,
            )
            payload: dict[str, object] = {
                "date": day.isoformat(),
                "card_ids": seen,
                "waiting_ids": waiting,
            }
            # Owners hear of Customer Service Week in the week before it.
            week = upcoming_service_week(local.date())
            if week is not None and recipient.role == Role.owner:
                payload["service_week"] = week.first_day.isoformat()
            elif not seen and not waiting:
                continue
            deliveries.append(
                email_delivery(
                    organisation=organisation,
                    recipient=recipient,
                    kind=AlertKind.digest,
                    key=key,
                    now=now,
                    payload=payload,
                )
            )
        return add_once(session, deliveries)
