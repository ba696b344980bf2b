"""How each channel delivers one outbox row: a registry of channel name → deliverer.

A deliverer sends, or raises DeliveryError (or any error) for the worker to retry later. To add
a channel, write `def deliver_x(delivery, context) -> None` and call `register_channel("x",
deliver_x)`; the worker needs nothing else.
"""

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import httpx
from sqlalchemy import Engine
from sqlmodel import Session

from api.alerts.messages import AlertText, alert_text
from api.alerts.unsubscribe import topic_of, unsubscribe_url
from api.config import Settings
from api.mail import build_message, new_message_id, send_message, server_for
from api.models import AlertDelivery, AlertKind, Organisation, Webhook, WebhookStyle

WEBHOOK_TIMEOUT_SECONDS = 10.0
SIGNATURE_HEADER = "X-Tellus-Signature"
TIMESTAMP_HEADER = "X-Tellus-Timestamp"
DELIVERY_HEADER = "X-Tellus-Delivery"


class DeliveryError(Exception):
    """The channel could not deliver now; the text says why (shown to owners when parked)."""


@dataclass(frozen=True)
class DeliveryContext:
    engine: Engine
    settings: Settings
    secret_key: str
    now: datetime


Deliverer = Callable[[AlertDelivery, DeliveryContext], None]
CHANNELS: dict[str, Deliverer] = {}


def register_channel(channel: str, deliverer: Deliverer) -> None:
    CHANNELS[channel] = deliverer


def deliver(delivery: AlertDelivery, context: DeliveryContext) -> None:
    """Send one delivery through its channel's deliverer."""
    deliverer = CHANNELS.get(delivery.channel)
    if deliverer is None:
        raise DeliveryError(f"No deliverer for the channel {delivery.channel!r} in this process.")
    deliverer(delivery, context)


def deliver_email(delivery: AlertDelivery, context: DeliveryContext) -> None:
    """An alert or digest email, with its stable Message-ID and one-click unsubscribe."""
    with Session(context.engine) as session:
        server = server_for(
            session=session, organisation_id=delivery.organisation_id, settings=context.settings
        )
        if server is None:
            raise DeliveryError("No mail server is configured (set TELLUS_SMTP_URL).")
        text = alert_text(
            session=session, delivery=delivery, settings=context.settings, now=context.now
        )
    assert delivery.user_id is not None
    unsubscribe = unsubscribe_url(
        settings=context.settings,
        secret_key=context.secret_key,
        organisation_id=delivery.organisation_id,
        user_id=delivery.user_id,
        topic=topic_of(AlertKind(delivery.kind)),
    )
    message = build_message(
        server=server,
        to=delivery.address,
        subject=text.subject,
        text=f"{text.body}\n\n-- \n{unsubscribe}\n",
        message_id=message_id(delivery, context.settings),
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            DELIVERY_HEADER: delivery.idempotency_key,
        },
    )
    send_message(server, message)


def message_id(delivery: AlertDelivery, settings: Settings) -> str:
    """The same Message-ID at every attempt: a receiver can drop a repeat."""
    return new_message_id(delivery.idempotency_key, settings)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over "<timestamp>.<body>", hex: what X-Tellus-Signature carries as v1=…."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"v1={mac.hexdigest()}"


def webhook_body(
    webhook: Webhook, delivery: AlertDelivery, text: AlertText, organisation: str
) -> bytes:
    """Slack-compatible {"text": …}, or Tellus's JSON with the card's fields."""
    if webhook.style == WebhookStyle.slack:
        content: dict[str, object] = {"text": f"*{text.subject}*\n{text.body}"}
    else:
        facts = text.cards[0] if text.cards else None
        content = {
            "event": f"alert.{delivery.kind}",
            "delivery": delivery.idempotency_key,
            "organisation": organisation,
            "subject": text.subject,
            "text": text.body,
            "card": None
            if facts is None
            else {
                "id": facts.card.id,
                "rating": facts.card.rating,
                "comment": facts.card.comment,
                "location": facts.place,
                "employee": facts.employee,
                "created_at": facts.card.created_at.isoformat(),
                "url": facts.url,
            },
        }
    return json.dumps(content, ensure_ascii=False).encode()


def post_webhook(*, webhook: Webhook, body: bytes, idempotency_key: str) -> None:
    """POST a signed body; anything but a 2xx answer is a DeliveryError."""
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Tellus-Webhook/1",
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(webhook.secret, timestamp, body),
        DELIVERY_HEADER: idempotency_key,
        "Idempotency-Key": idempotency_key,
    }
    try:
        response = httpx.post(
            webhook.url, content=body, headers=headers, timeout=WEBHOOK_TIMEOUT_SECONDS
        )
    except httpx.HTTPError as error:
        raise DeliveryError(
            f"Could not reach {webhook.url} ({type(error).__name__}: {error})."
        ) from error
    if not 200 <= response.status_code < 300:
        raise DeliveryError(f"{webhook.url} answered {response.status_code}.")


def deliver_webhook(delivery: AlertDelivery, context: DeliveryContext) -> None:
    """A signed POST to the webhook's URL, with the delivery's idempotency key in a header."""
    with Session(context.engine) as session:
        webhook = session.get(Webhook, delivery.webhook_id)
        organisation = session.get(Organisation, delivery.organisation_id)
        if webhook is None or organisation is None:
            raise DeliveryError("This webhook was deleted.")
        text = alert_text(
            session=session, delivery=delivery, settings=context.settings, now=context.now
        )
    body = webhook_body(webhook, delivery, text, organisation.name)
    post_webhook(webhook=webhook, body=body, idempotency_key=delivery.idempotency_key)


register_channel("email", deliver_email)
register_channel("webhook", deliver_webhook)
