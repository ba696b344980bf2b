"""The "push" alert channel: a negative card's alert on every device a manager subscribed.

One of the worker's default channels; `api.alerts.channels.webpush` does the sending. The
delivery's idempotency key is the push message's Topic, so a push service keeps one copy of a
repeat that is still waiting for the device.
"""

import hashlib

from sqlmodel import Session

from api.accounts.service import manager_tenant
from api.alerts.channels.delivery import DeliveryContext, DeliveryError
from api.alerts.channels.webpush import PushError, PushGone, send_web_push, vapid_keys
from api.inbox.push_subscriptions import (
    card_notification,
    list_subscriptions,
    record_delivery,
    subscription_language,
)
from api.inbox.service import count_unread
from api.models import AlertDelivery, Card, Location

ALERT_TTL_SECONDS = 3600


def push_topic(idempotency_key: str) -> str:
    """A Topic header (at most 32 URL-safe characters) that is the same at every attempt."""
    return hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]


def deliver_push(delivery: AlertDelivery, context: DeliveryContext) -> None:
    """Send the card's alert to each of the person's devices; fail only if none could take it."""
    assert delivery.user_id is not None
    with Session(context.engine) as session:
        card = session.get(Card, delivery.card_id)
        reader = manager_tenant(
            session=session, user_id=delivery.user_id, organisation_id=delivery.organisation_id
        )
        # As the worker checked just before (api.alerts.outbox.is_no_longer_news).
        if card is None or card.id is None or reader is None:
            return
        if not reader.sees_location(card.location_id):
            return
        subscriptions = list_subscriptions(
            session=session, user_id=delivery.user_id, organisation_id=delivery.organisation_id
        )
        if not subscriptions:
            return  # every device is gone: nothing left to tell
        location = session.get(Location, card.location_id) if card.location_id else None
        # The cards unread now, of those this person sees in this organisation: the number on
        # the app's icon while the inbox is closed, as the open inbox keeps it.
        unread = count_unread(session=session, tenant=reader)
    vapid = vapid_keys(engine=context.engine, settings=context.settings)
    reached, errors = 0, []
    for subscription in subscriptions:
        payload = card_notification(
            language=subscription_language(subscription),
            card_id=card.id,
            rating=card.rating,
            where=location.name if location else "",
            comment=card.comment,
            unread=unread,
        )
        error: PushError | None = None
        try:
            send_web_push(
                subscription=subscription,
                payload=payload,
                vapid=vapid,
                allowed=context.settings.outbound_allowed,
                ttl=ALERT_TTL_SECONDS,
                topic=push_topic(delivery.idempotency_key),
                timeouts=context.settings.alert_timeouts,
            )
            reached += 1
        except PushGone as gone:
            error = gone
        except PushError as failed:
            error = failed
            errors.append(failed.reason)
        assert subscription.id is not None
        record_delivery(engine=context.engine, subscription_id=subscription.id, error=error)
    if errors and not reached:
        raise DeliveryError("; ".join(errors)[:500])
