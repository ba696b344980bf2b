"""Web Push never reaches the server's own network: a subscription whose endpoint leads there is
refused, a stored one is refused again when sent, and a push service's redirect is not followed."""

from typing import Any

from sqlmodel import Session, select

from api.config import Settings
from api.models import PushSubscription
from api.outbound.destinations import PRIVATE_NETWORK
from tests.client import TestClient
from tests.factories import World, reread
from tests.helpers import csrf_token
from tests.outbound.helpers import OWN_NETWORK_HOSTS
from tests.push import BrowserKeys, PushReceiver
from tests.sockets import Listener


def subscribe(client: TestClient, endpoint: str) -> Any:
    return client.post(
        "/inbox/push/subscribe",
        json=BrowserKeys().subscription(endpoint),
        headers={"X-CSRF-Token": csrf_token(client)},
    )


def send_test(client: TestClient) -> Any:
    return client.post("/inbox/push/test", json={}, headers={"X-CSRF-Token": csrf_token(client)})


def stored(session: Session) -> list[PushSubscription]:
    reread(session)
    return list(session.exec(select(PushSubscription).order_by(PushSubscription.id)))


def test_an_endpoint_on_the_servers_network_is_refused(
    manager_client: TestClient, session: Session, settings: Settings, listener: Listener
) -> None:
    settings.outbound_allow = ""
    for host in OWN_NETWORK_HOSTS:
        answer = subscribe(manager_client, f"https://{host}:{listener.port}/push/phone")
        assert answer.status_code == 422, host
        assert PRIVATE_NETWORK in answer.text, host
        plain = subscribe(manager_client, f"http://{host}:{listener.port}/push/phone")
        assert plain.status_code == 422, host
    assert stored(session) == []
    assert not listener.reached()


def test_a_stored_endpoint_on_the_servers_network_is_refused_when_sent(
    manager_client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    listener: Listener,
) -> None:
    settings.outbound_allow = ""
    keys = BrowserKeys().subscription("x")["keys"]
    session.add(
        PushSubscription(
            user_id=world.owner.id,  # type: ignore[arg-type]
            organisation_id=world.organisation.id,  # type: ignore[arg-type]
            endpoint=f"http://localhost:{listener.port}/push/phone",
            p256dh=keys["p256dh"],
            auth=keys["auth"],
        )
    )
    session.commit()

    assert send_test(manager_client).json() == {"sent": 0, "failed": 1, "gone": 0}

    (row,) = stored(session)
    assert row.last_failure_reason == PRIVATE_NETWORK
    assert not listener.reached()


def test_a_redirect_from_an_allowed_push_service_is_not_followed(
    manager_client: TestClient,
    session: Session,
    settings: Settings,
    push_receiver: PushReceiver,
    listener: Listener,
) -> None:
    # Only the push service's own port is allowed; it answers with a redirect to another.
    settings.outbound_allow = push_receiver.origin.removeprefix("http://")
    assert subscribe(manager_client, push_receiver.endpoint("phone")).status_code == 201
    push_receiver.redirect_to = f"http://127.0.0.1:{listener.port}/push/phone"

    assert send_test(manager_client).json() == {"sent": 0, "failed": 1, "gone": 0}

    assert len(push_receiver.requests) == 1
    (row,) = stored(session)
    assert row.last_failure_reason == "The push service answered 307."
    assert not listener.reached()
