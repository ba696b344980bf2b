"""The customer's private follow-up link: given on the thank-you page, live, and leak-free."""

import re

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func
from sqlmodel import Session, col, select

from api.inbox.card_work import add_note
from api.inbox.replies.service import add_reply
from api.inbox.service import set_status
from api.models import Card, Event, Role
from api.tenancy import Tenant
from tests.client import TestClient
from tests.factories import World, make_card, reread
from tests.helpers import card_form, csrf_token, send_card
from tests.sse import is_event, open_stream, read_until

LINK = re.compile(r"^http://testserver/f/([A-Za-z0-9_-]{32})$")
SECRET_COMMENT = "The manager on duty was rude to my mother"
# Plain ASCII, nothing HTML or JSON would escape: a leak cannot hide behind an encoding.
INTERNAL_NOTE = "Internal only: the guest was banned in March"


def follow_up_link(html: str) -> str:
    link = BeautifulSoup(html, "html.parser").select_one("a[data-follow-up]")
    assert link is not None, html
    return str(link["href"])


def send_secret_card(client: TestClient, world: World, **fields: str) -> str:
    """Send a card as a customer does; the follow-up path its thank-you page gives."""
    token = world.counter_code.token
    response = send_card(client, token, rating=2, comment=SECRET_COMMENT, **fields)
    match = LINK.match(follow_up_link(response.text))
    assert match, follow_up_link(response.text)
    return f"/f/{match.group(1)}"


def newest_card(session: Session) -> Card:
    reread(session)
    card = session.exec(select(Card).order_by(col(Card.id).desc())).first()
    assert card is not None
    return card


def owner(world: World) -> Tenant:
    assert world.organisation.id is not None
    return Tenant(organisation_id=world.organisation.id, role=Role.owner, user_id=world.owner.id)


def timeline(client: TestClient, path: str) -> str:
    page = BeautifulSoup(client.get(path).text, "html.parser")
    state = page.select_one("#follow-state")
    assert state is not None
    return state.get_text(" ", strip=True)


def test_the_thank_you_page_gives_a_private_link_and_a_replay_the_same(
    client: TestClient, session: Session, world: World
) -> None:
    path = f"/c/{world.counter_code.token}"
    form = card_form(client, path, rating="2", comment=SECRET_COMMENT)

    first = client.post(path, data=form)
    again = client.post(path, data=form)
    other = client.post(path, data=card_form(client, path, rating="2", comment=SECRET_COMMENT))

    assert follow_up_link(first.text) == follow_up_link(again.text)
    assert follow_up_link(first.text) != follow_up_link(other.text)
    assert "Bookmark it" in first.text
    secret = LINK.match(follow_up_link(first.text)).group(1)  # type: ignore[union-attr]
    reread(session)
    for card in session.exec(select(Card)).all():
        assert secret not in str(vars(card)), "only the token's hash is stored"


def test_the_page_shows_seen_replies_and_resolved_as_they_happen(
    client: TestClient, session: Session, world: World
) -> None:
    path = send_secret_card(client, world)
    card = newest_card(session)
    assert "Not read yet" in timeline(client, path)

    set_status(session=session, tenant=owner(world), card_id=card.id, status="seen")
    assert "Seen by a manager" in timeline(client, path)
    add_reply(session=session, tenant=owner(world), card_id=card.id, body="We spoke to him.")
    add_reply(session=session, tenant=owner(world), card_id=card.id, body="He apologises.")
    shown = timeline(client, path)
    assert shown.index("We spoke to him.") < shown.index("He apologises.")
    assert "Reply from Harbour Café" in shown
    assert "Resolved" not in shown

    set_status(session=session, tenant=owner(world), card_id=card.id, status="resolved")
    assert "Resolved" in timeline(client, path)


def test_the_page_is_private_and_leaks_nothing_internal(
    manager_client: TestClient, session: Session, world: World, other_world: World
) -> None:
    path = send_secret_card(
        manager_client, world, contact_email="guest@example.org", contact_name="Ada Guest"
    )
    card = newest_card(session)
    make_card(session, code=world.counter_code, comment="Another customer's secret")
    csrf = csrf_token(manager_client, f"/inbox/{card.id}")
    manager_client.post(f"/inbox/{card.id}/replies", data={"csrf_token": csrf, "body": "Sorry!"})

    page = manager_client.get(path)
    api = manager_client.get(f"/api/v1{path.replace('/f/', '/follow-up/')}")

    assert page.status_code == api.status_code == 200
    assert "Sorry!" in page.text
    assert "Sorry!" in api.text
    for private in (
        world.owner_email,
        "guest@example.org",
        "Ada Guest",
        "Another customer's secret",
        SECRET_COMMENT,  # not even the customer's own words: a leaked link shows only answers
        "no mail server",
    ):
        assert private not in page.text
        assert private not in api.text
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "noindex" in page.headers["x-robots-tag"]
    assert "set-cookie" not in page.headers
    assert "'nonce-" in page.headers["content-security-policy"]
    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.select_one("meta[name=robots]")["content"] == "noindex, nofollow"


def test_the_page_speaks_the_cards_language(client: TestClient, world: World) -> None:
    path = send_secret_card(client, world, lang="fr")

    page = BeautifulSoup(client.get(path, headers={"Accept-Language": "de"}).text, "html.parser")

    assert page.html["lang"] == "fr"
    assert "Pas encore lue" in page.get_text()


@pytest.mark.parametrize("token", ["A" * 32, "short", "A" * 31 + "!", "a" * 200])
def test_an_unknown_token_is_a_plain_404(client: TestClient, world: World, token: str) -> None:
    send_secret_card(client, world)

    assert client.get(f"/f/{token}").status_code == 404
    assert client.get(f"/f/{token}/stream").status_code == 404
    assert client.get(f"/api/v1/follow-up/{token}").status_code == 404


def test_the_json_state_for_the_token(client: TestClient, session: Session, world: World) -> None:
    path = send_secret_card(client, world)
    card = newest_card(session)
    add_reply(session=session, tenant=owner(world), card_id=card.id, body="Thanks for telling us")

    state = client.get(path.replace("/f/", "/api/v1/follow-up/")).json()

    assert state["organisation"] == "Harbour Café"
    assert (state["status"], state["seen"]) == ("seen", True)
    assert [r["body"] for r in state["replies"]] == ["Thanks for telling us"]
    assert set(state["replies"][0]) == {"body", "created_at"}


def test_the_stream_sends_this_cards_state_and_no_other(
    client: TestClient, session: Session, world: World
) -> None:
    path = send_secret_card(client, world)
    card = newest_card(session)
    other = make_card(session, code=world.counter_code, comment="Other")
    page = BeautifulSoup(client.get(path).text, "html.parser")
    stream_url = str(page.select_one("[data-stream]")["data-stream"])

    with open_stream(client, stream_url) as stream:
        read_until(stream, is_event("ready"))
        add_reply(session=session, tenant=owner(world), card_id=other.id, body="Not yours")
        add_reply(session=session, tenant=owner(world), card_id=card.id, body="Yours")
        state = read_until(stream, is_event("state"))[-1]
        assert "Yours" in state.payload["html"]
        assert "Not yours" not in state.payload["html"]
        assert "Seen by a manager" in state.payload["html"]
        set_status(session=session, tenant=owner(world), card_id=card.id, status="resolved")
        resolved = read_until(stream, is_event("state"))[-1]
        assert resolved.payload["status"] == "resolved"
        assert "Resolved" in resolved.payload["html"]

    # A reconnect from the last id it got resumes there: nothing is sent twice or lost.
    with open_stream(client, stream_url, last_event_id=resolved.id) as stream:
        seen = read_until(stream, is_event("ready"))
        assert [message.event for message in seen] == ["ready"]


def test_an_internal_note_never_reaches_the_page_its_stream_or_its_json(
    client: TestClient, session: Session, world: World
) -> None:
    path = send_secret_card(client, world)
    card = newest_card(session)
    add_reply(session=session, tenant=owner(world), card_id=card.id, body="We are on it")
    add_note(session=session, tenant=owner(world), card_id=card.id, body=INTERNAL_NOTE)
    page = client.get(path)
    stream_url = str(
        BeautifulSoup(page.text, "html.parser").select_one("[data-stream]")["data-stream"]
    )
    created = session.exec(select(func.min(Event.id)).where(Event.card_id == card.id)).one()

    # From the card's first event, so the note's event is among those the stream answers.
    with open_stream(client, stream_url, last_event_id=str(created)) as stream:
        sent = read_until(stream, is_event("ready"))
        add_note(session=session, tenant=owner(world), card_id=card.id, body=INTERNAL_NOTE + "!")
        sent += read_until(stream, is_event("state"))
    state = client.get(path.replace("/f/", "/api/v1/follow-up/"))

    assert "We are on it" in page.text
    assert "We are on it" in state.text
    assert [message.event for message in sent].count("state") == 2
    for shown in (page.text, state.text, *(message.data for message in sent)):
        assert INTERNAL_NOTE not in shown
