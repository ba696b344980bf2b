"""Finding cards: words in the comment, combined filters, keyset pages, CSV export, the API."""

import csv
import io
from datetime import UTC, datetime

from bs4 import BeautifulSoup
from sqlmodel import Session

from api.models import Card, Organisation
from api.setup.api_keys.service import create_api_key
from tests.client import TestClient
from tests.factories import World, make_card
from tests.helpers import csrf_token


def comments(client: TestClient, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, response.text
    soup = BeautifulSoup(response.text, "html.parser")
    return [row.get_text(strip=True) for row in soup.select(".card-row .row-comment")]


def test_search_finds_words_in_the_comment(
    manager_client: TestClient, world: World, session: Session
) -> None:
    make_card(session, code=world.counter_code, comment="The croissants were stale")
    make_card(session, code=world.counter_code, comment="Stale bread, cold COFFEE")
    make_card(session, code=world.counter_code, comment="Lovely coffee and croissants")
    assert comments(manager_client, "/inbox?q=stale") == [
        "Stale bread, cold COFFEE",
        "The croissants were stale",
    ]
    assert comments(manager_client, "/inbox?q=coffee+stale") == ["Stale bread, cold COFFEE"]
    assert comments(manager_client, "/inbox?q=tea") == []
    # Search syntax typed by a manager is plain words, never an error.
    for query in ('"', "AND", "coffee*", "NEAR(", "-stale", "'; drop table card; --"):
        assert manager_client.get("/inbox", params={"q": query}).status_code == 200


def test_search_finds_the_start_of_a_word_and_ignores_accents(
    manager_client: TestClient, world: World, session: Session
) -> None:
    make_card(session, code=world.counter_code, comment="The soup was cold")
    make_card(session, code=world.counter_code, comment="Crème brûlée, très bien")
    make_card(session, code=world.counter_code, comment="Creme brulee was sour")
    # A manager types the start of a word, as in any search box.
    assert comments(manager_client, "/inbox?q=sou") == [
        "Creme brulee was sour",
        "The soup was cold",
    ]
    assert comments(manager_client, "/inbox?q=sou+col") == ["The soup was cold"]
    # Accents or none, typed or stored, find each other.
    both = ["Creme brulee was sour", "Crème brûlée, très bien"]
    assert comments(manager_client, "/inbox?q=creme") == both
    assert comments(manager_client, "/inbox?q=BRÛL") == both
    assert comments(manager_client, "/inbox?q=tres") == ["Crème brûlée, très bien"]
    # The prefix mark is ours: a typed one is not syntax, and nor are quotes or operators.
    assert comments(manager_client, "/inbox?q=sou*") == comments(manager_client, "/inbox?q=sou")
    for query in ("so'u", "sou:*", "sou & !cold", "(sou | x)", "sou\\", "'':*"):
        assert manager_client.get("/inbox", params={"q": query}).status_code == 200, query


def test_search_follows_an_edited_comment(
    manager_client: TestClient, world: World, session: Session
) -> None:
    card = make_card(session, code=world.counter_code, comment="Parking was full")
    card.comment = "Music was loud"
    session.add(card)
    session.commit()
    assert comments(manager_client, "/inbox?q=parking") == []
    assert comments(manager_client, "/inbox?q=music") == ["Music was loud"]
    session.delete(card)
    session.commit()
    assert comments(manager_client, "/inbox?q=music") == []


def test_filters_combine_and_stay_in_the_url(
    manager_client: TestClient, world: World, session: Session
) -> None:
    make_card(session, code=world.terrace_code, comment="Terrace cold one", rating=1)
    make_card(session, code=world.terrace_code, comment="Terrace cold five", rating=5)
    make_card(session, code=world.counter_code, comment="Counter cold one", rating=1)
    url = f"/inbox?q=cold&rating=1&location={world.terrace.id}&status=new"
    assert comments(manager_client, url) == ["Terrace cold one"]
    soup = BeautifulSoup(manager_client.get(url).text, "html.parser")
    assert soup.select_one("#f-q")["value"] == "cold"
    assert soup.select_one("#f-status option[selected]")["value"] == "new"
    export = soup.select_one(".list-tools a")["href"]
    assert export.startswith("/inbox/export.csv?")
    assert "q=cold" in export
    assert "location=" in soup.select_one("form#bulk")["action"]
    assert comments(manager_client, "/inbox?status=resolved&q=cold") == []


def test_date_range_uses_the_organisations_days(
    manager_client: TestClient, world: World, session: Session
) -> None:
    organisation = session.get(Organisation, world.organisation.id)
    assert organisation is not None
    organisation.time_zone = "Pacific/Auckland"  # UTC+13 in November
    session.add(organisation)
    session.commit()
    # 20 Nov 12:00 UTC is 21 Nov 01:00 in Auckland.
    make_card(
        session,
        code=world.counter_code,
        comment="Late",
        created_at=datetime(2026, 11, 20, 12, 0, tzinfo=UTC),
    )
    make_card(
        session,
        code=world.counter_code,
        comment="Early",
        created_at=datetime(2026, 11, 20, 10, 0, tzinfo=UTC),
    )
    assert comments(manager_client, "/inbox?from=2026-11-21&to=2026-11-21") == ["Late"]
    assert comments(manager_client, "/inbox?to=2026-11-20") == ["Early"]
    assert comments(manager_client, "/inbox?from=2026-13-45") == ["Early", "Late"]


def test_keyset_pages_keep_the_filters(
    manager_client: TestClient, world: World, session: Session
) -> None:
    for number in range(53):
        make_card(session, code=world.counter_code, comment=f"Slow service {number}", rating=2)
        make_card(session, code=world.counter_code, comment=f"Fine {number}", rating=4)
    first = manager_client.get("/inbox?q=slow&rating=2")
    assert len(comments(manager_client, "/inbox?q=slow&rating=2")) == 50
    more = BeautifulSoup(first.text, "html.parser").select_one(".more a")["href"]
    assert "q=slow" in more
    assert "rating=2" in more
    assert comments(manager_client, more) == ["Slow service 2", "Slow service 1", "Slow service 0"]


HOSTILE = (
    '=HYPERLINK("http://evil.example","click")',
    "+1+2",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
)


def test_csv_export_neutralises_formulas_and_covers_only_visible_cards(
    manager_client: TestClient, world: World, other_world: World, session: Session
) -> None:
    for comment in HOSTILE:
        make_card(
            session, code=world.counter_code, comment=comment, contact_name="=cmd|' /C calc'!A0"
        )
    make_card(session, code=world.terrace_code, comment="Terrace, plain")
    make_card(session, code=other_world.counter_code, comment="Another organisation's card")
    response = manager_client.get(f"/inbox/export.csv?location={world.counter.id}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert sorted(row["comment"] for row in rows) == sorted("'" + c for c in HOSTILE)
    assert all(row["contact_name"] == "'=cmd|' /C calc'!A0" for row in rows)
    everything = manager_client.get("/inbox/export.csv").text
    assert "Terrace, plain" in everything
    assert "Another organisation" not in everything


def test_csv_export_streams_every_page(
    manager_client: TestClient, world: World, session: Session
) -> None:
    for number in range(1203):
        session.add(
            Card(
                organisation_id=world.organisation.id,
                code_id=world.counter_code.id,
                location_id=world.counter.id,
                rating=3,
                comment=f"Bulk {number}",
                idempotency_key=f"bulk-{number}",
                request_hash="0" * 64,
            )
        )
    session.commit()
    rows = list(csv.reader(io.StringIO(manager_client.get("/inbox/export.csv").text)))
    assert len(rows) == 1204
    assert len({row[0] for row in rows[1:]}) == 1203


def test_api_filters_search_and_works_cards(
    client: TestClient, world: World, session: Session
) -> None:
    key, _ = create_api_key(session=session, organisation=world.organisation, name="Script")
    bearer = {"Authorization": f"Bearer {key}"}
    card = make_card(session, code=world.counter_code, comment="Broken chair", rating=2)
    make_card(session, code=world.counter_code, comment="Nice chair", rating=5)
    found = client.get("/api/v1/cards?q=chair&rating=2", headers=bearer).json()
    assert [c["comment"] for c in found["cards"]] == ["Broken chair"]

    tagged = client.put(f"/api/v1/cards/{card.id}/tags/repair", headers=bearer)
    assert tagged.status_code == 200
    assert tagged.json()["tags"] == ["repair"]
    assigned = client.put(
        f"/api/v1/cards/{card.id}/assignee", json={"assignee_id": world.owner.id}, headers=bearer
    )
    assert assigned.json()["assignee"] == world.owner_email
    note = client.post(f"/api/v1/cards/{card.id}/notes", json={"body": "Ordered"}, headers=bearer)
    assert note.status_code == 201
    assert [
        n["body"] for n in client.get(f"/api/v1/cards/{card.id}/notes", headers=bearer).json()
    ] == ["Ordered"]
    by_tag = client.get(f"/api/v1/cards?tag=repair&assignee={world.owner.id}", headers=bearer)
    assert [c["id"] for c in by_tag.json()["cards"]] == [card.id]
    assert (
        client.get("/api/v1/cards?assignee=none", headers=bearer).json()["cards"][0]["comment"]
        == "Nice chair"
    )
    kinds = [
        e["kind"] for e in client.get(f"/api/v1/cards/{card.id}/history", headers=bearer).json()
    ]
    assert kinds == ["card.created", "card.tagged", "card.assigned", "card.note"]
    untagged = client.delete(f"/api/v1/cards/{card.id}/tags/repair", headers=bearer)
    assert untagged.json()["tags"] == []
    assert (
        client.get("/api/v1/cards?from=2000-01-01&to=2000-01-02", headers=bearer).json()["cards"]
        == []
    )
    assert client.get("/api/v1/cards?assignee=me", headers=bearer).status_code == 422


def test_a_page_with_a_search_is_not_live_but_a_status_filter_is(
    manager_client: TestClient, world: World
) -> None:
    searched = BeautifulSoup(manager_client.get("/inbox?q=coffee").text, "html.parser")
    assert searched.select_one(".card-list[data-stream]") is None
    by_status = BeautifulSoup(manager_client.get("/inbox?status=new").text, "html.parser")
    stream = by_status.select_one(".card-list[data-stream]")["data-stream"]
    assert "status=new" in stream
    assert csrf_token(manager_client)
