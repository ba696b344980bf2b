"""One-click unsubscribe (RFC 8058): a signed link per person, organisation and kind of email.

The link is its own credential: POST to it unsubscribes without a session (mail providers post
from their own servers); GET only shows a page that asks, since link scanners follow every GET.
"""

import base64
import hashlib
import hmac
from dataclasses import dataclass

from sqlmodel import Session

from api.config import Settings
from api.models import AlertKind, AlertPreference, Organisation
from api.security import same_secret

ALERTS = "alerts"
DIGEST = "digest"
WEEKLY = "weekly"
TOPICS = {AlertKind.digest: DIGEST, AlertKind.weekly: WEEKLY}


@dataclass(frozen=True)
class Subscription:
    organisation_id: int
    user_id: int
    topic: str


def topic_of(kind: AlertKind) -> str:
    return TOPICS.get(kind, ALERTS)


def _signature(secret_key: str, payload: str) -> str:
    digest = hmac.new(secret_key.encode(), f"unsubscribe:{payload}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def unsubscribe_token(*, secret_key: str, organisation_id: int, user_id: int, topic: str) -> str:
    payload = f"{organisation_id}:{user_id}:{topic}"
    encoded = base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")
    return f"{encoded}.{_signature(secret_key, payload)}"


def unsubscribe_url(
    *, settings: Settings, secret_key: str, organisation_id: int, user_id: int, topic: str
) -> str:
    token = unsubscribe_token(
        secret_key=secret_key, organisation_id=organisation_id, user_id=user_id, topic=topic
    )
    return f"{settings.base_url}/unsubscribe/{token}"


def read_token(*, secret_key: str, token: str) -> Subscription | None:
    """What a link unsubscribes from, or None when it was not made by us."""
    encoded, _, signature = token.partition(".")
    if len(token) > 200 or not encoded or not signature:
        return None
    try:
        payload = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
        organisation, user, topic = payload.split(":")
        subscription = Subscription(int(organisation), int(user), topic)
    except (ValueError, UnicodeDecodeError):
        return None
    if topic not in (ALERTS, DIGEST, WEEKLY):
        return None
    if not same_secret(signature, _signature(secret_key, payload)):
        return None
    return subscription


def organisation_name(*, session: Session, subscription: Subscription) -> str:
    organisation = session.get(Organisation, subscription.organisation_id)
    return organisation.name if organisation else ""


def unsubscribe(*, session: Session, subscription: Subscription) -> None:
    """Turn off this kind of email for this person in this organisation."""
    key = (subscription.organisation_id, subscription.user_id)
    preference = session.get(AlertPreference, key) or AlertPreference(
        organisation_id=subscription.organisation_id, user_id=subscription.user_id
    )
    if subscription.topic == DIGEST:
        preference.digest_email = False
    elif subscription.topic == WEEKLY:
        preference.weekly_email = False
    else:
        preference.negative_email = False
    session.add(preference)
    session.commit()
