"""The owner's set-up pages: locations, employees, and codes through their whole life."""

import pytest
from bs4 import BeautifulSoup
from sqlmodel import Session, select

from api.models import Code, Employee, EmployeeLocation, Location
from api.setup.pages_codes import development_address
from qr.codes import drawing_fingerprint
from tests.client import TestClient
from tests.factories import World, make_manager, reread
from tests.helpers import csrf_token, log_in


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def post(client: TestClient, path: str, data: dict[str, object], page: str = "/admin/codes"):
    return client.post(path, data={"csrf_token": csrf_token(client, page), **data})


def test_owner_adds_and_renames_a_location(
    manager_client: TestClient, world: World, session: Session
) -> None:
    response = post(manager_client, "/admin/locations", {"name": "Desk 2", "kind": "desk"})
    assert (response.status_code, response.headers["location"]) == (303, "/admin/locations")
    page = soup(manager_client.get("/admin/locations").text)
    assert "Desk 2" in [cell.get_text() for cell in page.select("td:first-child")]
    post(
        manager_client, f"/admin/locations/{world.terrace.id}", {"name": "Garden", "kind": "table"}
    )
    reread(session)
    assert session.get(Location, world.terrace.id).name == "Garden"


def test_location_errors_keep_the_form(manager_client: TestClient, world: World) -> None:
    duplicate = post(manager_client, "/admin/locations", {"name": "Counter", "kind": "counter"})
    assert duplicate.status_code == 409
    assert "There is already a location called “Counter”." in duplicate.text
    assert soup(duplicate.text).select_one("#new-name")["value"] == "Counter"
    blank = post(manager_client, "/admin/locations", {"name": "  ", "kind": "counter"})
    assert blank.status_code == 422
    assert "Please fill this in." in blank.text
    odd = post(manager_client, "/admin/locations", {"name": "Roof", "kind": "spaceship"})
    assert odd.status_code == 422


def test_owner_adds_an_employee_who_works_at_chosen_places(
    manager_client: TestClient, world: World, session: Session
) -> None:
    response = post(
        manager_client,
        "/admin/employees",
        {"display_name": "Noor", "role_title": "Host", "location_ids": [world.terrace.id]},
    )
    assert response.status_code == 303
    reread(session)
    noor = session.exec(select(Employee).where(Employee.display_name == "Noor")).one()
    places = session.exec(
        select(EmployeeLocation.location_id).where(EmployeeLocation.employee_id == noor.id)
    ).all()
    assert places == [world.terrace.id]
    card_page = soup(manager_client.get(f"/c/{world.terrace_code.token}").text)
    assert "Noor" in [option.get_text() for option in card_page.select("#employee_id option")]


def test_employee_at_another_organisations_location_is_refused(
    manager_client: TestClient, world: World, other_world: World, session: Session
) -> None:
    response = post(
        manager_client,
        "/admin/employees",
        {"display_name": "Spy", "location_ids": [other_world.counter.id]},
    )
    assert response.status_code == 422
    assert "Pick locations from the list." in response.text
    reread(session)
    assert session.exec(select(Employee).where(Employee.display_name == "Spy")).first() is None


def test_archiving_an_employee_revokes_their_badge(
    manager_client: TestClient, world: World, session: Session
) -> None:
    badge = f"/c/{world.maya_code.token}"
    assert manager_client.get(badge).status_code == 200
    post(manager_client, f"/admin/employees/{world.maya.id}/archive", {})
    assert manager_client.get(badge).status_code == 410
    reread(session)
    assert session.get(Code, world.maya_code.id).revoked_at is not None
    post(manager_client, f"/admin/employees/{world.maya.id}/restore", {})
    reread(session)
    assert session.get(Employee, world.maya.id).active is True
    assert manager_client.get(badge).status_code == 410  # a revoked code stays revoked


def test_issue_a_code_and_see_its_qr_and_short_url(
    manager_client: TestClient, world: World
) -> None:
    response = post(
        manager_client,
        "/admin/codes",
        {"label": "Sam's badge", "employee_id": world.sam.id, "location_id": world.terrace.id},
    )
    assert response.status_code == 303
    detail = soup(manager_client.get(response.headers["location"]).text)
    token = detail.select_one("h1 .mono").get_text()
    assert detail.select_one("code.mono").get_text() == f"HTTP://TESTSERVER/C/{token}"
    typed = detail.select_one("a.typed-url")
    assert typed.get_text() == f"testserver/c/{token}", "as people type it: no scheme"
    assert typed["href"] == f"http://testserver/c/{token}"
    assert manager_client.get(typed["href"]).status_code == 200
    drawn = f"?v={drawing_fingerprint()}"
    assert detail.select_one("img")["src"] == f"/qr/{token}.svg{drawn}"
    downloads = [link["href"] for link in detail.select("a[download]")]
    sizes = ["", "&size=1000", "&size=2400"]
    assert downloads == [f"/qr/{token}.svg{drawn}"] + [
        f"/qr/{token}.png{drawn}{size}" for size in sizes
    ]
    card = soup(manager_client.get(f"/c/{token}").text)
    assert card.h1.get_text(strip=True) == "How was your visit with Sam?"


def test_code_needs_a_target_of_this_organisation(
    manager_client: TestClient, world: World, other_world: World
) -> None:
    nothing = post(manager_client, "/admin/codes", {"label": "Nowhere"})
    assert nothing.status_code == 422
    assert "Choose a location, an employee, or both." in nothing.text
    foreign = post(manager_client, "/admin/codes", {"location_id": other_world.counter.id})
    assert foreign.status_code == 404


def test_replacing_a_lost_badge_revokes_the_old_code_and_issues_a_new_one(
    manager_client: TestClient, world: World, session: Session
) -> None:
    old = world.maya_code.token
    response = post(manager_client, f"/admin/codes/{world.maya_code.id}/replace", {})
    assert response.status_code == 303
    new = soup(manager_client.get(response.headers["location"]).text).select_one("h1 .mono").text
    assert new != old
    assert manager_client.get(f"/c/{old}").status_code == 410
    assert "How was your visit with Maya?" in manager_client.get(f"/c/{new}").text
    reread(session)
    replacement = session.exec(select(Code).where(Code.token == new)).one()
    assert (replacement.employee_id, replacement.label) == (world.maya.id, world.maya_code.label)


def test_moving_a_code_keeps_the_printed_qr_working(
    manager_client: TestClient, world: World
) -> None:
    path = f"/admin/codes/{world.counter_code.id}/move"
    response = post(manager_client, path, {"location_id": world.terrace.id, "label": "Moved"})
    assert response.status_code == 303
    card = soup(manager_client.get(f"/c/{world.counter_code.token}").text)
    assert card.h1.get_text(strip=True) == "How was your visit to Terrace?"


def test_revoke_then_the_card_page_says_so(manager_client: TestClient, world: World) -> None:
    post(manager_client, f"/admin/codes/{world.counter_code.id}/revoke", {})
    assert manager_client.get(f"/c/{world.counter_code.token}").status_code == 410
    codes = soup(manager_client.get("/admin/codes").text)
    row = next(r for r in codes.select("tbody tr") if world.counter_code.token in r.text)
    assert "revoked" in row.get_text()


def test_development_address_warning(manager_client: TestClient, world: World) -> None:
    warning = soup(manager_client.get("/admin/codes").text).select_one(".warning")
    assert warning is not None
    assert "http://testserver" in warning.get_text()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://localhost:8000", True),
        ("http://127.0.0.1:8000", True),
        ("http://192.168.1.20", True),
        ("http://10.0.0.5", True),
        ("http://tellus.local", True),
        ("http://intranet", True),
        ("https://feedback.example.com", False),
        ("https://93.184.216.34", False),
    ],
)
def test_what_counts_as_a_development_address(url: str, expected: bool) -> None:
    assert development_address(url) is expected


def test_managers_who_are_not_owners_cannot_change_the_set_up(
    client: TestClient, world: World, session: Session
) -> None:
    make_manager(session, world=world, email="lee@example.com")
    log_in(client, "lee@example.com", world.password)
    assert client.get("/admin/codes").status_code == 403
    assert "Set-up" not in client.get("/inbox").text
    token = csrf_token(client)
    refused = client.post(
        "/admin/locations", data={"csrf_token": token, "name": "Sneaky", "kind": "desk"}
    )
    assert refused.status_code == 403
    reread(session)
    assert session.exec(select(Location).where(Location.name == "Sneaky")).first() is None


def test_a_replaced_location_code_points_customers_to_the_current_one(
    manager_client: TestClient, world: World
) -> None:
    old = world.counter_code.token
    response = post(manager_client, f"/admin/codes/{world.counter_code.id}/replace", {})
    new = soup(manager_client.get(response.headers["location"]).text).select_one("h1 .mono").text
    page = manager_client.get(f"/c/{old}")
    assert page.status_code == 410
    link = soup(page.text).select_one("a.send")
    assert link["href"] == f"/c/{new}"
    # A revoked badge offers nothing: the person may have left.
    post(manager_client, f"/admin/codes/{world.maya_code.id}/revoke", {})
    assert soup(manager_client.get(f"/c/{world.maya_code.token}").text).select_one("a.send") is None


@pytest.mark.parametrize("path", ["/admin/locations", "/admin/people", "/admin/alerts"])
def test_set_up_pages_follow_the_browser_as_the_inbox_does(
    manager_client: TestClient, path: str
) -> None:
    """An owner without a language of their own gets set-up in their browser's, right to left
    in Arabic (English words inside a page not in the catalogues yet)."""
    arabic = {"Accept-Language": "ar"}
    page = soup(manager_client.get(path, headers=arabic).text).html
    assert page is not None
    assert (page["lang"], page["dir"]) == ("ar", "rtl")
    inbox = soup(manager_client.get("/inbox", headers=arabic).text).html
    assert inbox is not None
    assert (inbox["lang"], inbox["dir"]) == ("ar", "rtl")
