"""The inbox at a glance: each row's age and marks, and the count of unread cards in the title
and in the live stream."""

from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from sqlmodel import Session

from api.inbox import pages_live as inbox_live
from api.inbox.replies.service import add_reply
from api.inbox.service import count_unread, get_card
from api.models import CardStatus, Role, utcnow
from api.templating import templates
from api.tenancy import Tenant
from tests.client import TestClient
from tests.factories import World, make_card, make_manager
from tests.helpers import csrf_token, log_in, send_card_by_api
from tests.sse import is_event, open_stream, read_until


@pytest.fixture(autouse=True)
def quick_heartbeat(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inbox_live, "HEARTBEAT_SECONDS", 0.5)


def owner_tenant(world: World) -> Tenant:
    assert world.organisation.id is not None
    return Tenant(organisation_id=world.organisation.id, role=Role.owner, user_id=world.owner.id)


def inbox(client: TestClient, path: str = "/inbox") -> BeautifulSoup:
    page = client.get(path)
    assert page.status_code == 200
    return BeautifulSoup(page.text, "html.parser")


def row(page: BeautifulSoup, card_id: int | None) -> BeautifulSoup:
    found = page.select_one(f"#card-{card_id}")
    assert found is not None, page
    return found


def age(moment: datetime, lang: str, now: datetime, time_zone: str = "Europe/London") -> str:
    render = templates.env.from_string("{{ moment|card_age(zone, now) }}").render
    return render(moment=moment, zone=time_zone, now=now, lang=lang)


NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("ago", "lang", "shown"),
    [
        (timedelta(seconds=5), "en", "1 min"),
        (timedelta(minutes=4), "en", "4 min"),
        (timedelta(hours=3), "en", "3 hr"),
        (timedelta(days=2), "en", "2 days"),
        (timedelta(hours=3), "es", "3 h"),
        (timedelta(days=2), "fr", "2\u202fj"),
        (timedelta(minutes=4), "zh-Hans", "4分钟"),
        (timedelta(days=9), "en", "Nov 13"),
        (timedelta(days=9), "de", "13. Nov."),
        (timedelta(days=400), "en", "Oct 18, 2025"),
    ],
)
def test_a_cards_age_is_short_and_in_the_pages_language(
    ago: timedelta, lang: str, shown: str
) -> None:
    assert age(NOW - ago, lang, NOW) == shown


def test_an_old_cards_day_is_the_organisations_day() -> None:
    # 23:30 in UTC on 12 November is already the 13th in Tokyo.
    moment = datetime(2026, 11, 12, 23, 30, tzinfo=UTC)
    assert age(moment, "en", NOW, "Asia/Tokyo") == "Nov 13"
    assert age(moment, "en", NOW, "Europe/London") == "Nov 12"


def test_each_row_shows_its_age_place_person_and_whether_it_is_unread(
    manager_client: TestClient, world: World, session: Session
) -> None:
    opened = make_card(
        session,
        code=world.maya_code,
        location_id=world.counter.id,
        comment="Maya was lovely",
        status=CardStatus.seen,
        created_at=utcnow() - timedelta(hours=3),
    )
    fresh = make_card(session, code=world.counter_code, rating=2, comment="Cold soup")

    page = inbox(manager_client)
    new_row, seen_row = row(page, fresh.id), row(page, opened.id)
    assert "unread" in new_row["class"]
    assert "unread" not in seen_row["class"]
    assert new_row.select_one(".row-age").get_text() == "1 min"
    assert seen_row.select_one(".row-age").get_text() == "3 hr"
    # The machine-readable time is there too.
    assert seen_row.select_one("time.row-age")["datetime"] == opened.created_at.isoformat()
    assert seen_row.select_one(".row-where").get_text(strip=True) == "Counter · Maya"
    assert new_row.select_one(".row-where").get_text(strip=True) == "Counter"
    assert new_row.select_one(".row-comment").get_text(strip=True) == "Cold soup"


def test_a_card_that_wants_a_reply_says_so_until_someone_replies(
    manager_client: TestClient, world: World, session: Session
) -> None:
    asking = make_card(
        session,
        code=world.counter_code,
        rating=1,
        comment="Please call me",
        contact_email="priya@example.com",
        wants_reply=True,
    )
    quiet = make_card(
        session, code=world.counter_code, comment="Fine", contact_email="ann@example.com"
    )

    page = inbox(manager_client)
    assert row(page, asking.id).select_one(".mark").get_text() == "Wants a reply"
    assert row(page, quiet.id).select_one(".mark") is None

    assert asking.id is not None
    add_reply(session=session, tenant=owner_tenant(world), card_id=asking.id, body="Sorry, Priya.")
    replied = row(inbox(manager_client), asking.id)
    assert replied.select_one(".mark").get_text() == "Replied"
    assert get_card(session=session, tenant=owner_tenant(world), card_id=asking.id).replied


def test_the_title_counts_the_unread_cards_the_manager_can_see(
    client: TestClient, world: World, session: Session
) -> None:
    assert world.counter.id is not None
    make_card(session, code=world.counter_code, comment="Counter, unread")
    make_card(session, code=world.terrace_code, comment="Terrace, unread")
    make_card(session, code=world.terrace_code, comment="Terrace, read", status=CardStatus.seen)

    log_in(client, world.owner_email, world.password)
    page = inbox(client)
    assert page.title.get_text() == "(2) Inbox — Harbour Café"
    assert page.select_one("[data-unread-number]").get_text() == "2"
    assert page.select_one(".card-list")["data-unread"] == "2"
    # Whatever the filters show: the count is the inbox's.
    assert inbox(client, f"/inbox?location={world.counter.id}").title.get_text().startswith("(2)")

    make_manager(
        session, world=world, email="lee@example.com", location_ids=frozenset({world.counter.id})
    )
    client.cookies.clear()
    log_in(client, "lee@example.com", world.password)
    assert inbox(client).title.get_text() == "(1) Inbox — Harbour Café"


def test_nothing_unread_leaves_the_title_plain(manager_client: TestClient, world: World) -> None:
    page = inbox(manager_client)
    assert page.title.get_text() == "Inbox — Harbour Café"
    assert page.select_one("[data-unread-count]").has_attr("hidden")


def test_count_unread_keeps_to_the_tenant(
    session: Session, world: World, other_world: World
) -> None:
    make_card(session, code=world.counter_code)
    make_card(session, code=world.counter_code, status=CardStatus.resolved)
    make_card(session, code=other_world.counter_code)
    make_card(session, code=other_world.counter_code)
    assert count_unread(session=session, tenant=owner_tenant(world)) == 1
    assert count_unread(session=session, tenant=owner_tenant(other_world)) == 2


def test_the_stream_sends_the_unread_count_with_each_change(
    manager_client: TestClient, world: World
) -> None:
    make_card_id = send_card_by_api(manager_client, world.counter_code.token, comment="First")
    with open_stream(manager_client) as stream:
        read_until(stream, is_event("ready"))
        send_card_by_api(manager_client, world.counter_code.token, comment="Second")
        arrived = read_until(stream, is_event("card"))[-1]
        assert arrived.payload["unread"] == 2

        token = csrf_token(manager_client)
        opened = manager_client.post(f"/inbox/{make_card_id}/seen", data={"csrf_token": token})
        assert opened.status_code == 303
        status = read_until(stream, is_event("status"))[-1]
        assert status.payload["unread"] == 1


def test_a_filtered_page_still_hears_the_count_change(
    manager_client: TestClient, world: World
) -> None:
    with open_stream(manager_client, f"/inbox/stream?location={world.terrace.id}") as stream:
        read_until(stream, is_event("ready"))
        send_card_by_api(manager_client, world.counter_code.token, comment="At the counter")
        seen = read_until(stream, is_event("unread"))
    assert [message.event for message in seen] == ["unread"]
    assert seen[0].payload == {"unread": 1}
    assert seen[0].id is not None
