"""The "email" alert channel: an alert or digest email through the organisation's server."""

from dataclasses import replace

from sqlmodel import Session

from api.alerts.channels.delivery import (
    DELIVERY_HEADER,
    DeliveryContext,
    DeliveryError,
    DestinationTimedOut,
)
from api.alerts.messages import alert_text
from api.alerts.unsubscribe import topic_of, unsubscribe_url
from api.alerts.weekly_message import weekly_text
from api.config import Settings
from api.mail import MailTimedOut, build_message, new_message_id, send_message, server_for
from api.models import AlertDelivery, AlertKind


def deliver_email(delivery: AlertDelivery, context: DeliveryContext) -> None:
    """An alert or digest email, with its stable Message-ID and one-click unsubscribe."""
    with Session(context.engine) as session:
        server = server_for(
            session=session, organisation_id=delivery.organisation_id, settings=context.settings
        )
        if server is None:
            raise DeliveryError("No mail server is configured (set TELLUS_SMTP_URL).")
        if delivery.kind == AlertKind.weekly:
            text = weekly_text(session=session, delivery=delivery, settings=context.settings)
        else:
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
        html=text.html,
        message_id=message_id(delivery, context.settings),
        headers={DELIVERY_HEADER: delivery.idempotency_key},
        unsubscribe_url=unsubscribe,
    )
    try:
        send_message(replace(server, timeout=context.settings.alert_mail_seconds), message)
    except MailTimedOut as error:
        raise DestinationTimedOut(str(error)) from error


def message_id(delivery: AlertDelivery, settings: Settings) -> str:
    """The same Message-ID at every attempt: a receiver can drop a repeat."""
    return new_message_id(delivery.idempotency_key, settings)
