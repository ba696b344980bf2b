"""Alerts on this device: subscribing through the page's endpoint, the test button, stopping."""

from typing import Any

import pytest
from bs4 import BeautifulSoup
from sqlmodel import Session, select

from api.errors import Unprocessable
from api.inbox.push_subscriptions import check_subscription
from api.inbox.schemas import BrowserSubscription
from api.models import PushSubscription
from tests.client import TestClient
from tests.factories import World, make_manager, reread
from tests.helpers import csrf_token, log_in
from tests.push import BrowserKeys, PushReceiver, verified_vapid


def subscribe(
    client: TestClient, subscription: dict[str, Any], *, token: str | None = None, **extra: Any
) -> Any:
    """What the page's script sends: the subscription as JSON, the CSRF token in a header."""
    headers = {"X-CSRF-Token": token if token is not None else csrf_token(client)}
    return client.post("/inbox/push/subscribe", json=subscription | extra, headers=headers)


def stored(session: Session) -> list[PushSubscription]:
    reread(session)
    return list(session.exec(select(PushSubscription).order_by(PushSubscription.id)))


def send_test(client: TestClient) -> Any:
    return client.post("/inbox/push/test", json={}, headers={"X-CSRF-Token": csrf_token(client)})


def test_the_inbox_offers_alerts_on_this_device(manager_client: TestClient) -> None:
    page = BeautifulSoup(manager_client.get("/inbox").text, "html.parser")
    panel = page.select_one("[data-push]")
    assert panel is not None
    assert panel.get_text(" ", strip=True).startswith("Get alerts on this device")
    key = manager_client.app.state.runtime.vapid_keys.public_key_b64  # type: ignore[attr-defined]
    assert panel["data-key"] == key
    assert page.select_one("script[src*='inbox-push.js'][nonce]") is not None

    worker = manager_client.get("/inbox/sw.js")
    assert worker.status_code == 200
    assert worker.headers["content-type"].startswith("text/javascript")
    assert worker.headers["service-worker-allowed"] == "/inbox"
    assert 'addEventListener("push"' in worker.text
    unchanged = manager_client.get(
        "/inbox/sw.js", headers={"If-None-Match": worker.headers["etag"]}
    )
    assert (unchanged.status_code, unchanged.content) == (304, b"")
    assert unchanged.headers["cache-control"] == "no-cache"


def test_a_subscribed_device_gets_the_test_notification(
    manager_client: TestClient, session: Session, world: World, push_receiver: PushReceiver
) -> None:
    browser = BrowserKeys()

    answer = subscribe(
        manager_client, browser.subscription(push_receiver.endpoint("phone")), language="fr"
    )

    assert answer.status_code == 201, answer.text
    (row,) = stored(session)
    assert (row.user_id, row.organisation_id) == (world.owner.id, world.organisation.id)
    assert row.language == "fr"

    report = send_test(manager_client)

    assert report.json() == {"sent": 1, "failed": 0, "gone": 0}
    (request,) = push_receiver.wait_for(1)
    assert browser.decrypt(request) == {
        "title": "Les alertes Tellus sont activées",
        "body": "Cet appareil affichera les nouvelles cartes qui ont besoin de vous.",
        "url": "/inbox",
        "tag": "tellus-test",
    }
    key, claims = verified_vapid(request.headers["authorization"])
    assert key == manager_client.app.state.runtime.vapid_keys.public_key_b64  # type: ignore[attr-defined]
    assert claims["aud"] == push_receiver.origin
    (row,) = stored(session)
    assert row.last_success_at is not None


def test_subscribing_again_from_the_same_browser_keeps_one_row(
    manager_client: TestClient, session: Session, push_receiver: PushReceiver
) -> None:
    endpoint = push_receiver.endpoint("phone")
    subscribe(manager_client, BrowserKeys().subscription(endpoint))
    newer = BrowserKeys()

    assert subscribe(manager_client, newer.subscription(endpoint)).status_code == 201

    (row,) = stored(session)
    assert row.p256dh == newer.p256dh


def test_a_subscription_needs_the_pages_csrf_token_and_a_signed_in_manager(
    client: TestClient, session: Session, world: World, push_receiver: PushReceiver
) -> None:
    subscription = BrowserKeys().subscription(push_receiver.endpoint("phone"))

    signed_out = client.post("/inbox/push/subscribe", json=subscription)
    assert signed_out.status_code == 303
    assert signed_out.headers["location"].startswith("/login")

    log_in(client, world.owner_email, world.password)
    assert subscribe(client, subscription, token="").status_code == 403
    assert subscribe(client, subscription, token="forged").status_code == 403
    assert stored(session) == []


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"keys": {"p256dh": "A" * 87, "auth": "A" * 22}}, 422),  # not a point on the curve
        ({"keys": {"auth": "A" * 22}}, 422),
        ({"endpoint": "ftp://push.example.com/x"}, 422),
        ({"endpoint": "x" * 2001}, 422),
    ],
)
def test_a_subscription_the_server_could_not_use_is_refused(
    manager_client: TestClient,
    session: Session,
    push_receiver: PushReceiver,
    change: dict[str, Any],
    status: int,
) -> None:
    subscription = BrowserKeys().subscription(push_receiver.endpoint("phone")) | change

    assert subscribe(manager_client, subscription).status_code == status
    assert stored(session) == []


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://fcm.googleapis.com/fcm/send/x",
        "https://127.0.0.1/push",
        "https://[::1]/push",
        "https://[fd00::a]/push",
        "https://localhost/push",
    ],
)
def test_only_a_public_https_push_service_is_accepted(endpoint: str) -> None:
    keys = BrowserKeys().subscription(endpoint)
    with pytest.raises(Unprocessable):
        check_subscription(BrowserSubscription.model_validate(keys), allowed=frozenset())

    public = BrowserKeys().subscription("https://fcm.googleapis.com/fcm/send/abc")
    check_subscription(BrowserSubscription.model_validate(public), allowed=frozenset())


def test_a_device_the_push_service_forgot_is_deleted_and_a_failure_kept(
    manager_client: TestClient, session: Session, push_receiver: PushReceiver
) -> None:
    for device in ("old-phone", "tablet"):
        subscribe(manager_client, BrowserKeys().subscription(push_receiver.endpoint(device)))
    push_receiver.answers.extend([410, 500])

    assert send_test(manager_client).json() == {"sent": 0, "failed": 1, "gone": 1}

    (kept,) = stored(session)
    assert kept.endpoint.endswith("/tablet")
    assert kept.last_failure_reason == "The push service answered 500."
    assert kept.last_success_at is None


def test_unsubscribing_stops_only_this_managers_alerts(
    manager_client: TestClient, session: Session, world: World, push_receiver: PushReceiver
) -> None:
    mine = push_receiver.endpoint("mine")
    subscribe(manager_client, BrowserKeys().subscription(mine))
    colleague = TestClient(manager_client.app, follow_redirects=False)
    make_manager(session, world=world, email="colleague@example.com")
    log_in(colleague, "colleague@example.com", world.password)
    theirs = push_receiver.endpoint("theirs")
    subscribe(colleague, BrowserKeys().subscription(theirs))

    headers = {"X-CSRF-Token": csrf_token(colleague)}
    refused = colleague.post("/inbox/push/unsubscribe", json={"endpoint": mine}, headers=headers)
    assert refused.json() == {"unsubscribed": False}
    headers = {"X-CSRF-Token": csrf_token(manager_client)}
    done = manager_client.post("/inbox/push/unsubscribe", json={"endpoint": mine}, headers=headers)
    assert done.json() == {"unsubscribed": True}

    assert [row.endpoint for row in stored(session)] == [theirs]
    assert send_test(manager_client).json() == {"sent": 0, "failed": 0, "gone": 0}
    colleague.close()
