"""The outbox: retries with backoff, parking, an owner's retry, and claims no two workers share."""

import threading
from datetime import timedelta

from fastapi import FastAPI
from sqlmodel import Session

from api.alerts.outbox import claim_due
from api.alerts.worker import Worker
from api.config import Settings
from api.models import AlertChannel, AlertDelivery, AlertKind, DeliveryStatus, Webhook, utcnow
from tests.alerts.helpers import Clock, deliveries, drain, make_worker
from tests.alerts.receiver import Receiver
from tests.client import TestClient
from tests.factories import World
from tests.helpers import csrf_token, send_card
from tests.smtp import SmtpServer


def test_a_refused_alert_backs_off_then_parks_and_an_owner_sends_it_again(
    app: FastAPI,
    manager_client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    mail: SmtpServer,
) -> None:
    settings.alert_max_attempts = 4
    mail.inbox.refuse_next = 100
    send_card(manager_client, world.counter_code.token, rating=1, comment="Burnt toast")
    clock = Clock()
    worker = make_worker(app, settings, clock)

    waits = []
    for attempt in range(1, 4):
        assert worker.run_once() == 1
        row = deliveries(session)[0]
        assert (row.attempts, row.status) == (attempt, DeliveryStatus.pending)
        assert row.last_error == "The mail server refused the message."
        waits.append((row.next_attempt_at - clock.now).total_seconds())
        assert worker.run_once() == 0, "not due again before its backoff ends"
        clock.now = row.next_attempt_at
    # Exponential with jitter: each wait within [half, all] of 30 s · 2^(attempt-1).
    for attempt, wait in enumerate(waits, start=1):
        ceiling = 30 * 2 ** (attempt - 1)
        assert ceiling / 2 <= wait <= ceiling
    assert worker.run_once() == 1
    parked = deliveries(session)[0]
    assert (parked.status, parked.attempts) == (DeliveryStatus.parked, 4)
    clock.advance(days=1)
    assert worker.run_once() == 0, "a parked delivery waits for an owner"

    page = manager_client.get("/admin/alerts/deliveries")
    assert "Burnt toast" in page.text or "The mail server refused the message." in page.text
    mail.inbox.refuse_next = 0
    retried = manager_client.post(
        f"/admin/alerts/deliveries/{parked.id}/retry",
        data={"csrf_token": csrf_token(manager_client)},
    )
    assert retried.status_code == 303
    drain(worker)
    assert [str(m["Subject"]) for m in mail.inbox.wait_for(1)] == ["Negative card at Counter"]
    assert deliveries(session)[0].status == DeliveryStatus.sent


def test_two_workers_claiming_at_once_never_take_the_same_delivery(
    app: FastAPI, session: Session, world: World, settings: Settings
) -> None:
    assert world.organisation.id is not None
    now = utcnow()
    session.add_all(
        AlertDelivery(
            organisation_id=world.organisation.id,
            kind=AlertKind.negative,
            channel=AlertChannel.email,
            address=f"m{i}@example.com",
            idempotency_key=f"claim-{i}",
            next_attempt_at=now - timedelta(seconds=1),
        )
        for i in range(60)
    )
    session.commit()
    claimed: dict[str, list[int]] = {"a": [], "b": []}
    # Lock-step rounds, so the two really claim at the same moment each time however the
    # threads are scheduled: 10 rounds of 3 each take all 60.
    each_round = threading.Barrier(2)

    def claim(name: str) -> None:
        for _ in range(10):
            each_round.wait(10)
            rows = claim_due(engine=app.state.runtime.engine, settings=settings, now=now, limit=3)
            claimed[name] += [row.id for row in rows if row.id is not None]

    threads = [threading.Thread(target=claim, args=(name,)) for name in claimed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    both = claimed["a"] + claimed["b"]
    assert sorted(both) == sorted(set(both)), "a delivery was claimed twice"
    assert len(claimed["a"]) == len(claimed["b"]) == 30
    assert claim_due(engine=app.state.runtime.engine, settings=settings, now=now, limit=3) == []


def test_a_lapsed_claim_comes_back_to_another_worker(
    app: FastAPI, client: TestClient, session: Session, world: World, settings: Settings
) -> None:
    send_card(client, world.counter_code.token, rating=1, comment="Slow")
    now = utcnow()
    first = claim_due(engine=app.state.runtime.engine, settings=settings, now=now)
    assert len(first) == 1
    assert claim_due(engine=app.state.runtime.engine, settings=settings, now=now) == []
    later = now + timedelta(seconds=settings.alert_lease_seconds + 1)
    again = claim_due(engine=app.state.runtime.engine, settings=settings, now=later)
    assert [row.id for row in again] == [first[0].id]
    assert again[0].claim_token != first[0].claim_token


def test_two_workers_running_at_once_send_each_alert_once(
    app: FastAPI,
    manager_client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    receiver: Receiver,
) -> None:
    assert world.organisation.id is not None
    session.add(
        Webhook(
            organisation_id=world.organisation.id,
            name="Ops",
            url=receiver.url,
            secret="whsec_x",
            all_cards=True,
        )
    )
    session.commit()
    for number in range(16):
        send_card(manager_client, world.counter_code.token, rating=5, comment=f"Card {number}")
    receiver.delay = 0.02
    clock = Clock()
    workers = [make_worker(app, settings, clock) for _ in range(2)]
    start = threading.Barrier(2)

    def run(worker: Worker) -> None:
        start.wait()
        while worker.run_once(limit=2):
            pass

    threads = [threading.Thread(target=run, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    keys = [request.headers["Idempotency-Key"] for request in receiver.wait_for(16)]
    assert len(keys) == 16
    assert len(set(keys)) == 16, "no alert was sent twice"
    assert {row.status for row in deliveries(session)} == {DeliveryStatus.sent}
