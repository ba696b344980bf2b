"""Webhooks: added by an owner (secret shown once), signed, retried under one idempotency key."""

import hashlib
import hmac
import time

from bs4 import BeautifulSoup
from fastapi import FastAPI
from sqlmodel import Session

from api.config import Settings
from tests.alerts.helpers import Clock, deliveries, drain, make_worker
from tests.alerts.receiver import Received, Receiver
from tests.client import TestClient
from tests.factories import World
from tests.helpers import csrf_token, send_card


def add_webhook(client: TestClient, url: str, **fields: str) -> str:
    """Add a webhook through the owner's page; the signing secret it shows once."""
    response = client.post(
        "/admin/alerts/webhooks",
        data={"csrf_token": csrf_token(client, "/admin/alerts/webhooks"), "name": "Ops", "url": url}
        | fields,
    )
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    secret = BeautifulSoup(response.text, "html.parser").select_one(".new-key code")
    assert secret is not None
    return secret.get_text()


def verify(request: Received, secret: str, *, now: float, tolerance: float = 300) -> bool:
    """The README's recipe, as a receiver would run it."""
    timestamp = request.headers["X-Tellus-Timestamp"]
    if abs(now - int(timestamp)) > tolerance:
        return False
    expected = hmac.new(
        secret.encode(), timestamp.encode() + b"." + request.body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(request.headers["X-Tellus-Signature"], f"v1={expected}")


def test_a_negative_card_reaches_a_signed_json_webhook(
    app: FastAPI,
    manager_client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    receiver: Receiver,
) -> None:
    secret = add_webhook(manager_client, receiver.url)
    assert secret not in manager_client.get("/admin/alerts/webhooks").text, "shown only once"
    send_card(manager_client, world.maya_code.token, rating=1, comment="Rude at the till")

    drain(make_worker(app, settings, Clock()))

    [request] = receiver.wait_for(1)
    assert verify(request, secret, now=time.time())
    assert not verify(request, "whsec_wrong", now=time.time())
    assert not verify(request, secret, now=time.time() + 3600), "an old request is a replay"
    body = request.json()
    card_id = deliveries(session)[-1].card_id
    assert body["event"] == "alert.negative"
    assert body["card"]["comment"] == "Rude at the till"
    assert body["card"]["employee"] == "Maya"
    assert body["card"]["url"] == f"http://testserver/inbox/{card_id}"
    assert request.headers["Idempotency-Key"] == request.headers["X-Tellus-Delivery"]
    assert request.headers["Idempotency-Key"] == body["delivery"]


def test_a_failing_receiver_gets_the_same_key_on_every_retry(
    app: FastAPI,
    manager_client: TestClient,
    world: World,
    settings: Settings,
    receiver: Receiver,
) -> None:
    add_webhook(manager_client, receiver.url, style="slack")
    receiver.statuses = [500, 503]
    send_card(manager_client, world.counter_code.token, rating=2, comment="Noisy")
    clock = Clock()
    worker = make_worker(app, settings, clock)
    for _ in range(3):
        worker.run_once()
        clock.advance(hours=1)

    receiver.wait_for(1)
    assert [r.status for r in receiver.requests] == [500, 503, 200]
    assert len({r.headers["Idempotency-Key"] for r in receiver.requests}) == 1
    assert "Noisy" in receiver.requests[-1].json()["text"]


def test_webhooks_follow_their_location_and_the_cards_they_asked_for(
    app: FastAPI,
    manager_client: TestClient,
    world: World,
    settings: Settings,
    receiver: Receiver,
) -> None:
    add_webhook(manager_client, receiver.url + "/terrace", location_id=str(world.terrace.id))
    add_webhook(manager_client, receiver.url + "/all", all_cards="on")
    send_card(manager_client, world.counter_code.token, rating=1, comment="Counter, bad")
    send_card(manager_client, world.terrace_code.token, rating=5, comment="Terrace, good")
    send_card(manager_client, world.terrace_code.token, rating=1, comment="Terrace, bad")

    drain(make_worker(app, settings, Clock()))

    got = sorted((r.path, r.json()["card"]["comment"]) for r in receiver.wait_for(4))
    assert got == [
        ("/hook/all", "Counter, bad"),
        ("/hook/all", "Terrace, bad"),
        ("/hook/all", "Terrace, good"),
        ("/hook/terrace", "Terrace, bad"),
    ]


def test_send_test_says_whether_it_arrived(
    manager_client: TestClient, world: World, receiver: Receiver
) -> None:
    add_webhook(manager_client, receiver.url)
    page = BeautifulSoup(manager_client.get("/admin/alerts/webhooks").text, "html.parser")
    form = page.select_one("form[action$='/test']")
    assert form is not None
    answer = manager_client.post(
        str(form["action"]), data={"csrf_token": csrf_token(manager_client)}
    )
    assert "The test message arrived." in answer.text
    assert receiver.wait_for(1)[0].json()["event"] == "test"
    receiver.status = 500
    answer = manager_client.post(
        str(form["action"]), data={"csrf_token": csrf_token(manager_client)}
    )
    assert "The test did not arrive" in answer.text
    assert "answered 500" in answer.text
