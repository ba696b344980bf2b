"""What the card page shows is cached per process for minutes here, yet every change an owner
makes, through a form or the API, is on the customer's card at once: the services that change
it drop the cached cards of their organisation themselves."""

import io
from collections.abc import Callable

import pytest
from bs4 import BeautifulSoup
from PIL import Image
from sqlmodel import Session

from api.config import Settings
from api.setup.api_keys.service import create_api_key
from tests.client import TestClient
from tests.factories import World
from tests.helpers import csrf_token

PROFILE = {
    "name": "Harbour Café & Bar",
    "accent_colour": "#AA3300",
    "default_language": "en",
    "time_zone": "Europe/London",
    "review_links": "",
}
Change = Callable[[TestClient, World], object]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A code cache that would hold a card for five minutes."""
    settings.code_cache_seconds = 300
    return settings


@pytest.fixture
def bearer(session: Session, world: World) -> dict[str, str]:
    key, _ = create_api_key(session=session, organisation=world.organisation, name="script")
    return {"Authorization": f"Bearer {key}"}


def card(client: TestClient, world: World, code: str = "counter_code") -> BeautifulSoup:
    response = client.get(f"/c/{getattr(world, code).token}")
    assert response.status_code == 200
    return BeautifulSoup(response.text, "html.parser")


def card_status(client: TestClient, world: World, code: str) -> int:
    return client.get(f"/c/{getattr(world, code).token}").status_code


def post_form(client: TestClient, path: str, page: str, **fields: object) -> None:
    response = client.post(path, data={"csrf_token": csrf_token(client, page), **fields})
    assert response.status_code == 303, response.text


def owner_post(client: TestClient, via: str, path: str, bearer: dict[str, str]) -> None:
    """POST `path` as the owner's form (under /admin, from its list page) or the API's."""
    if via == "form":
        page = "/admin/" + path.split("/")[1]
        post_form(client, f"/admin{path}", page)
    else:
        assert client.post(f"/api/v1{path}", headers=bearer).is_success


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 20), "#1f6f8b").save(out, format="PNG")
    return out.getvalue()


def staff(page: BeautifulSoup) -> list[str]:
    return [option.get_text(strip=True) for option in page.select("#employee_id option[value!='']")]


@pytest.mark.parametrize("via", ["form", "api"])
def test_the_organisations_name_and_colour_show_at_once(
    manager_client: TestClient, world: World, bearer: dict[str, str], via: str
) -> None:
    before = card(manager_client, world)
    assert before.select_one(".org-name").get_text(strip=True) == "Harbour Café"
    if via == "form":
        post_form(manager_client, "/admin/organisation", "/admin/organisation", **PROFILE)
    else:
        data = {**PROFILE, "review_links": []}
        assert manager_client.put("/api/v1/organisation", json=data, headers=bearer).is_success
    after = card(manager_client, world)
    assert after.select_one(".org-name").get_text(strip=True) == "Harbour Café & Bar"
    assert "--accent:#aa3300" in str(after.select_one("style")).lower()


@pytest.mark.parametrize("via", ["form", "api"])
def test_a_new_or_removed_logo_shows_at_once(
    manager_client: TestClient, world: World, bearer: dict[str, str], via: str
) -> None:
    assert card(manager_client, world).select_one(".org-logo") is None
    if via == "form":
        token = csrf_token(manager_client, "/admin/organisation")
        uploaded = manager_client.post(
            "/admin/organisation/logo",
            data={"csrf_token": token},
            files={"logo": ("logo.png", png(), "image/png")},
        )
        assert uploaded.status_code == 303
    else:
        headers = {**bearer, "Content-Type": "image/png"}
        assert manager_client.put("/api/v1/organisation/logo", content=png(), headers=headers)
    assert card(manager_client, world).select_one(".org-logo") is not None
    if via == "form":
        post_form(manager_client, "/admin/organisation/logo/remove", "/admin/organisation")
    else:
        assert manager_client.delete("/api/v1/organisation/logo", headers=bearer).is_success
    assert card(manager_client, world).select_one(".org-logo") is None


@pytest.mark.parametrize("via", ["form", "api"])
def test_a_renamed_location_shows_at_once(
    manager_client: TestClient, world: World, bearer: dict[str, str], via: str
) -> None:
    assert card(manager_client, world).h1.get_text(strip=True) == "How was your visit to Counter?"
    if via == "form":
        path = f"/admin/locations/{world.counter.id}"
        post_form(manager_client, path, "/admin/locations", name="Bar", kind="counter")
    else:
        data = {"name": "Bar", "kind": "counter"}
        path = f"/api/v1/locations/{world.counter.id}"
        assert manager_client.put(path, json=data, headers=bearer).is_success
    assert card(manager_client, world).h1.get_text(strip=True) == "How was your visit to Bar?"


@pytest.mark.parametrize("via", ["form", "api"])
def test_a_renamed_employee_shows_at_once(
    manager_client: TestClient, world: World, bearer: dict[str, str], via: str
) -> None:
    assert staff(card(manager_client, world)) == ["Maya"]
    assert "Maya" in card(manager_client, world, "maya_code").h1.get_text()
    if via == "form":
        path = f"/admin/employees/{world.maya.id}"
        fields = {"display_name": "Maya R.", "location_ids": [str(world.counter.id)]}
        post_form(manager_client, path, "/admin/employees", **fields)
    else:
        data = {"display_name": "Maya R.", "location_ids": [world.counter.id]}
        path = f"/api/v1/employees/{world.maya.id}"
        assert manager_client.put(path, json=data, headers=bearer).is_success
    assert staff(card(manager_client, world)) == ["Maya R."]
    assert "Maya R." in card(manager_client, world, "maya_code").h1.get_text()


@pytest.mark.parametrize("via", ["form", "api"])
def test_an_archived_employee_leaves_the_cards_at_once(
    manager_client: TestClient, world: World, bearer: dict[str, str], via: str
) -> None:
    assert staff(card(manager_client, world)) == ["Maya"]
    assert card_status(manager_client, world, "maya_code") == 200
    owner_post(manager_client, via, f"/employees/{world.maya.id}/archive", bearer)
    assert staff(card(manager_client, world)) == []
    assert card_status(manager_client, world, "maya_code") == 410
    # Restored: on the location's card again at once.
    owner_post(manager_client, via, f"/employees/{world.maya.id}/restore", bearer)
    assert staff(card(manager_client, world)) == ["Maya"]


@pytest.mark.parametrize("via", ["form", "api"])
def test_a_revoked_code_stops_working_at_once(
    manager_client: TestClient, world: World, bearer: dict[str, str], via: str
) -> None:
    assert card_status(manager_client, world, "terrace_code") == 200
    owner_post(manager_client, via, f"/codes/{world.terrace_code.id}/revoke", bearer)
    assert card_status(manager_client, world, "terrace_code") == 410


@pytest.mark.parametrize("via", ["form", "api"])
def test_a_replaced_code_stops_working_and_a_new_code_is_offered_at_once(
    manager_client: TestClient, world: World, bearer: dict[str, str], via: str
) -> None:
    assert card_status(manager_client, world, "terrace_code") == 200
    owner_post(manager_client, via, f"/codes/{world.terrace_code.id}/replace", bearer)
    revoked = manager_client.get(f"/c/{world.terrace_code.token}")
    assert revoked.status_code == 410
    offered = BeautifulSoup(revoked.text, "html.parser").select_one("a.send")
    assert offered is not None
    assert card_status(manager_client, world, "terrace_code") == 410
    assert manager_client.get(offered["href"]).status_code == 200


@pytest.mark.parametrize("via", ["form", "api"])
def test_a_new_code_is_offered_on_a_revoked_one_at_once(
    manager_client: TestClient, world: World, bearer: dict[str, str], via: str
) -> None:
    post_form(manager_client, f"/admin/codes/{world.terrace_code.id}/revoke", "/admin/codes")
    page = BeautifulSoup(manager_client.get(f"/c/{world.terrace_code.token}").text, "html.parser")
    assert page.select_one("a.send") is None  # cached: nothing to offer yet
    if via == "form":
        fields = {"location_id": str(world.terrace.id), "label": "Terrace 2"}
        post_form(manager_client, "/admin/codes", "/admin/codes", **fields)
    else:
        data = {"location_id": world.terrace.id, "label": "Terrace 2"}
        assert manager_client.post("/api/v1/codes", json=data, headers=bearer).is_success
    page = BeautifulSoup(manager_client.get(f"/c/{world.terrace_code.token}").text, "html.parser")
    assert page.select_one("a.send") is not None


@pytest.mark.parametrize("via", ["form", "api"])
def test_a_moved_code_shows_its_new_place_at_once(
    manager_client: TestClient, world: World, bearer: dict[str, str], via: str
) -> None:
    assert card(manager_client, world).h1.get_text(strip=True) == "How was your visit to Counter?"
    if via == "form":
        path = f"/admin/codes/{world.counter_code.id}/move"
        post_form(
            manager_client,
            path,
            f"/admin/codes/{world.counter_code.id}",
            location_id=str(world.terrace.id),
        )
    else:
        path = f"/api/v1/codes/{world.counter_code.id}"
        data = {"location_id": world.terrace.id}
        assert manager_client.put(path, json=data, headers=bearer).is_success
    assert card(manager_client, world).h1.get_text(strip=True) == "How was your visit to Terrace?"
