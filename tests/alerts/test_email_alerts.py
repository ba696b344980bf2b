"""A negative card emails the right managers at once, through the outbox, in their language."""

import re

from fastapi import FastAPI
from sqlmodel import Session

from api.config import Settings
from api.main import create_app
from api.models import AlertPreference, DeliveryStatus, LocationDuty
from tests.alerts.helpers import Clock, deliveries, drain, make_worker
from tests.client import TestClient
from tests.factories import World, make_manager
from tests.helpers import send_card
from tests.smtp import SmtpServer


def test_a_negative_card_and_its_alerts_are_stored_together(
    client: TestClient, session: Session, world: World
) -> None:
    send_card(client, world.counter_code.token, rating=1, comment="Cold coffee")
    rows = deliveries(session)
    # Nobody has sent anything yet: the card's commit carried its pending alert.
    assert [(row.channel, row.address, row.status) for row in rows] == [
        ("email", world.owner_email, DeliveryStatus.pending)
    ]


def test_a_positive_card_alerts_nobody_at_once(
    client: TestClient, session: Session, world: World
) -> None:
    send_card(client, world.counter_code.token, rating=5, comment="Lovely")
    assert deliveries(session) == []


def test_the_locations_managers_get_the_alert_not_the_others(
    app: FastAPI,
    client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    mail: SmtpServer,
) -> None:
    assert world.counter.id is not None
    assert world.terrace.id is not None
    make_manager(
        session,
        world=world,
        email="counter@example.com",
        location_ids=frozenset({world.counter.id}),
    )
    make_manager(
        session,
        world=world,
        email="terrace@example.com",
        location_ids=frozenset({world.terrace.id}),
    )
    make_manager(session, world=world, email="everywhere@example.com")
    send_card(client, world.counter_code.token, rating=2, comment="The milk was sour")

    drain(make_worker(app, settings, Clock()))

    messages = mail.inbox.wait_for(2)
    assert sorted(str(m["To"]) for m in messages) == [
        "counter@example.com",
        "everywhere@example.com",
    ]
    message = messages[0]
    body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert str(message["Subject"]) == "Negative card at Counter"
    assert "The milk was sour" in body
    assert "Where: Counter" in body
    assert "Rating: 2 of 5" in body
    card_id = deliveries(session)[0].card_id
    assert f"http://testserver/inbox/{card_id}" in body
    assert str(message["Message-ID"]).startswith(f"<tellus-card-{card_id}-email-")
    assert str(message["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
    # Folded onto a line of its own when long: the value starts after the folding whitespace.
    assert str(message["List-Unsubscribe"]).strip().startswith("<http://testserver/unsubscribe/")
    assert {row.status for row in deliveries(session)} == {DeliveryStatus.sent}


def test_one_click_unsubscribe_goes_out_as_providers_read_it(
    app: FastAPI,
    client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    mail: SmtpServer,
) -> None:
    send_card(client, world.counter_code.token, rating=1, comment="Cold soup")
    # A production address: the header is longer than a line, which must not get it encoded.
    public = settings.model_copy(update={"base_url": "https://feedback.harbour-cafe.example.com"})

    drain(make_worker(app, public, Clock()))

    mail.inbox.wait_for(1)
    envelope = mail.inbox.envelopes[0]
    raw = envelope.original_content or b""
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert all(len(line) <= 998 for line in head.split(b"\r\n"))
    unfolded = re.sub(rb"\r\n[ \t]+", b" ", head).split(b"\r\n")
    [unsubscribe] = [line for line in unfolded if line.startswith(b"List-Unsubscribe:")]
    assert b"=?" not in unsubscribe
    url = unsubscribe.removeprefix(b"List-Unsubscribe:").strip()
    link = rb"<https://feedback\.harbour-cafe\.example\.com/unsubscribe/[\w.=-]+>"
    assert re.fullmatch(link, url), url
    assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click" in unfolded
    # And the link works: a provider POSTs to it (RFC 8058).
    path = url.decode().strip("<>").removeprefix(public.base_url)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    answer = client.post(path, content=b"List-Unsubscribe=One-Click", headers=form)
    assert answer.status_code == 200, answer.text


def test_an_employee_and_the_time_are_named_in_the_managers_language(
    app: FastAPI,
    client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    mail: SmtpServer,
) -> None:
    assert world.owner.id is not None
    assert world.organisation.id is not None
    session.add(
        AlertPreference(
            organisation_id=world.organisation.id, user_id=world.owner.id, language="es"
        )
    )
    session.commit()
    send_card(client, world.maya_code.token, rating=1, comment="Nadie vino")
    clock = Clock()
    clock.advance(minutes=3)

    drain(make_worker(app, settings, clock))

    message = mail.inbox.wait_for(1)[0]
    body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Maya" in body
    assert "Cuándo: " in body
    assert "hace 3 minutos" not in body, "the time is when the card came, not how long ago"
    assert "Nadie vino" in body


def test_those_on_duty_replace_the_default(
    app: FastAPI,
    client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    mail: SmtpServer,
) -> None:
    make_manager(session, world=world, email="dana@example.com")
    lee = make_manager(session, world=world, email="lee@example.com")
    assert world.terrace.id is not None
    assert lee.id is not None
    session.add(LocationDuty(location_id=world.terrace.id, user_id=lee.id))
    session.commit()

    send_card(client, world.terrace_code.token, rating=1, comment="Wobbly table")
    send_card(client, world.counter_code.token, rating=1, comment="Long queue")
    drain(make_worker(app, settings, Clock()))

    messages = mail.inbox.wait_for(3)
    sent = sorted((str(m["To"]), str(m["Subject"])) for m in messages)
    assert sent == [
        ("dana@example.com", "Negative card at Counter"),
        ("lee@example.com", "Negative card at Counter"),
        ("lee@example.com", "Negative card at Terrace"),
    ]


def test_a_manager_who_turned_alerts_off_gets_none(
    client: TestClient, session: Session, world: World
) -> None:
    quiet = make_manager(session, world=world, email="off@example.com")
    assert quiet.id is not None
    assert world.organisation.id is not None
    session.add(
        AlertPreference(
            organisation_id=world.organisation.id, user_id=quiet.id, negative_email=False
        )
    )
    make_manager(session, world=world, email="on@example.com")
    send_card(client, world.counter_code.token, rating=1, comment="Dirty cup")
    assert [row.address for row in deliveries(session)] == ["on@example.com"]


def test_the_app_delivers_alerts_itself_by_default(
    settings: Settings, world: World, mail: SmtpServer
) -> None:
    settings.worker_in_process = True
    settings.worker_poll_seconds = 0.05
    with TestClient(create_app(settings)) as served:
        send_card(served, world.counter_code.token, rating=1, comment="No worker process")
        [message] = mail.inbox.wait_for(1)
    assert "No worker process" in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
