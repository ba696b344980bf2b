"""An alert is about a card as it is when it leaves: a handled card is not news, and its time
is the organisation's wall clock in the reader's language, not "7 minutes ago" frozen in."""

from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from api.alerts import worker as worker_module
from api.config import Settings
from api.models import (
    AlertPreference,
    Card,
    DeliveryStatus,
    Membership,
    MembershipLocation,
    Organisation,
    Role,
)
from tests.alerts.helpers import Clock, deliveries, drain, make_worker
from tests.alerts.receiver import Receiver
from tests.alerts.test_push_alerts import add_device, terrace
from tests.alerts.test_webhooks import add_webhook
from tests.client import TestClient
from tests.factories import World, make_manager, reread
from tests.helpers import csrf_token, send_card
from tests.push import PushReceiver
from tests.smtp import SmtpServer


@pytest.mark.parametrize("step", ["acknowledge", "resolve", "dismiss"])
def test_a_card_handled_before_its_alert_leaves_drops_its_email_and_push_not_its_webhook(
    app: FastAPI,
    manager_client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    mail: SmtpServer,
    push_receiver: PushReceiver,
    receiver: Receiver,
    step: str,
) -> None:
    add_device(session, world, push_receiver, "phone")
    add_webhook(manager_client, receiver.url)
    send_card(manager_client, world.counter_code.token, rating=1, comment="Cold and late")
    card_id = deliveries(session)[0].card_id
    token = csrf_token(manager_client, f"/inbox/{card_id}")
    manager_client.post(f"/inbox/{card_id}/{step}", data={"csrf_token": token})

    drain(make_worker(app, settings, Clock()))

    [hook] = receiver.wait_for(1)
    assert hook.json()["card"]["comment"] == "Cold and late"
    assert mail.messages == []
    assert push_receiver.requests == []
    outcome = {row.channel: row.status for row in deliveries(session)}
    assert outcome == {
        "email": DeliveryStatus.dropped,
        "push": DeliveryStatus.dropped,
        "webhook": DeliveryStatus.sent,
    }


def test_an_alert_that_waited_goes_only_to_someone_who_still_sees_the_card(
    app: FastAPI,
    client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    mail: SmtpServer,
    push_receiver: PushReceiver,
) -> None:
    """Routed to the terrace's manager; by the time it goes out (after their quiet hours, a
    retry) they manage only the counter; a later one, the counter's, waits until they are made
    staff. Neither the email nor the push leaves: they would tell of a card its reader may no
    longer see."""
    manager = make_manager(
        session, world=world, email="terrace@example.com", location_ids=frozenset({terrace(world)})
    )
    add_device(session, world, push_receiver, "phone", user=manager)
    send_card(client, world.terrace_code.token, rating=1, comment="Cold soup")
    limit = session.exec(select(MembershipLocation)).one()
    limit.location_id = world.counter.id
    session.add(limit)
    session.commit()
    drain(make_worker(app, settings, Clock()))
    send_card(client, world.counter_code.token, rating=1, comment="Sticky tables")
    membership = session.exec(select(Membership).where(Membership.user_id == manager.id)).one()
    membership.role = Role.staff
    session.add(membership)
    session.commit()
    drain(make_worker(app, settings, Clock()))

    assert mail.messages == []
    assert push_receiver.requests == []
    outcome = [(row.user_id, row.channel, row.status) for row in deliveries(session)]
    assert sorted(outcome) == sorted(
        (manager.id, channel, DeliveryStatus.dropped)
        for channel in ("email", "push", "email", "push")
    )


def test_an_alert_dropped_after_failing_is_not_listed_as_failing(
    app: FastAPI,
    manager_client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    mail: SmtpServer,
) -> None:
    """Refused once, then dropped as its card was acknowledged meanwhile: the owner's list of
    failed deliveries keeps what still waits or was given up, not what was no longer news."""
    mail.inbox.refuse_next = 1
    send_card(manager_client, world.counter_code.token, rating=1, comment="Burnt toast")
    clock = Clock()
    worker = make_worker(app, settings, clock)
    drain(worker)
    [row] = deliveries(session)
    assert (row.status, row.attempts) == (DeliveryStatus.pending, 1)
    refused = "The mail server refused the message."
    assert refused in manager_client.get("/admin/alerts/deliveries").text
    token = csrf_token(manager_client, f"/inbox/{row.card_id}")
    manager_client.post(f"/inbox/{row.card_id}/acknowledge", data={"csrf_token": token})

    clock.now = row.next_attempt_at
    drain(worker)

    assert [row.status for row in deliveries(session)] == [DeliveryStatus.dropped]
    assert refused not in manager_client.get("/admin/alerts/deliveries").text


def test_a_failed_look_at_the_card_counts_as_a_failed_attempt(
    app: FastAPI,
    client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Whether it is still news is read from the database: if that fails, the alert is retried
    and backs off like any failure, instead of waiting out its claim again and again."""

    def unreadable(**_: object) -> bool:
        raise OperationalError("SELECT", {}, Exception("database is locked"))

    monkeypatch.setattr(worker_module, "is_no_longer_news", unreadable)
    send_card(client, world.counter_code.token, rating=1, comment="Cold and late")

    drain(make_worker(app, settings, Clock()))

    [row] = deliveries(session)
    assert (row.status, row.attempts) == (DeliveryStatus.pending, 1)
    assert row.claimed_until is None


def test_a_card_only_seen_is_still_alerted(
    app: FastAPI,
    manager_client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    mail: SmtpServer,
) -> None:
    send_card(manager_client, world.counter_code.token, rating=1, comment="Cold and late")
    card_id = deliveries(session)[0].card_id
    token = csrf_token(manager_client, f"/inbox/{card_id}")
    manager_client.post(f"/inbox/{card_id}/seen", data={"csrf_token": token})

    drain(make_worker(app, settings, Clock()))

    assert len(mail.inbox.wait_for(1)) == 1
    assert [row.status for row in deliveries(session)] == [DeliveryStatus.sent]


def test_the_email_says_when_in_the_organisations_zone_and_the_readers_language(
    app: FastAPI,
    client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    mail: SmtpServer,
) -> None:
    assert world.owner.id is not None
    assert world.organisation.id is not None
    organisation = session.get_one(Organisation, world.organisation.id)
    organisation.time_zone = "Asia/Tokyo"
    session.add(organisation)
    session.add(
        AlertPreference(
            organisation_id=world.organisation.id, user_id=world.owner.id, language="de"
        )
    )
    session.commit()
    send_card(client, world.counter_code.token, rating=1, comment="Kalt")
    clock = Clock()
    clock.advance(minutes=7)  # the worker was slow: the time written must not say so

    drain(make_worker(app, settings, clock))

    body = mail.inbox.wait_for(1)[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    reread(session)
    card = session.get_one(Card, deliveries(session)[0].card_id)
    in_tokyo = card.created_at.astimezone(ZoneInfo("Asia/Tokyo"))
    assert f"Wann: {in_tokyo:%d.%m.%Y, %H:%M}" in body
    assert "Minuten" not in body
