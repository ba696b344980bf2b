"""Web Push to a local push service: encrypted payload, VAPID signature, refusals, shared keys."""

import threading
import time

import pytest
from cryptography.exceptions import InvalidSignature
from sqlalchemy import create_engine
from sqlmodel import Session, select

from api.alerts.channels.webpush import (
    VAPID_PRIVATE_KEY,
    PushError,
    PushGone,
    VapidKeys,
    default_subject,
    new_private_key,
    send_web_push,
    vapid_keys,
)
from api.config import Settings
from api.i18n import find_language
from api.inbox.push_subscriptions import card_notification
from api.main import create_app
from api.models import AppSetting, PushSubscription
from api.outbound.destinations import AllowedHosts
from tests.client import TestClient
from tests.push import BrowserKeys, PushReceiver, verified_vapid

PAYLOAD = {"title": "New card: 1/5 · Terrace", "body": "Cold soup, nobody came", "url": "/inbox/7"}


def subscription_to(receiver: PushReceiver, browser: BrowserKeys) -> PushSubscription:
    data = browser.subscription(receiver.endpoint("phone"))
    return PushSubscription(
        user_id=1,
        organisation_id=1,
        endpoint=data["endpoint"],
        p256dh=data["keys"]["p256dh"],
        auth=data["keys"]["auth"],
    )


@pytest.fixture
def allowed(settings: Settings) -> AllowedHosts:
    """The hosts the tests' settings allow: the local push service among them."""
    return settings.outbound_allowed


@pytest.fixture
def vapid(settings: Settings) -> VapidKeys:
    engine = create_engine(settings.database_url)
    try:
        return vapid_keys(engine=engine, settings=settings)
    finally:
        engine.dispose()


def test_the_push_service_gets_an_encrypted_message_signed_with_vapid(
    push_receiver: PushReceiver, vapid: VapidKeys, allowed: AllowedHosts
) -> None:
    browser = BrowserKeys()
    sent_at = time.time()

    send_web_push(
        subscription=subscription_to(push_receiver, browser),
        payload=PAYLOAD,
        vapid=vapid,
        allowed=allowed,
        ttl=600,
        topic="card-7",
        urgency="high",
    )

    (request,) = push_receiver.wait_for(1)
    assert request.path == "/push/phone"
    assert browser.decrypt(request) == PAYLOAD
    assert PAYLOAD["body"].encode() not in request.body
    assert request.headers["ttl"] == "600"
    assert request.headers["urgency"] == "high"
    assert request.headers["topic"] == "card-7"

    key, claims = verified_vapid(request.headers["authorization"])
    assert key == vapid.public_key_b64
    assert claims["aud"] == push_receiver.origin
    assert sent_at < claims["exp"] <= sent_at + 24 * 3600
    assert claims["sub"] == vapid.subject == "mailto:tellus@localhost"


def test_a_message_that_another_key_signed_fails_verification(
    push_receiver: PushReceiver, vapid: VapidKeys, allowed: AllowedHosts
) -> None:
    send_web_push(
        subscription=subscription_to(push_receiver, BrowserKeys()),
        payload=PAYLOAD,
        vapid=vapid,
        allowed=allowed,
    )
    (request,) = push_receiver.wait_for(1)
    authorization = request.headers["authorization"]
    other = vapid_keys_from(new_private_key())
    forged = authorization.replace(vapid.public_key_b64, other.public_key_b64)

    with pytest.raises(InvalidSignature):
        verified_vapid(forged)


def vapid_keys_from(private_key: str) -> VapidKeys:
    settings = Settings(vapid_private_key=private_key, _env_file=None)  # type: ignore[call-arg]
    return vapid_keys(engine=create_engine("sqlite://"), settings=settings)


@pytest.mark.parametrize("status", [404, 410])
def test_a_subscription_the_push_service_forgot_is_gone(
    push_receiver: PushReceiver, vapid: VapidKeys, allowed: AllowedHosts, status: int
) -> None:
    push_receiver.answers.append(status)

    with pytest.raises(PushGone) as refused:
        send_web_push(
            subscription=subscription_to(push_receiver, BrowserKeys()),
            payload={},
            vapid=vapid,
            allowed=allowed,
        )

    assert refused.value.status == status
    assert str(status) in refused.value.reason


def test_a_server_error_is_a_retryable_push_error(
    push_receiver: PushReceiver, vapid: VapidKeys, allowed: AllowedHosts
) -> None:
    push_receiver.answers.append(500)

    with pytest.raises(PushError) as refused:
        send_web_push(
            subscription=subscription_to(push_receiver, BrowserKeys()),
            payload={},
            vapid=vapid,
            allowed=allowed,
        )

    assert not isinstance(refused.value, PushGone)
    assert refused.value.status == 500
    assert "500" in refused.value.reason
    assert len(push_receiver.requests) == 1


def test_an_unreachable_push_service_is_a_push_error(
    push_receiver: PushReceiver, vapid: VapidKeys, allowed: AllowedHosts
) -> None:
    subscription = subscription_to(push_receiver, BrowserKeys())
    push_receiver.stop()

    with pytest.raises(PushError, match="Could not connect") as refused:
        send_web_push(subscription=subscription, payload={}, vapid=vapid, allowed=allowed)

    assert refused.value.status is None


def test_a_topic_must_fit_the_header(
    push_receiver: PushReceiver, vapid: VapidKeys, allowed: AllowedHosts
) -> None:
    with pytest.raises(ValueError, match="32 characters"):
        send_web_push(
            subscription=subscription_to(push_receiver, BrowserKeys()),
            payload={},
            vapid=vapid,
            allowed=allowed,
            topic="card 7 has spaces",
        )
    assert push_receiver.requests == []


def started_app_vapid_key(settings: Settings) -> str:
    app = create_app(settings)
    try:
        with TestClient(app):
            key: str = app.state.runtime.vapid_keys.public_key_b64
    finally:
        app.state.runtime.engine.dispose()
    return key


def test_vapid_keys_are_made_once_and_shared_by_every_app(settings: Settings) -> None:
    first = started_app_vapid_key(settings)
    second = started_app_vapid_key(settings)

    assert first == second
    engine = create_engine(settings.database_url)
    with Session(engine) as session:
        stored = session.exec(select(AppSetting).where(AppSetting.key == VAPID_PRIVATE_KEY)).all()
    engine.dispose()
    assert len(stored) == 1
    assert vapid_keys_from(stored[0].value).public_key_b64 == first


def test_processes_starting_together_agree_on_one_vapid_key(settings: Settings) -> None:
    engine = create_engine(settings.database_url)
    start = threading.Barrier(4)
    keys: list[str] = []

    def load() -> None:
        start.wait(timeout=30)
        keys.append(vapid_keys(engine=engine, settings=settings).public_key_b64)

    threads = [threading.Thread(target=load) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    engine.dispose()

    assert len(keys) == 4
    assert len(set(keys)) == 1


def test_a_key_from_the_environment_is_used_and_not_stored(settings: Settings) -> None:
    private_key = new_private_key()
    configured = settings.model_copy(
        update={"vapid_private_key": private_key, "vapid_subject": "mailto:ops@example.com"}
    )

    key = started_app_vapid_key(configured)

    assert key == vapid_keys_from(private_key).public_key_b64
    engine = create_engine(settings.database_url)
    with Session(engine) as session:
        assert session.get(AppSetting, VAPID_PRIVATE_KEY) is None
    engine.dispose()


def test_the_subject_is_the_sites_https_address_unless_configured() -> None:
    site = Settings(base_url="https://cards.example.com", _env_file=None)  # type: ignore[call-arg]
    assert default_subject(site) == "https://cards.example.com"
    with_port = Settings(base_url="https://cards.example.com:8443", _env_file=None)  # type: ignore[call-arg]
    assert default_subject(with_port) == "mailto:tellus@localhost"
    with pytest.raises(ValueError, match="mailto"):
        Settings(vapid_subject="ops@example.com", _env_file=None)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="could not be read"):
        vapid_keys_from("not a key")


def test_a_card_alert_speaks_the_devices_language_and_stays_short() -> None:
    french = find_language("fr")
    assert french is not None

    alert = card_notification(
        language=french, card_id=7, rating=1, where="Terrasse", comment="Trop froid " * 60
    )

    assert alert["title"] == "Nouvelle carte : 1/5 · Terrasse"
    assert len(alert["body"]) == 300
    assert alert["body"].endswith("…")
    assert alert["url"] == "/inbox/7"
