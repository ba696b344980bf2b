"""A destination that stops answering: its other deliveries wait while one of them probes it.

When a webhook's host or a mail server times out, the organisation's other due deliveries to it
would time out too, each holding one of the worker's slots for the whole timeout. Instead they
are held back, with no attempt counted, until just after the failed delivery's retry: that one
probes the destination alone. If it gets through, the rest follow; if not, it holds them again,
for as long as its own backoff grows. Only the organisation's own deliveries wait: another
organisation's webhook on the same host is a destination of its own, and a flood of one
organisation's never costs another's a timeout.
"""

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Engine, false, or_, update
from sqlmodel import Session, col, select

from api.config import Settings
from api.db import writer
from api.models import AlertChannel, AlertDelivery, DeliveryStatus, Webhook
from api.outbound.destinations import OutboundError, host_key, url_host_port


def probe_seconds(settings: Settings) -> float:
    """The longest one delivery may take to time out: the others wait this long after it."""
    http = settings.alert_connect_seconds + settings.alert_answer_seconds
    return max(http, settings.alert_mail_seconds) + settings.worker_poll_seconds


def hold_destination(
    *, engine: Engine, delivery: AlertDelivery, until: datetime, now: datetime
) -> int:
    """Hold the organisation's other deliveries to this one's destination back until `until`
    (not those a claim still holds, nor those waiting for a retry of their own); how many."""
    with Session(writer(engine)) as session:
        statement = (
            update(AlertDelivery)
            .where(col(AlertDelivery.organisation_id) == delivery.organisation_id)
            .where(col(AlertDelivery.channel) == delivery.channel)
            .where(col(AlertDelivery.id) != delivery.id)
            .where(col(AlertDelivery.status) == DeliveryStatus.pending)
            # One that failed already keeps its own backoff: it is a probe too.
            .where(col(AlertDelivery.attempts) == 0)
            .where(col(AlertDelivery.next_attempt_at) < until)
            .where(
                or_(
                    col(AlertDelivery.claimed_until).is_(None),
                    col(AlertDelivery.claimed_until) < now,
                )
            )
            .where(same_destination(session, delivery))
            .values(next_attempt_at=until)
        )
        held = session.execute(statement).rowcount  # type: ignore[attr-defined]
        session.commit()
    return int(held)


def hold_until(*, settings: Settings, retry_at: datetime | None, now: datetime) -> datetime:
    """Until just after the failed delivery's retry; an hour-long wait when it was parked."""
    if retry_at is None:
        return now + timedelta(seconds=settings.alert_retry_max_seconds)
    return retry_at + timedelta(seconds=probe_seconds(settings))


def same_destination(session: Session, delivery: AlertDelivery) -> ColumnElement[bool]:
    """Which of the organisation's deliveries on this channel go where this one goes: every
    email (one mail server per organisation), or the webhooks on the same host and port."""
    if delivery.channel == AlertChannel.email:
        return col(AlertDelivery.channel) == AlertChannel.email
    if delivery.channel != AlertChannel.webhook:
        return false()
    webhooks = session.exec(
        select(Webhook).where(Webhook.organisation_id == delivery.organisation_id)
    ).all()
    where = {webhook.id: _host_port(webhook.url) for webhook in webhooks}
    target = where.get(delivery.webhook_id)
    if target is None:
        return false()
    same = [webhook_id for webhook_id, place in where.items() if place == target]
    return col(AlertDelivery.webhook_id).in_(same)


def _host_port(url: str) -> tuple[str, int] | None:
    try:
        host, port = url_host_port(url)
    except OutboundError:
        return None
    return host_key(host), port
