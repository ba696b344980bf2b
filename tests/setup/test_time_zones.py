"""The organisation's time zone: picked from a list, checked on the server, shown with its
offset and local time."""

from datetime import UTC, datetime

from bs4 import BeautifulSoup
from sqlmodel import Session

from api.models import Organisation
from api.setup.time_zones import ZoneNow, canonical_time_zone, offered_time_zones, zone_now
from tests.client import TestClient
from tests.factories import World, reread
from tests.helpers import csrf_token

PROFILE = {
    "name": "Harbour Café",
    "accent_colour": "#2f6f5e",
    "default_language": "en",
    "review_links": "",
}


def save_zone(client: TestClient, time_zone: str, **changes: str):
    token = csrf_token(client, "/admin/organisation")
    data = {"csrf_token": token, **PROFILE, "time_zone": time_zone, **changes}
    return client.post("/admin/organisation", data=data)


def test_the_form_offers_the_zones_with_their_offsets(manager_client: TestClient) -> None:
    page = BeautifulSoup(manager_client.get("/admin/organisation").text, "html.parser")
    field = page.select_one("#org-time_zone")
    choices = page.select_one(f"datalist#{field['list']}")
    values = [option["value"] for option in choices.select("option")]
    assert values[0] == "UTC"
    assert {"Europe/Paris", "America/New_York", "Asia/Kolkata"} <= set(values)
    assert "US/Eastern" not in values  # an old alias: accepted when typed, not offered
    regions = [value.split("/")[0] for value in values[1:]]
    assert regions == sorted(regions)
    kolkata = choices.select_one("option[value='Asia/Kolkata']")
    assert kolkata["label"] == "Kolkata · UTC+5:30"


def test_a_zone_from_the_list_is_saved(
    manager_client: TestClient, world: World, session: Session
) -> None:
    assert save_zone(manager_client, "Asia/Kolkata").status_code == 303
    reread(session)
    assert session.get(Organisation, world.organisation.id).time_zone == "Asia/Kolkata"
    page = BeautifulSoup(manager_client.get("/admin/organisation").text, "html.parser")
    assert page.select_one("#org-time_zone")["value"] == "Asia/Kolkata"
    assert "(UTC+5:30)" in page.select_one("#org-time_zone-hint").text


def test_a_place_typed_as_words_is_saved_as_its_zone(
    manager_client: TestClient, world: World, session: Session
) -> None:
    assert save_zone(manager_client, "  new york ").status_code == 303
    reread(session)
    assert session.get(Organisation, world.organisation.id).time_zone == "America/New_York"
    assert save_zone(manager_client, "São Paulo").status_code == 303
    reread(session)
    assert session.get(Organisation, world.organisation.id).time_zone == "America/Sao_Paulo"


def test_an_unknown_zone_is_refused_and_nothing_is_saved(
    manager_client: TestClient, world: World, session: Session
) -> None:
    response = save_zone(manager_client, "Mars/Olympus", name="Renamed Café")
    assert response.status_code == 422
    page = BeautifulSoup(response.text, "html.parser")
    field = page.select_one("#org-time_zone")
    assert field["value"] == "Mars/Olympus"
    assert field["aria-invalid"] == "true"
    error = page.select_one("#org-time_zone-error").text
    assert "Unknown time zone" in error
    assert "Europe/Paris" in error
    assert "org-time_zone-error" in field["aria-describedby"]
    reread(session)
    organisation = session.get(Organisation, world.organisation.id)
    assert (organisation.name, organisation.time_zone) == ("Harbour Café", "UTC")


def test_near_misses_are_refused(
    manager_client: TestClient, world: World, session: Session
) -> None:
    for refused in ("Paris/Texas", "UTC+2", "Europe/"):
        assert save_zone(manager_client, refused).status_code == 422
    reread(session)
    assert session.get(Organisation, world.organisation.id).time_zone == "UTC"


def test_a_zones_offset_and_time_follow_summer_time() -> None:
    winter = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)
    summer = datetime(2025, 7, 15, 12, 0, tzinfo=UTC)
    assert zone_now("Europe/Paris", winter) == ZoneNow("Europe/Paris", "UTC+1", "13:00")
    assert zone_now("europe/paris", summer) == ZoneNow("Europe/Paris", "UTC+2", "14:00")
    assert zone_now("America/St_Johns", winter).offset == "UTC−3:30"
    assert zone_now("UTC", winter).offset == "UTC"
    assert zone_now("Mars/Olympus", winter) is None


def test_a_zones_offset_as_html_writes_it() -> None:
    winter = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)
    assert zone_now("Europe/Paris", winter).iso_offset == "+01:00"
    assert zone_now("America/St_Johns", winter).iso_offset == "-03:30"
    assert zone_now("Asia/Kolkata", winter).iso_offset == "+05:30"
    assert zone_now("UTC", winter).iso_offset == "Z"


def test_every_offered_zone_is_one_the_server_accepts() -> None:
    offered = offered_time_zones()
    assert len(offered) > 300
    assert all(canonical_time_zone(name) == name for name in offered)
