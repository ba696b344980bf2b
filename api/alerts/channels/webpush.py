"""Web Push (RFC 8030, 8291, 8292): the installation's VAPID keys, and sending one message.

The keys are made once and kept in the database (every host signs with the same key, which the
browsers' subscriptions are bound to), unless the environment gives them (TELLUS_VAPID_*).
Sending is a blocking HTTP POST to the browser's push service, through the outbound guard (the
endpoint's address is checked, no redirect is followed): call it from a worker or a thread.
"""

import base64
import json
import re
import time
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid
from sqlalchemy import Engine

from api.app_settings import shared_value
from api.config import Settings
from api.models import PushSubscription
from api.outbound import http
from api.outbound.destinations import AllowedHosts, OutboundError, Timeouts

VAPID_PRIVATE_KEY = "vapid_private_key"
# Long enough for a phone that is briefly offline; an alert days late is no longer useful.
DEFAULT_TTL_SECONDS = 3600
# RFC 8292 §2: a VAPID token lives at most 24 hours.
VAPID_TOKEN_SECONDS = 12 * 3600
# RFC 8030 §5.4: at most 32 characters of the URL-safe base64 alphabet.
TOPIC = re.compile(r"[A-Za-z0-9_-]{1,32}")
Urgency = Literal["very-low", "low", "normal", "high"]


class PushError(Exception):
    """A delivery failed in a way that may pass: try again later. `reason` says why."""

    def __init__(self, reason: str, *, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


class PushGone(PushError):
    """The push service no longer knows this subscription (404/410): delete it."""


@dataclass(frozen=True, eq=False)
class VapidKeys:
    """The installation's VAPID key pair and the subject (contact) it signs with."""

    private_key: ec.EllipticCurvePrivateKey
    subject: str

    @property
    def public_key_b64(self) -> str:
        """The public key as the browser's applicationServerKey: base64url, no padding."""
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(point)

    def signer(self) -> Vapid:
        return Vapid(self.private_key)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_private_key() -> str:
    """A new P-256 private key, as base64url of its 32 bytes (what is stored)."""
    key = ec.generate_private_key(ec.SECP256R1())
    return b64url(key.private_numbers().private_value.to_bytes(32, "big"))


def parse_private_key(text: str) -> ec.EllipticCurvePrivateKey:
    """A P-256 private key from PEM, or base64url of its 32 bytes, or base64url DER."""
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_private_key(text.encode(), password=None)
        elif len(raw := b64url_decode(text)) == 32:
            key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
        else:
            key = serialization.load_der_private_key(raw, password=None)
    except ValueError as error:
        raise ValueError(f"The VAPID private key could not be read: {error}") from error
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise ValueError("The VAPID private key must be an EC key on the P-256 curve.")
    return key


def default_subject(settings: Settings) -> str:
    """TELLUS_VAPID_SUBJECT, else the site's https address, else a placeholder for development."""
    if settings.vapid_subject:
        return settings.vapid_subject
    origin = settings.origin
    # Push services want a bare https origin (no port) or a mailto: address.
    if origin.startswith("https://") and ":" not in origin.removeprefix("https://"):
        return origin
    return "mailto:tellus@localhost"


def vapid_keys(*, engine: Engine, settings: Settings) -> VapidKeys:
    """The environment's VAPID key, else the one made once and stored for every host."""
    text = settings.vapid_private_key or shared_value(
        engine=engine, key=VAPID_PRIVATE_KEY, create=new_private_key
    )
    return VapidKeys(private_key=parse_private_key(text), subject=default_subject(settings))


def subscription_info(subscription: PushSubscription) -> dict[str, Any]:
    """The subscription in the shape the browser's PushSubscription.toJSON() has."""
    return {
        "endpoint": subscription.endpoint,
        "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
    }


def vapid_authorization(vapid: VapidKeys, endpoint: str) -> str:
    """The Authorization header (RFC 8292): a JWT for the push service's origin, signed."""
    parts = urlsplit(endpoint)
    claims = {
        "aud": f"{parts.scheme}://{parts.netloc}",
        "exp": int(time.time()) + VAPID_TOKEN_SECONDS,
        "sub": vapid.subject,
    }
    authorization: str = vapid.signer().sign(claims)["Authorization"]
    return authorization


def send_web_push(
    *,
    subscription: PushSubscription,
    payload: dict[str, Any],
    vapid: VapidKeys,
    allowed: AllowedHosts,
    ttl: int = DEFAULT_TTL_SECONDS,
    topic: str | None = None,
    urgency: Urgency = "high",
    timeouts: Timeouts | None = None,
) -> None:
    """Encrypt `payload` (aes128gcm) to the browser and POST it, signed with VAPID, through the
    outbound guard (`allowed`: the hosts the installation allows on its own network).

    `topic` lets the push service replace an undelivered message with the same topic: an alert's
    idempotency key there makes a repeated delivery collapse into one notification.
    """
    headers = {"TTL": str(ttl), "Urgency": urgency, "Content-Encoding": "aes128gcm"}
    if topic is not None:
        if not TOPIC.fullmatch(topic):
            raise ValueError("A push topic is 1 to 32 characters of A-Z, a-z, 0-9, - and _.")
        headers["Topic"] = topic
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    # Imported here: pywebpush brings aiohttp, a quarter of a second that every process would pay
    # at start (the app, the worker, each command) for the few that ever send a push.
    from pywebpush import WebPusher

    body: bytes = WebPusher(subscription_info(subscription)).encode(data, "aes128gcm")["body"]
    headers["Authorization"] = vapid_authorization(vapid, subscription.endpoint)
    try:
        status = http.post(
            subscription.endpoint,
            content=body,
            headers=headers,
            allowed=allowed,
            timeouts=timeouts,
        )
    except OutboundError as error:
        raise PushError(error.message) from error
    if status in (404, 410):
        reason = f"The push service answered {status}: the subscription has expired."
        raise PushGone(reason, status=status)
    if not 200 <= status < 300:
        raise PushError(f"The push service answered {status}.", status=status)
