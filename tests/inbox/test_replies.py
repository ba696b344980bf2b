"""Replies from the card page: stored with their event, emailed in one thread, never lost."""

import re

from bs4 import BeautifulSoup
from sqlmodel import Session, col, select

from api.config import Settings
from api.models import Card, Event, EventKind, Reply
from tests.client import TestClient
from tests.factories import World, make_card, reread
from tests.helpers import csrf_token
from tests.smtp import SmtpServer

CUSTOMER = "guest@example.org"


def reply(client: TestClient, card: Card, body: str) -> str:
    """Send a reply through the card page's form; the page it lands on, as the manager sees it."""
    token = csrf_token(client, f"/inbox/{card.id}")
    response = client.post(f"/inbox/{card.id}/replies", data={"csrf_token": token, "body": body})
    assert response.status_code == 303, response.text
    assert response.headers["location"].startswith(f"/inbox/{card.id}#reply-")
    return section(client.get(response.headers["location"]).text)


def section(html: str) -> str:
    found = BeautifulSoup(html, "html.parser").select_one("section.replies")
    assert found is not None
    return found.get_text(" ", strip=True)


def replies_of(session: Session, card: Card) -> list[Reply]:
    reread(session)
    return list(session.exec(select(Reply).where(Reply.card_id == card.id)).all())


def test_a_reply_is_stored_with_its_author_time_and_event(
    manager_client: TestClient, session: Session, world: World
) -> None:
    card = make_card(session, code=world.counter_code, comment="Slow service")

    shown = reply(manager_client, card, "Sorry about the wait, we have added a second till.")

    assert "Sorry about the wait, we have added a second till." in shown
    assert "Shown on the customer's follow-up page." in shown
    [stored] = replies_of(session, card)
    assert stored.author_id == world.owner.id
    assert stored.created_at is not None
    events = session.exec(
        select(Event).where(Event.card_id == card.id).order_by(col(Event.id))
    ).all()
    assert [event.kind for event in events] == [
        EventKind.card_created,
        EventKind.card_status,  # answering a card reads it
        EventKind.card_replied,
    ]
    assert events[-1].data == {"reply_id": stored.id}
    assert events[-1].actor_id == world.owner.id
    assert session.get_one(Card, card.id).status == "seen"


def test_a_reply_without_the_csrf_token_is_refused(
    manager_client: TestClient, session: Session, world: World
) -> None:
    card = make_card(session, code=world.counter_code)

    response = manager_client.post(f"/inbox/{card.id}/replies", data={"body": "Hello"})

    assert response.status_code == 403
    assert replies_of(session, card) == []


def test_a_reply_too_long_comes_back_with_the_text_kept(
    manager_client: TestClient, session: Session, world: World
) -> None:
    card = make_card(session, code=world.counter_code)
    token = csrf_token(manager_client, f"/inbox/{card.id}")
    long_text = "Thank you. " * 400

    response = manager_client.post(
        f"/inbox/{card.id}/replies", data={"csrf_token": token, "body": long_text}
    )
    empty = manager_client.post(
        f"/inbox/{card.id}/replies", data={"csrf_token": token, "body": "   "}
    )

    assert response.status_code == empty.status_code == 422
    page = BeautifulSoup(response.text, "html.parser")
    assert page.select_one("#reply-body").get_text() == long_text
    assert "under 4,000 characters" in page.select_one("#reply-error").get_text()
    assert "Please write a reply first." in empty.text
    assert replies_of(session, card) == []


def test_without_a_mail_server_the_reply_is_kept_and_the_manager_told(
    manager_client: TestClient, session: Session, world: World
) -> None:
    card = make_card(session, code=world.counter_code, contact_email=CUSTOMER)

    shown = reply(manager_client, card, "We will call you tomorrow.")

    assert "We will call you tomorrow." in shown
    assert "Not emailed: no mail server is set up." in shown
    assert "It is emailed" not in shown, "the form must not promise an email that cannot leave"
    assert f"No mail server is set up: nothing is emailed to {CUSTOMER}." in shown
    [stored] = replies_of(session, card)
    assert stored.email_status == "no_server"


def test_a_reply_is_emailed_and_two_replies_share_one_thread(
    manager_client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    smtp_server: SmtpServer,
) -> None:
    settings.smtp_url = smtp_server.url
    card = make_card(
        session, code=world.counter_code, contact_email=CUSTOMER, language="fr", comment="Froid"
    )

    shown = reply(manager_client, card, "Nous sommes désolés.\nLe café était froid.")
    reply(manager_client, card, "Le nouveau percolateur est arrivé.")
    first, second = smtp_server.inbox.wait_for(2)

    assert f"Emailed to {CUSTOMER}." in shown
    assert f"It is emailed to {CUSTOMER}" in shown
    assert "No mail server" not in shown
    assert first["To"] == second["To"] == CUSTOMER
    assert "Harbour Café" in first["From"]
    assert first["Subject"] == second["Subject"]
    assert first["Subject"] == "Re : votre carte pour Harbour Café"  # the card's language
    assert first["Reply-To"].endswith(f"<{world.owner_email}>")
    assert first["Message-ID"] != second["Message-ID"]
    thread = first["In-Reply-To"]
    assert re.fullmatch(r"<card\.[0-9a-f]{24}@testserver>", thread)
    assert second["In-Reply-To"] == first["References"] == second["References"] == thread
    body = first.get_content().replace("\r\n", "\n")
    assert "Nous sommes désolés.\nLe café était froid." in body
    assert re.search(r"Votre carte et toutes les réponses : http://testserver/f/[\w-]{32}", body)
    assert "Le nouveau percolateur est arrivé." in second.get_content()
    stored = replies_of(session, card)
    assert [r.email_status for r in stored] == ["sent", "sent"]
    assert [r.message_id for r in stored] == [first["Message-ID"], second["Message-ID"]]


def test_a_refused_email_keeps_the_reply_and_says_why(
    manager_client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    smtp_server: SmtpServer,
) -> None:
    settings.smtp_url = smtp_server.url
    smtp_server.inbox.refuse_next = 1
    card = make_card(session, code=world.counter_code, contact_email=CUSTOMER)

    shown = reply(manager_client, card, "Sorry!")

    assert "The email could not be sent" in shown
    assert "refused the message" in shown
    [stored] = replies_of(session, card)
    assert (stored.body, stored.email_status) == ("Sorry!", "failed")


def test_an_unreachable_mail_server_keeps_the_reply(
    manager_client: TestClient, session: Session, world: World, settings: Settings
) -> None:
    settings.smtp_url = "smtp://127.0.0.1:9"  # the discard port: nothing listens
    card = make_card(session, code=world.counter_code, contact_email=CUSTOMER)

    shown = reply(manager_client, card, "Sorry!")

    assert "Could not reach the mail server" in shown
    assert [r.email_status for r in replies_of(session, card)] == ["failed"]
