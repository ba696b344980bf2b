"""A negative card reaches the managers' installed inboxes by Web Push, through the outbox."""

from fastapi import FastAPI
from sqlmodel import Session, select

from api.accounts.service import add_membership
from api.alerts.channels.push import push_topic
from api.config import Settings
from api.models import (
    Card,
    CardStatus,
    DeliveryStatus,
    PushSubscription,
    Role,
    User,
)
from api.models.types import utcnow
from tests.alerts.helpers import Clock, deliveries, drain, make_worker
from tests.client import TestClient
from tests.factories import World, make_card, make_manager, make_world, reread, step_card
from tests.helpers import send_card
from tests.push import BrowserKeys, PushReceiver, verified_vapid


def add_device(
    session: Session, world: World, receiver: PushReceiver, name: str, user: User | None = None
) -> BrowserKeys:
    """The owner (or `user`) turned on alerts in the inbox on one more device."""
    browser = BrowserKeys()
    data = browser.subscription(receiver.endpoint(name))
    user = user or world.owner
    assert user.id is not None
    assert world.organisation.id is not None
    session.add(
        PushSubscription(
            user_id=user.id,
            organisation_id=world.organisation.id,
            endpoint=data["endpoint"],
            p256dh=data["keys"]["p256dh"],
            auth=data["keys"]["auth"],
            language="fr",
        )
    )
    session.commit()
    return browser


def test_a_negative_card_is_pushed_to_each_device_and_a_gone_one_is_dropped(
    app: FastAPI,
    client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    push_receiver: PushReceiver,
) -> None:
    phone = add_device(session, world, push_receiver, "phone")
    add_device(session, world, push_receiver, "old-tablet")
    push_receiver.answers.extend([201, 410])  # the tablet's subscription has expired

    send_card(client, world.counter_code.token, rating=1, comment="Nobody came to our table")
    [push] = [row for row in deliveries(session) if row.channel == "push"]
    assert push.status == DeliveryStatus.pending
    drain(make_worker(app, settings, Clock()))

    first, second = push_receiver.wait_for(2)
    message = phone.decrypt(first)
    assert message["body"] == "Nobody came to our table"
    assert "1/5" in message["title"]
    assert "Counter" in message["title"]
    assert message["url"] == f"/inbox/{push.card_id}"
    assert first.headers["topic"] == push_topic(push.idempotency_key)
    assert verified_vapid(first.headers["authorization"])[1]["aud"] == push_receiver.origin
    [row] = [row for row in deliveries(session) if row.channel == "push"]
    assert row.status == DeliveryStatus.sent
    reread(session)
    endpoints = [device.endpoint for device in session.exec(select(PushSubscription))]
    assert endpoints == [push_receiver.endpoint("phone")]


def test_a_push_service_that_fails_gets_the_alert_again_later(
    app: FastAPI,
    client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    push_receiver: PushReceiver,
) -> None:
    add_device(session, world, push_receiver, "phone")
    push_receiver.answers.append(503)
    send_card(client, world.counter_code.token, rating=2, comment="Sticky tables")
    clock = Clock()
    worker = make_worker(app, settings, clock)

    drain(worker)
    [row] = [row for row in deliveries(session) if row.channel == "push"]
    assert row.status != DeliveryStatus.sent
    assert "503" in (row.last_error or "")

    clock.advance(hours=2)
    drain(worker)
    requests = push_receiver.wait_for(2)
    # The same topic at every attempt: the push service keeps one copy of a repeat.
    assert requests[0].headers["topic"] == requests[1].headers["topic"]
    [row] = [row for row in deliveries(session) if row.channel == "push"]
    assert row.status == DeliveryStatus.sent


def test_positive_cards_and_people_without_devices_get_no_push(
    client: TestClient, session: Session, world: World, push_receiver: PushReceiver
) -> None:
    send_card(client, world.counter_code.token, rating=1, comment="No device yet")
    assert [row.channel for row in deliveries(session)] == ["email"]
    add_device(session, world, push_receiver, "phone")
    send_card(client, world.counter_code.token, rating=5, comment="Lovely")
    assert [row.channel for row in deliveries(session)] == ["email"]


def test_the_pushed_alert_counts_the_cards_its_reader_has_unread(
    app: FastAPI,
    client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    push_receiver: PushReceiver,
) -> None:
    """The number for the app's icon while the inbox is closed: the cards nobody opened yet,
    of those the person sees in this organisation (a manager limited to the terrace sees none
    of the counter's; the owner's other organisation is not counted)."""
    terrace_manager = make_manager(
        session, world=world, email="terrace@example.com", location_ids=frozenset({terrace(world)})
    )
    owner_phone = add_device(session, world, push_receiver, "owner-phone")
    manager_phone = add_device(session, world, push_receiver, "manager-phone", user=terrace_manager)
    opened = make_card(session, code=world.counter_code, comment="Already read")
    step_card(session, opened, CardStatus.seen, utcnow())
    make_card(session, code=world.counter_code, comment="Not read yet")
    make_card(session, code=world.terrace_code, comment="Not read either")
    elsewhere = make_world(session, name="The owner's other café")
    add_membership(
        session=session, user=world.owner, organisation=elsewhere.organisation, role=Role.owner
    )
    session.commit()
    make_card(session, code=elsewhere.counter_code, comment="Unread, in the other café")

    # The terrace's manager is alerted of the terrace's card, the owner of the counter's.
    send_card(client, world.terrace_code.token, rating=1, comment="Cold soup")
    send_card(client, world.counter_code.token, rating=2, comment="Slow service")
    drain(make_worker(app, settings, Clock()))

    by_device = {request.path.rsplit("/", 1)[1]: request for request in push_receiver.wait_for(2)}
    assert owner_phone.decrypt(by_device["owner-phone"])["unread"] == 4
    assert manager_phone.decrypt(by_device["manager-phone"])["unread"] == 2


def test_a_card_opened_before_its_alert_went_out_leaves_none_unread(
    app: FastAPI,
    client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    push_receiver: PushReceiver,
) -> None:
    """0 is said, not left out: it takes the badge off the app's icon."""
    phone = add_device(session, world, push_receiver, "phone")
    send_card(client, world.counter_code.token, rating=1, comment="Cold soup")
    for card in session.exec(select(Card)).all():
        step_card(session, card, CardStatus.seen, utcnow())

    drain(make_worker(app, settings, Clock()))

    [message] = push_receiver.wait_for(1)
    assert phone.decrypt(message)["unread"] == 0


def terrace(world: World) -> int:
    assert world.terrace.id is not None
    return world.terrace.id
