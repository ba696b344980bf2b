"""The manager's inbox pages: list, filters, a card's detail and its workflow."""

from datetime import UTC, datetime

import pytest
from bs4 import BeautifulSoup
from sqlmodel import Session

from api.models import Card
from tests.client import TestClient
from tests.factories import World, make_card, make_manager, reread
from tests.helpers import csrf_token, log_in


def row_comments(html: str) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    return [row.get_text(strip=True) for row in soup.select(".card-row .row-comment")]


def test_inbox_lists_cards_newest_first(
    manager_client: TestClient, world: World, session: Session
) -> None:
    make_card(session, code=world.counter_code, comment="First")
    make_card(session, code=world.maya_code, comment="Second", rating=1)
    page = manager_client.get("/inbox")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert row_comments(page.text) == ["Second", "First"]
    assert "Harbour Café" in page.text


def test_empty_inbox_says_so(manager_client: TestClient, world: World) -> None:
    page = manager_client.get("/inbox")
    assert "No cards yet" in page.text


def test_filters_by_location_employee_and_rating(
    manager_client: TestClient, world: World, session: Session
) -> None:
    make_card(session, code=world.counter_code, comment="Counter four", rating=4)
    make_card(session, code=world.terrace_code, comment="Terrace one", rating=1)
    make_card(session, code=world.maya_code, comment="Maya five", rating=5)
    by_location = manager_client.get(f"/inbox?location={world.terrace.id}")
    assert row_comments(by_location.text) == ["Terrace one"]
    by_employee = manager_client.get(f"/inbox?employee={world.maya.id}")
    assert row_comments(by_employee.text) == ["Maya five"]
    by_rating = manager_client.get("/inbox?rating=4")
    assert row_comments(by_rating.text) == ["Counter four"]
    selected = BeautifulSoup(by_rating.text, "html.parser").select_one("#f-rating option[selected]")
    assert selected["value"] == "4"
    # Nonsense filters mean "any", not an error page.
    assert len(row_comments(manager_client.get("/inbox?rating=x&location=").text)) == 3


def test_older_cards_link_pages_through(
    manager_client: TestClient, world: World, session: Session
) -> None:
    for number in range(52):
        make_card(session, code=world.counter_code, comment=f"Card {number}")
    first = manager_client.get("/inbox")
    assert len(row_comments(first.text)) == 50
    more = BeautifulSoup(first.text, "html.parser").select_one(".more a")["href"]
    assert row_comments(manager_client.get(more).text) == ["Card 1", "Card 0"]


def test_card_detail_shows_everything_escaped(
    manager_client: TestClient, world: World, session: Session
) -> None:
    card = make_card(
        session,
        code=world.counter_code,
        rating=2,
        comment="<img src=x onerror=alert(1)>",
        contact_name="Ana",
        contact_email="ana@example.com",
        wants_reply=True,
    )
    page = manager_client.get(f"/inbox/{card.id}")
    assert page.status_code == 200
    assert "<img src=x" not in page.text
    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.select_one(".comment").get_text() == "<img src=x onerror=alert(1)>"
    assert soup.select_one("a[href^=mailto]").get_text() == "ana@example.com"
    assert "The customer asked to be contacted." in page.text
    assert "Counter" in soup.select_one(".row-meta").get_text()


def test_opening_a_card_changes_nothing_until_marked(
    manager_client: TestClient, world: World, session: Session
) -> None:
    card = make_card(session, code=world.counter_code)
    manager_client.get(f"/inbox/{card.id}")
    reread(session)
    assert session.get(Card, card.id).status == "new"
    token = csrf_token(manager_client, f"/inbox/{card.id}")
    response = manager_client.post(f"/inbox/{card.id}/seen", data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["location"] == f"/inbox/{card.id}"
    reread(session)
    stored = session.get(Card, card.id)
    assert stored.status == "seen"
    assert stored.seen_by_id == world.owner.id
    assert stored.seen_at is not None


def test_resolve_records_who_and_when(
    manager_client: TestClient, world: World, session: Session
) -> None:
    card = make_card(session, code=world.counter_code)
    token = csrf_token(manager_client, f"/inbox/{card.id}")
    manager_client.post(f"/inbox/{card.id}/resolve", data={"csrf_token": token})
    page = manager_client.get(f"/inbox/{card.id}")
    shown = BeautifulSoup(page.text, "html.parser")
    assert "Resolved" in shown.select_one(".steps .step-resolved").text
    assert shown.select_one(".actions") is None, "a resolved card has nothing left to do"
    reread(session)
    stored = session.get(Card, card.id)
    assert (stored.status, stored.resolved_by_id) == ("resolved", world.owner.id)
    assert stored.seen_at is not None


def test_missing_or_malformed_card_id_is_404(manager_client: TestClient, world: World) -> None:
    for path in ("/inbox/999999", "/inbox/abc", "/inbox/-1"):
        response = manager_client.get(path)
        assert response.status_code == 404
        assert "Not found" in response.text


def test_manager_limited_to_a_location_sees_only_it(
    client: TestClient, world: World, session: Session
) -> None:
    mine = make_card(session, code=world.counter_code, comment="Mine")
    theirs = make_card(session, code=world.terrace_code, comment="Not mine")
    make_manager(
        session, world=world, email="lee@example.com", location_ids=frozenset({world.counter.id})
    )
    log_in(client, "lee@example.com", world.password)
    assert row_comments(client.get("/inbox").text) == ["Mine"]
    assert client.get(f"/inbox/{mine.id}").status_code == 200
    assert client.get(f"/inbox/{theirs.id}").status_code == 404
    options = BeautifulSoup(client.get("/inbox").text, "html.parser").select("#f-location option")
    assert [option.get_text() for option in options] == ["All", "Counter"]


def test_home_sends_a_manager_to_the_inbox(manager_client: TestClient) -> None:
    response = manager_client.get("/")
    assert (response.status_code, response.headers["location"]) == (303, "/inbox")


def test_times_are_shown_in_the_organisations_time_zone(
    manager_client: TestClient, world: World, session: Session
) -> None:
    world.organisation.time_zone = "Europe/Paris"
    session.add(world.organisation)
    session.commit()
    noon_utc = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
    card = make_card(session, code=world.counter_code, created_at=noon_utc)
    listed = BeautifulSoup(manager_client.get("/inbox").text, "html.parser").select_one("time")
    assert listed.get_text() == "Jan 10, 2026, 1:00\u202fPM"
    detail = BeautifulSoup(manager_client.get(f"/inbox/{card.id}").text, "html.parser")
    assert detail.select_one("time").get_text() == "Jan 10, 2026, 1:00\u202fPM"


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        ("de", "10.01.2026, 13:00"),
        ("zh-CN", "2026年1月10日 13:00"),
        ("fr", "10 janv. 2026, 13:00"),
    ],
)
def test_times_are_written_in_the_readers_language(
    manager_client: TestClient, world: World, session: Session, language: str, shown: str
) -> None:
    world.organisation.time_zone = "Europe/Paris"
    session.add(world.organisation)
    session.commit()
    make_card(session, code=world.counter_code, created_at=datetime(2026, 1, 10, 12, 0, tzinfo=UTC))
    page = manager_client.get("/inbox", headers={"Accept-Language": language})
    assert BeautifulSoup(page.text, "html.parser").select_one("time").get_text() == shown


def test_acknowledge_then_resolve_records_each_step(
    manager_client: TestClient, world: World, session: Session
) -> None:
    card = make_card(session, code=world.counter_code)
    token = csrf_token(manager_client, f"/inbox/{card.id}")
    acknowledged = manager_client.post(f"/inbox/{card.id}/acknowledge", data={"csrf_token": token})
    assert (acknowledged.status_code, acknowledged.headers["location"]) == (
        303,
        f"/inbox/{card.id}",
    )
    reread(session)
    stored = session.get(Card, card.id)
    assert stored.status == "acknowledged"
    assert (stored.acknowledged_by_id, stored.seen_by_id) == (world.owner.id, world.owner.id)
    assert stored.acknowledged_at is not None
    assert stored.resolved_at is None

    manager_client.post(f"/inbox/{card.id}/resolve", data={"csrf_token": token})
    page = BeautifulSoup(manager_client.get(f"/inbox/{card.id}").text, "html.parser")
    steps = [item.get_text(" ", strip=True) for item in page.select(".steps li")]
    assert [step.split(" ")[0] for step in steps] == [
        "Received",
        "Seen",
        "Acknowledged",
        "Resolved",
    ]
    assert f"Acknowledged by {world.owner_email}" in steps[2]
    assert page.select_one(".detail-head .badge").get_text() == "resolved"
    buttons = [button.get_text() for button in page.select(".actions button")]
    assert buttons == []


def test_dismiss_closes_a_card_that_needs_nothing(
    manager_client: TestClient, world: World, session: Session
) -> None:
    card = make_card(session, code=world.counter_code, comment="Test card, please ignore")
    token = csrf_token(manager_client, f"/inbox/{card.id}")
    assert manager_client.post(f"/inbox/{card.id}/dismiss", data={"csrf_token": token}).is_redirect
    reread(session)
    stored = session.get(Card, card.id)
    assert (stored.status, stored.dismissed_by_id) == ("dismissed", world.owner.id)
    page = BeautifulSoup(manager_client.get(f"/inbox/{card.id}").text, "html.parser")
    assert "Dismissed" in page.select_one(".steps .step-dismissed").get_text()


def test_the_buttons_follow_the_workflow(
    manager_client: TestClient, world: World, session: Session
) -> None:
    card = make_card(session, code=world.counter_code)
    page = BeautifulSoup(manager_client.get(f"/inbox/{card.id}").text, "html.parser")
    buttons = [button.get_text() for button in page.select(".actions button")]
    assert buttons == ["Mark read", "Acknowledge", "Mark resolved", "Dismiss"]
    # The page's script marks the card seen as it opens; the button is there without it.
    assert page.select_one("form[data-mark-seen]")["action"] == f"/inbox/{card.id}/seen"
    assert page.select_one("script[src^='/static/js/inbox.js']")["nonce"]
    for form in page.select(".actions form"):
        assert form["method"] == "post"
        assert form.select_one("input[name=csrf_token]")["value"]

    token = csrf_token(manager_client, f"/inbox/{card.id}")
    manager_client.post(f"/inbox/{card.id}/seen", data={"csrf_token": token})
    page = BeautifulSoup(manager_client.get(f"/inbox/{card.id}").text, "html.parser")
    buttons = [button.get_text() for button in page.select(".actions button")]
    assert buttons == ["Acknowledge", "Mark resolved", "Dismiss"]


def test_a_closed_card_does_not_go_back(
    manager_client: TestClient, world: World, session: Session
) -> None:
    card = make_card(session, code=world.counter_code)
    token = csrf_token(manager_client, f"/inbox/{card.id}")
    manager_client.post(f"/inbox/{card.id}/resolve", data={"csrf_token": token})
    reread(session)
    resolved_at = session.get(Card, card.id).resolved_at

    refused = manager_client.post(f"/inbox/{card.id}/acknowledge", data={"csrf_token": token})
    assert refused.status_code == 409
    assert "already moved past that step" in refused.text
    assert (
        manager_client.post(f"/inbox/{card.id}/dismiss", data={"csrf_token": token}).status_code
        == 409
    )
    # Opening it again (the page's script posts "seen") is harmless.
    assert (
        manager_client.post(f"/inbox/{card.id}/seen", data={"csrf_token": token}).status_code == 303
    )
    reread(session)
    stored = session.get(Card, card.id)
    assert (stored.status, stored.resolved_at) == ("resolved", resolved_at)
    assert stored.acknowledged_at is None
    assert stored.dismissed_at is None


def test_status_changes_need_the_csrf_token(
    manager_client: TestClient, world: World, session: Session
) -> None:
    card = make_card(session, code=world.counter_code)
    for action in ("seen", "acknowledge", "resolve", "dismiss"):
        response = manager_client.post(f"/inbox/{card.id}/{action}", data={"csrf_token": "wrong"})
        assert response.status_code == 403
    reread(session)
    assert session.get(Card, card.id).status == "new"
