"""The "webhook" alert channel: a signed POST (Slack-compatible, or Tellus's own JSON)."""

import hashlib
import hmac
import json
import time

from sqlmodel import Session

from api.alerts.channels.delivery import (
    DELIVERY_HEADER,
    DeliveryContext,
    DeliveryError,
    DestinationTimedOut,
)
from api.alerts.messages import AlertText, alert_text
from api.models import AlertDelivery, Organisation, Webhook, WebhookStyle
from api.outbound import http
from api.outbound.destinations import (
    ANSWERED,
    TIMED_OUT,
    AllowedHosts,
    OutboundError,
    Timeouts,
)

SIGNATURE_HEADER = "X-Tellus-Signature"
TIMESTAMP_HEADER = "X-Tellus-Timestamp"


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


def post_webhook(
    *,
    webhook: Webhook,
    body: bytes,
    idempotency_key: str,
    allowed: AllowedHosts,
    timeouts: Timeouts | None = None,
) -> None:
    """POST a signed body through the outbound guard; OutboundError says in general terms what
    failed (an answer other than 2xx too)."""
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Tellus-Webhook/1",
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(webhook.secret, timestamp, body),
        DELIVERY_HEADER: idempotency_key,
        "Idempotency-Key": idempotency_key,
    }
    status = http.post(
        webhook.url, content=body, headers=headers, allowed=allowed, timeouts=timeouts
    )
    if not 200 <= status < 300:
        raise OutboundError(ANSWERED, status=status)


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
    try:
        post_webhook(
            webhook=webhook,
            body=body,
            idempotency_key=delivery.idempotency_key,
            allowed=context.settings.outbound_allowed,
            timeouts=context.settings.alert_timeouts,
        )
    except OutboundError as error:
        if error.template == TIMED_OUT:
            raise DestinationTimedOut(f"{webhook.url}: {error.message}") from error
        raise DeliveryError(f"{webhook.url}: {error.message}") from error
