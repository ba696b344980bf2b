"""The dashboard page, its CSV files and GET /api/v1/analytics, signed in as a person would be."""

import csv
import io
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from api.setup.api_keys.service import create_api_key
from tests.client import TestClient
from tests.factories import World, make_card
from tests.helpers import soup


def make_cards(session: Session, world: World) -> None:
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    make_card(
        session, code=world.counter_code, rating=1, comment="Cold coffee", created_at=an_hour_ago
    )
    make_card(session, code=world.terrace_code, rating=5, created_at=an_hour_ago)
    make_card(session, code=world.terrace_code, rating=4, created_at=an_hour_ago)
    # Before the 7 days: only in the previous period.
    make_card(
        session, code=world.counter_code, rating=2, created_at=an_hour_ago - timedelta(days=9)
    )


def test_the_dashboard_shows_the_figures_charts_and_tables(
    manager_client: TestClient, session: Session, world: World
) -> None:
    make_cards(session, world)

    page = soup(manager_client.get("/analytics?range=7d"))

    figures = {
        item.dt.get_text(strip=True): item.dd.strong.get_text(strip=True)
        for item in page.select(".figure")
    }
    assert figures["Cards"] == "3"
    assert figures["Average rating"] == "3.33"
    assert figures["Satisfied (4–5)"] == "67 %"
    assert "before: 1" in page.select(".figure")[0].get_text()
    charts = page.select("svg[role=img]")
    assert [chart.title.get_text() for chart in charts] == [
        "Cards and average rating per day",
        "Cards by rating",
        "Concerns (1–2) by weekday and hour",
    ]
    assert all(chart.desc.get_text() for chart in charts)
    assert not page.select("[style]")
    locations = page.select("#locations-heading ~ .table-scroll tbody tr")
    assert [row.td.get_text() for row in locations] == ["Terrace", "Counter"]
    assert page.select_one("nav a[aria-current=page]").get_text() == "Analytics"


def test_the_cards_of_no_place_are_named_in_the_locations_table(
    manager_client: TestClient, session: Session, world: World
) -> None:
    for _ in range(5):
        make_card(session, code=world.maya_code, rating=5)

    page = soup(manager_client.get("/analytics?range=7d"))

    locations = page.select("#locations-heading ~ .table-scroll tbody tr")
    assert [row.td.get_text() for row in locations] == ["No place (badge codes)"]


def test_each_table_downloads_as_csv_and_a_bad_period_is_explained(
    manager_client: TestClient, session: Session, world: World
) -> None:
    make_cards(session, world)

    answer = manager_client.get(
        f"/analytics/export.csv?range=7d&table=locations&location={world.counter.id}"
    )

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert rows[0][:3] == ["name", "cards", "compliments"]
    assert rows[1][:4] == ["Counter", "1", "0", "1"]
    assert len(rows) == 2
    assert manager_client.get("/analytics/export.csv?table=nothing").status_code == 404
    refused = manager_client.get("/analytics?range=custom&from=2026-05-02&to=2026-05-01")
    assert refused.status_code == 422
    assert "The last day comes before the first." in soup(refused).select_one(".error-summary").text


def test_the_api_answers_the_same_figures(
    client: TestClient, session: Session, world: World
) -> None:
    make_cards(session, world)
    key, _ = create_api_key(session=session, organisation=world.organisation, name="figures")
    headers = {"Authorization": f"Bearer {key}"}

    figures = client.get("/api/v1/analytics?range=7d", headers=headers).json()

    assert (figures["current"]["cards"], figures["previous"]["cards"]) == (3, 1)
    assert figures["current"]["ratings"] == [1, 0, 0, 1, 1]
    assert [row["name"] for row in figures["locations"]] == ["Terrace", "Counter"]
    assert client.get("/api/v1/analytics?range=week", headers=headers).status_code == 422
    assert client.get("/api/v1/analytics").status_code == 401
