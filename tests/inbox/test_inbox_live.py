"""The live inbox stream: new cards as rows, resuming without loss, and only the tenant's own."""

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from sqlmodel import Session, select

from api.accounts.service import add_membership
from api.inbox import pages_live as inbox_live
from api.models import CardStatus, Role, UserSession
from tests.client import TestClient
from tests.factories import World, make_card, make_manager
from tests.helpers import csrf_token, log_in, send_card_by_api
from tests.sse import cards, is_event, open_stream, read_until


@pytest.fixture(autouse=True)
def quick_heartbeat(monkeypatch: pytest.MonkeyPatch) -> None:
    """A heartbeat every half second: a reader waiting in vain checks its deadline that often."""
    monkeypatch.setattr(inbox_live, "HEARTBEAT_SECONDS", 0.5)


@pytest.fixture
def second_client(app: FastAPI, client: TestClient) -> Iterator[TestClient]:
    """Another browser on the same app (its lifespan is already running through `client`)."""
    other = TestClient(app, follow_redirects=False)
    try:
        yield other
    finally:
        other.close()


def test_the_stream_needs_a_signed_in_manager(client: TestClient, world: World) -> None:
    response = client.get("/inbox/stream")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_a_card_sent_after_connecting_arrives_as_an_inbox_row(
    manager_client: TestClient, world: World
) -> None:
    with open_stream(manager_client) as stream:
        read_until(stream, is_event("ready"))
        card_id = send_card_by_api(
            manager_client, world.counter_code.token, comment="The milk was off", rating=2
        )
        message = read_until(stream, is_event("card"))[-1]

    assert message.comment == "The milk was off"
    assert message.payload["card_id"] == card_id
    row = BeautifulSoup(message.payload["html"], "html.parser").select_one("li.card-row")
    assert row is not None
    assert row["id"] == f"card-{card_id}"
    assert row.select_one("a")["href"] == f"/inbox/{card_id}"
    assert row.select_one(".badge").get_text() == "new"
    assert "Counter" in row.select_one(".row-meta").get_text()


def test_reconnecting_with_last_event_id_resumes_without_loss(
    manager_client: TestClient, world: World
) -> None:
    with open_stream(manager_client) as stream:
        read_until(stream, is_event("ready"))
        send_card_by_api(manager_client, world.counter_code.token, comment="Before the drop")
        before = read_until(stream, is_event("card"))[-1]

    for comment in ("One", "Two", "Three"):
        send_card_by_api(manager_client, world.terrace_code.token, comment=comment)

    with open_stream(manager_client, last_event_id=before.id) as stream:
        seen = read_until(stream, is_event("ready"))
    assert cards(seen) == ["One", "Two", "Three"]
    ids = [int(message.id or 0) for message in seen]
    assert ids == sorted(ids)
    assert int(before.id or 0) < ids[0]
    assert seen[-1].id == seen[-2].id, "ready carries the id of the last event sent"


def test_the_page_streams_from_where_it_was_rendered(
    manager_client: TestClient, world: World
) -> None:
    send_card_by_api(manager_client, world.counter_code.token, comment="Already listed")
    page = BeautifulSoup(manager_client.get("/inbox").text, "html.parser")
    stream_url = page.select_one(".card-list")["data-stream"]
    assert parse_qs(urlsplit(stream_url).query)["after"] != ["0"]
    # Sent after the page was rendered but before its script connected: not lost.
    send_card_by_api(manager_client, world.counter_code.token, comment="Sent while the page loaded")

    with open_stream(manager_client, stream_url) as stream:
        seen = read_until(stream, is_event("ready"))
    assert cards(seen) == ["Sent while the page loaded"]


def test_another_organisation_never_receives_the_event(
    manager_client: TestClient, second_client: TestClient, world: World, other_world: World
) -> None:
    log_in(second_client, other_world.owner_email, other_world.password)
    with open_stream(second_client) as stream:
        read_until(stream, is_event("ready"))
        send_card_by_api(
            manager_client, world.counter_code.token, comment="Harbour Café's own business"
        )
        send_card_by_api(
            manager_client, other_world.counter_code.token, comment="Rival Bakery's card"
        )
        seen = read_until(stream, is_event("card"))
    assert cards(seen) == ["Rival Bakery's card"]

    # Resuming from the very start does not reach the other organisation's events either.
    with open_stream(second_client, last_event_id="0") as stream:
        seen = read_until(stream, is_event("ready"))
    assert cards(seen) == ["Rival Bakery's card"]


def test_a_manager_limited_to_a_location_only_gets_its_cards(
    client: TestClient, session: Session, world: World
) -> None:
    assert world.counter.id is not None
    make_manager(
        session, world=world, email="lee@example.com", location_ids=frozenset({world.counter.id})
    )
    log_in(client, "lee@example.com", world.password)
    with open_stream(client) as stream:
        read_until(stream, is_event("ready"))
        terrace_id = send_card_by_api(
            client, world.terrace_code.token, comment="Terrace: not Lee's"
        )
        send_card_by_api(client, world.counter_code.token, comment="Counter: Lee's")
        seen = read_until(stream, is_event("card"))
    assert cards(seen) == ["Counter: Lee's"]

    with open_stream(client, last_event_id="0") as stream:
        seen = read_until(stream, is_event("ready"))
    assert cards(seen) == ["Counter: Lee's"]
    assert all(message.payload["card_id"] != terrace_id for message in seen[:-1])


def test_the_stream_keeps_the_pages_filters(manager_client: TestClient, world: World) -> None:
    with open_stream(manager_client, f"/inbox/stream?location={world.terrace.id}") as stream:
        read_until(stream, is_event("ready"))
        send_card_by_api(manager_client, world.counter_code.token, comment="At the counter")
        send_card_by_api(manager_client, world.terrace_code.token, comment="On the terrace")
        seen = read_until(stream, is_event("card"))
    assert cards(seen) == ["On the terrace"]


def test_a_status_change_updates_the_row_in_open_inboxes(
    manager_client: TestClient, world: World
) -> None:
    card_id = send_card_by_api(manager_client, world.counter_code.token, comment="Cold soup")
    token = csrf_token(manager_client)
    with open_stream(manager_client) as stream:
        read_until(stream, is_event("ready"))
        response = manager_client.post(f"/inbox/{card_id}/acknowledge", data={"csrf_token": token})
        assert response.status_code == 303
        message = read_until(stream, is_event("status"))[-1]
    assert message.payload["card_id"] == card_id
    assert message.payload["status"] == "acknowledged"
    row = BeautifulSoup(message.payload["html"], "html.parser")
    assert row.select_one(".badge").get_text() == "acknowledged"


def test_a_compliment_passed_on_or_put_on_the_wall_updates_the_row_in_open_inboxes(
    manager_client: TestClient, world: World, session: Session
) -> None:
    """Another manager's inbox stops asking for what was just done. The card was seen already:
    no change of status carries the row."""
    card = make_card(
        session,
        code=world.maya_code,
        rating=5,
        comment="Maya found my keys",
        share_publicly=True,
        status=CardStatus.seen,
    )
    token = csrf_token(manager_client)
    with open_stream(manager_client) as stream:
        read_until(stream, is_event("ready"))
        for action in ("share/approve", "pass-on"):
            form = {"csrf_token": token, "note": "Thank you, Maya!"}
            answer = manager_client.post(f"/inbox/{card.id}/{action}", data=form)
            assert answer.status_code == 303, answer.text
            message = read_until(stream, is_event("status"))[-1]
            assert message.payload["card_id"] == card.id
            chips = BeautifulSoup(message.payload["html"], "html.parser").select(".tag")
            assert "Approve for the wall" not in [chip.get_text() for chip in chips]
    assert "Passed on" in [chip.get_text() for chip in chips]


def test_a_signed_out_manager_stops_receiving(
    manager_client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inbox_live, "SESSION_CHECK_SECONDS", 0)
    token = csrf_token(manager_client)
    with open_stream(manager_client) as stream:
        read_until(stream, is_event("ready"))
        assert manager_client.post("/logout", data={"csrf_token": token}).status_code == 303
        send_card_by_api(manager_client, world.counter_code.token, comment="Sent after signing out")
        seen = read_until(stream, is_event("signed-out"))
    assert cards(seen) == []


def test_only_the_first_page_of_the_inbox_is_live(manager_client: TestClient, world: World) -> None:
    first = BeautifulSoup(manager_client.get("/inbox").text, "html.parser")
    assert first.select_one(".card-list[data-stream]") is not None
    assert first.select_one("[role=status][aria-live=polite]") is not None
    script = first.select_one("script[src^='/static/js/inbox.js?v=']")
    assert script is not None
    assert script.get("nonce")

    older = BeautifulSoup(manager_client.get("/inbox?before=5").text, "html.parser")
    assert older.select_one(".card-list[data-stream]") is None


def test_the_inbox_installs_as_its_own_app(manager_client: TestClient, world: World) -> None:
    page = BeautifulSoup(manager_client.get("/inbox").text, "html.parser")
    manifest_url = page.select_one("link[rel=manifest]")["href"]
    response = manager_client.get(manifest_url)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    assert (manifest["scope"], manifest["start_url"], manifest["display"]) == (
        "/inbox",
        "/inbox",
        "standalone",
    )
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        image = manager_client.get(f"/static/{icon['src']}")
        assert image.status_code == 200
        assert image.headers["content-type"] == icon["type"]


def test_a_stream_ends_when_its_session_moves_to_another_organisation(
    manager_client: TestClient,
    session: Session,
    world: World,
    other_world: World,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Switching organisation in another tab: this page still shows the first one's cards."""
    monkeypatch.setattr(inbox_live, "SESSION_CHECK_SECONDS", 0)
    add_membership(
        session=session, user=world.owner, organisation=other_world.organisation, role=Role.owner
    )
    session.commit()
    with open_stream(manager_client) as stream:
        read_until(stream, is_event("ready"))
        signed_in = session.exec(
            select(UserSession).where(UserSession.user_id == world.owner.id)
        ).one()
        signed_in.organisation_id = other_world.organisation.id  # type: ignore[assignment]
        session.add(signed_in)
        session.commit()
        send_card_by_api(manager_client, world.counter_code.token, comment="Wakes the stream")
        seen = read_until(stream, is_event("stale"))
    assert cards(seen) == []
