"""Managers' devices that get Web Push alerts: subscribing, listing, what a notification says."""

import binascii
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, select

from api.alerts.channels.webpush import PushError, PushGone, VapidKeys, b64url_decode, send_web_push
from api.db import writer
from api.errors import Unprocessable
from api.i18n import ENGLISH, N_, Language, find_language
from api.inbox.schemas import BrowserSubscription
from api.models import PushSubscription, utcnow
from api.outbound.destinations import (
    AllowedHosts,
    OutboundError,
    check_destination,
    is_allowed,
    url_host_port,
)
from api.tenancy import Tenant

# Notifications are glanced at: a long comment is cut (and a push message holds ~4 KB at most).
BODY_CHARACTERS = 300
TEST_TTL_SECONDS = 120


@dataclass(frozen=True)
class SendReport:
    sent: int
    failed: int
    gone: int


def check_subscription(data: BrowserSubscription, *, allowed: AllowedHosts) -> None:
    """A push service's https URL, outside the server's own network (plain http only on a host
    the installation allows), and keys a message can be encrypted to. Blocking (a lookup)."""
    not_push = N_("This browser gave an address that is not a push service.")
    scheme = urlsplit(data.endpoint).scheme
    try:
        host, port = url_host_port(data.endpoint)
    except OutboundError as error:
        raise Unprocessable(not_push) from error
    if not (scheme == "https" or (scheme == "http" and is_allowed(host, port, allowed))):
        raise Unprocessable(not_push)
    # The server POSTs to this URL: a push service on the internet, never our own network.
    check_destination(host, port, allowed=allowed)
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(
            ec.SECP256R1(), b64url_decode(data.keys.p256dh)
        )
        auth_secret = b64url_decode(data.keys.auth)
    except (ValueError, binascii.Error) as error:
        raise Unprocessable(N_("This browser gave keys that cannot be used.")) from error
    if len(auth_secret) != 16:
        raise Unprocessable(N_("This browser gave keys that cannot be used."))


def save_subscription(
    *,
    session: Session,
    tenant: Tenant,
    data: BrowserSubscription,
    language: str,
    session_id: str | None = None,
) -> PushSubscription:
    """Store a device's subscription for this manager and organisation. It touches no one
    else's: an endpoint is not a secret, and someone who learns it gets a row of their own."""
    assert tenant.user_id is not None
    for _ in range(2):
        row = session.exec(
            select(PushSubscription).where(
                PushSubscription.endpoint == data.endpoint,
                PushSubscription.user_id == tenant.user_id,
                PushSubscription.organisation_id == tenant.organisation_id,
            )
        ).first() or PushSubscription(
            endpoint=data.endpoint,
            user_id=tenant.user_id,
            organisation_id=tenant.organisation_id,
            p256dh=data.keys.p256dh,
            auth=data.keys.auth,
        )
        row.p256dh, row.auth, row.language = data.keys.p256dh, data.keys.auth, language
        row.session_id = session_id
        row.last_failure_at = row.last_failure_reason = None
        session.add(row)
        try:
            session.commit()
            return row
        except IntegrityError:
            # The same browser subscribed twice at once (PostgreSQL): update the other's row.
            session.rollback()
    raise PushError("The subscription could not be stored.")


def list_subscriptions(
    *, session: Session, user_id: int, organisation_id: int
) -> list[PushSubscription]:
    """The devices on which this person gets this organisation's alerts."""
    statement = select(PushSubscription).where(
        PushSubscription.user_id == user_id, PushSubscription.organisation_id == organisation_id
    )
    return list(session.exec(statement.order_by(col(PushSubscription.id))))


def delete_subscription(*, session: Session, tenant: Tenant, endpoint: str) -> bool:
    """Stop this manager's alerts on the device with this endpoint (someone else's stays)."""
    result = session.exec(
        delete(PushSubscription).where(
            col(PushSubscription.endpoint) == endpoint,
            col(PushSubscription.user_id) == tenant.user_id,
            col(PushSubscription.organisation_id) == tenant.organisation_id,
        )
    )
    session.commit()
    return bool(result.rowcount)


def record_delivery(*, engine: Engine, subscription_id: int, error: PushError | None) -> None:
    """Note a send's outcome on the subscription; a gone one is deleted."""
    with Session(writer(engine)) as session:
        row = session.get(PushSubscription, subscription_id)
        if row is None:
            return
        if isinstance(error, PushGone):
            session.delete(row)
        elif error is None:
            row.last_success_at = utcnow()
        else:
            row.last_failure_at, row.last_failure_reason = utcnow(), error.reason[:200]
        session.commit()


def send_test_notification(
    *, engine: Engine, tenant: Tenant, vapid: VapidKeys, allowed: AllowedHosts
) -> SendReport:
    """Send a test notification to each of this manager's devices, each in its language."""
    assert tenant.user_id is not None
    with Session(engine) as session:
        subscriptions = list_subscriptions(
            session=session, user_id=tenant.user_id, organisation_id=tenant.organisation_id
        )
    sent = failed = gone = 0
    # No database transaction stays open while the push services answer.
    for subscription in subscriptions:
        payload = trial_notification(subscription_language(subscription))
        error: PushError | None = None
        try:
            send_web_push(
                subscription=subscription,
                payload=payload,
                vapid=vapid,
                allowed=allowed,
                ttl=TEST_TTL_SECONDS,
                urgency="normal",
            )
            sent += 1
        except PushGone as refused:
            error, gone = refused, gone + 1
        except PushError as refused:
            error, failed = refused, failed + 1
        assert subscription.id is not None
        record_delivery(engine=engine, subscription_id=subscription.id, error=error)
    return SendReport(sent=sent, failed=failed, gone=gone)


def subscription_language(subscription: PushSubscription) -> Language:
    return find_language(subscription.language) or ENGLISH


def trial_notification(language: Language) -> dict[str, Any]:
    """What the "send a test notification" button shows on every device of the manager's."""
    return {
        "title": language.gettext(N_("Tellus alerts are on")),
        "body": language.gettext(N_("This device will show new cards that need you.")),
        "url": "/inbox",
        "tag": "tellus-test",
    }


def card_notification(
    *,
    language: Language,
    card_id: int,
    rating: int,
    where: str,
    comment: str,
    unread: int | None = None,
) -> dict[str, Any]:
    """A card's alert: its rating and place as the title, the comment as the body, and how many
    cards the person has unread (for the app's icon) when known."""
    title = language.gettext(N_("New card: %(rating)s/5")) % {"rating": rating}
    if where:
        title = f"{title} · {where}"
    body = comment.strip() or language.gettext(N_("(no comment)"))
    if len(body) > BODY_CHARACTERS:
        body = body[: BODY_CHARACTERS - 1].rstrip() + "…"
    message = {"title": title, "body": body, "url": f"/inbox/{card_id}", "tag": f"card-{card_id}"}
    return message if unread is None else {**message, "unread": unread}
