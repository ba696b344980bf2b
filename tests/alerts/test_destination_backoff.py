"""A destination that times out: the organisation's other deliveries to it wait for one probe,
its other destinations and other organisations carry on."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from sqlmodel import Session

from api.alerts.backoff import probe_seconds
from api.config import Settings
from api.models import AlertChannel, AlertDelivery, DeliveryStatus, Webhook, utcnow
from tests.alerts.helpers import Clock, deliveries, drain, make_worker
from tests.alerts.receiver import Receiver
from tests.client import TestClient
from tests.factories import World
from tests.helpers import send_card
from tests.sockets import Listener


@pytest.fixture
def stalled() -> Iterator[Receiver]:
    """A webhook server that reads each request and never answers."""
    server = Receiver(stalls=True).start()
    yield server
    server.stop()


def add_webhook(session: Session, world: World, url: str, *, all_cards: bool = True) -> int:
    assert world.organisation.id is not None
    webhook = Webhook(
        organisation_id=world.organisation.id,
        name=url,
        url=url,
        secret="whsec_x",
        all_cards=all_cards,
    )
    session.add(webhook)
    session.commit()
    assert webhook.id is not None
    return webhook.id


def of(rows: list[AlertDelivery], world: World, webhook_ids: set[int]) -> list[AlertDelivery]:
    return [
        row
        for row in rows
        if row.organisation_id == world.organisation.id and row.webhook_id in webhook_ids
    ]


def test_a_webhook_host_that_times_out_holds_its_organisations_deliveries_there_for_one_probe(
    app: FastAPI,
    client: TestClient,
    session: Session,
    world: World,
    other_world: World,
    settings: Settings,
    receiver: Receiver,
    stalled: Receiver,
) -> None:
    settings.alert_answer_seconds = 0.3
    settings.worker_organisation_slots = 2
    # Two webhooks on the host that hangs (one destination), one elsewhere.
    hanging = {add_webhook(session, world, f"{stalled.url}/{name}") for name in ("a", "b")}
    healthy = {add_webhook(session, world, receiver.url)}
    rivals = {add_webhook(session, other_world, stalled.url)}
    for number in range(3):
        send_card(client, world.counter_code.token, rating=5, comment=f"Card {number}")
    clock = Clock()
    worker = make_worker(app, settings, clock)

    assert worker.run_once() == 2, "the organisation's two slots, both to the hanging host"
    stalled.wait_for_stalled(2)
    rows = deliveries(session)
    probes = [row for row in of(rows, world, hanging) if row.attempts]
    held = [row for row in of(rows, world, hanging) if not row.attempts]
    assert len(probes) == 2
    assert {row.last_error for row in probes} == {
        f"{stalled.url}/a: That server did not answer in time.",
        f"{stalled.url}/b: That server did not answer in time.",
    }
    # Each timeout holds the rest until just after its retry; the probes keep their own.
    first_probe = min(row.next_attempt_at for row in probes)
    last_probe = max(row.next_attempt_at for row in probes)
    assert len(held) == 4
    for row in held:
        assert row.status == DeliveryStatus.pending
        assert row.next_attempt_at == last_probe + timedelta(seconds=probe_seconds(settings))
    assert all(row.next_attempt_at <= clock.now for row in of(rows, world, healthy))

    # Its other destination carries on; another organisation on the same host is tried at once.
    send_card(client, other_world.counter_code.token, rating=5, comment="Rival's card")
    clock.now = utcnow()
    assert worker.run_once() == 3
    assert worker.run_once() == 1
    assert len(receiver.wait_for(3)) == 3
    assert [r.path for r in stalled.wait_for_stalled(3)][2] == "/hook"
    assert worker.run_once() == 0, "the held deliveries wait for the probe"

    # The host answers again: the probes go through first, then the rest follow.
    stalled.stalls = False
    clock.now = first_probe
    worker.run_once()
    clock.now = last_probe
    worker.run_once()
    rows = of(deliveries(session), world, hanging)
    assert (
        sorted(row.status for row in rows)
        == [DeliveryStatus.pending] * 4 + [DeliveryStatus.sent] * 2
    )
    clock.advance(hours=1)
    drain(worker)
    rows = deliveries(session)
    assert {row.status for row in rows} == {DeliveryStatus.sent}
    assert len(of(rows, other_world, rivals)) == 1


def test_a_mail_server_that_never_answers_holds_the_organisations_emails_not_its_webhooks(
    app: FastAPI,
    client: TestClient,
    session: Session,
    world: World,
    other_world: World,
    settings: Settings,
    receiver: Receiver,
    listener: Listener,
) -> None:
    settings.smtp_url = f"smtp://127.0.0.1:{listener.port}"
    settings.alert_mail_seconds = 0.3
    settings.worker_organisation_slots = 1
    add_webhook(session, world, receiver.url, all_cards=False)
    for number in range(3):
        send_card(client, world.counter_code.token, rating=1, comment=f"Bad {number}")
    send_card(client, other_world.counter_code.token, rating=1, comment="Rival's bad card")
    worker = make_worker(app, settings, Clock())

    assert worker.run_once() == 2, "one email each, and neither server answers"
    rows = deliveries(session)
    emails = [row for row in rows if row.channel == AlertChannel.email]
    ours = [row for row in emails if row.organisation_id == world.organisation.id]
    assert [row.attempts for row in ours] == [1, 0, 0]
    assert ours[0].last_error == "The mail server did not answer in time."
    assert all(row.next_attempt_at > ours[0].next_attempt_at for row in ours[1:])
    rival = [row for row in emails if row.organisation_id == other_world.organisation.id]
    assert [row.attempts for row in rival] == [1]

    for _ in range(3):
        assert worker.run_once() == 1
    assert len(receiver.wait_for(3)) == 3, "the organisation's webhooks were not held"
    assert worker.run_once() == 0
