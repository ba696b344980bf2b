"""Every set-up form keeps what was typed when it is refused, and carries the CSRF token."""

from urllib.parse import urlsplit

from bs4 import BeautifulSoup
from sqlmodel import Session

from api.models import (
    AlertChannel,
    AlertDelivery,
    AlertKind,
    DeliveryStatus,
    Employee,
    Location,
    Role,
    Webhook,
)
from api.people.invitations import create_invitation
from api.people.schemas import InvitationIn
from api.security import new_secret
from api.setup.api_keys.service import create_api_key
from api.tenancy import Tenant
from tests.client import TestClient
from tests.factories import World, reread
from tests.helpers import csrf_token


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def post(client: TestClient, path: str, data: dict[str, object]):
    return client.post(path, data={"csrf_token": csrf_token(client, "/admin/codes"), **data})


def test_renaming_a_location_to_a_taken_name_shows_the_list_again_as_typed(
    manager_client: TestClient, world: World, session: Session
) -> None:
    answer = post(
        manager_client, f"/admin/locations/{world.terrace.id}", {"name": "Counter", "kind": "table"}
    )

    assert answer.status_code == 409
    page = soup(answer.text)
    renamed = page.select_one(f"#rename-{world.terrace.id}")
    assert renamed["value"] == "Counter"
    assert renamed["aria-invalid"] == "true"
    error = page.select_one(f"#{renamed['aria-describedby']}")
    assert error.get_text() == "There is already a location called “Counter”."
    assert page.select_one("[role=alert]") is not None
    # Only the form that was sent shows the typed name; the others are as they were.
    assert page.select_one("#new-name")["value"] == ""
    assert page.select_one(f"#rename-{world.counter.id}")["value"] == "Counter"
    reread(session)
    assert session.get(Location, world.terrace.id).name == "Terrace"


def test_a_taken_name_is_refused_in_the_owners_language(
    manager_client: TestClient, world: World
) -> None:
    manager_client.headers["Accept-Language"] = "de"
    answer = post(
        manager_client, f"/admin/locations/{world.terrace.id}", {"name": "Counter", "kind": "table"}
    )

    assert answer.status_code == 409
    page = soup(answer.text)
    renamed = page.select_one(f"#rename-{world.terrace.id}")
    error = page.select_one(f"#{renamed['aria-describedby']}")
    assert error.get_text() == "Es gibt bereits einen Ort namens „Counter“."
    assert page.select_one("html")["lang"] == "de"


def test_renaming_a_location_to_nothing_keeps_the_form(
    manager_client: TestClient, world: World
) -> None:
    answer = post(
        manager_client, f"/admin/locations/{world.terrace.id}", {"name": "  ", "kind": "table"}
    )
    assert answer.status_code == 422
    page = soup(answer.text)
    assert page.select_one(f"#rename-{world.terrace.id}-error").get_text() == "Please fill this in."


def test_a_refused_employee_edit_keeps_what_was_typed(
    manager_client: TestClient, world: World, other_world: World, session: Session
) -> None:
    path = f"/admin/employees/{world.maya.id}"
    blank = post(manager_client, path, {"display_name": "", "role_title": "Barista"})
    assert blank.status_code == 422
    page = soup(blank.text)
    assert page.select_one(f"#e{world.maya.id}-role")["value"] == "Barista"
    assert page.select_one(f"#e{world.maya.id}-name-error").get_text() == "Please fill this in."
    assert page.select_one(f"#e{world.maya.id}-name").find_parent("details").has_attr("open")

    odd = post(manager_client, path, {"display_name": "Maya", "email": "not-an-address"})
    assert odd.status_code == 422
    email = soup(odd.text).select_one(f"#e{world.maya.id}-email")
    assert email["value"] == "not-an-address"
    assert email["id"] + "-error" in str(email["aria-describedby"]).split()

    foreign = post(
        manager_client,
        path,
        {"display_name": "Maya R.", "location_ids": [other_world.counter.id]},
    )
    assert foreign.status_code == 422
    page = soup(foreign.text)
    assert page.select_one(f"#e{world.maya.id}-name")["value"] == "Maya R."
    assert "Pick locations from the list." in page.select_one("[role=alert]").get_text()
    reread(session)
    assert session.get(Employee, world.maya.id).display_name == "Maya"


def test_another_organisations_location_is_still_not_found(
    manager_client: TestClient, other_world: World
) -> None:
    answer = post(
        manager_client,
        f"/admin/locations/{other_world.terrace.id}",
        {"name": "Counter", "kind": "table"},
    )
    assert answer.status_code == 404


def test_a_refused_move_shows_the_code_page_again(manager_client: TestClient, world: World) -> None:
    answer = post(
        manager_client,
        f"/admin/codes/{world.counter_code.id}/move",
        {"label": "Moved", "location_id": "", "employee_id": ""},
    )
    assert answer.status_code == 422
    page = soup(answer.text)
    assert "Choose a location, an employee, or both." in page.select_one("[role=alert]").get_text()
    assert page.select_one("#move-label")["value"] == "Moved"


def fill_every_list(session: Session, world: World) -> None:
    """One of each row an admin page lists with a form of its own."""
    organisation_id = world.organisation.id
    assert organisation_id is not None
    session.add(
        AlertDelivery(
            organisation_id=organisation_id,
            kind=AlertKind.negative,
            channel=AlertChannel.email,
            address=world.owner_email,
            idempotency_key=new_secret(12),
            status=DeliveryStatus.parked,
            last_error="timed out",
        )
    )
    session.add(
        Webhook(organisation_id=organisation_id, name="Ops", url="https://ops.example/", secret="s")
    )
    session.commit()
    create_api_key(session=session, organisation=world.organisation, name="script")
    tenant = Tenant(organisation_id=organisation_id, role=Role.owner, user_id=world.owner.id)
    create_invitation(session=session, tenant=tenant, data=InvitationIn(email="new@example.com"))


def test_every_form_of_the_admin_pages_carries_the_csrf_token(
    manager_client: TestClient, world: World, session: Session
) -> None:
    fill_every_list(session, world)
    token = csrf_token(manager_client, "/admin/codes")
    to_visit, seen, forms = ["/admin/codes"], set[str](), 0
    while to_visit:
        path = to_visit.pop()
        if path in seen:
            continue
        seen.add(path)
        page = manager_client.get(path)
        assert page.status_code == 200, path
        html = soup(page.text)
        for form in html.find_all("form", method="post"):
            hidden = form.select("input[name=csrf_token]")
            assert [field["value"] for field in hidden] == [token], (path, form.get("action"))
            forms += 1
        for link in html.select("a[href^='/admin']"):
            target = urlsplit(link["href"]).path
            if target not in seen:
                to_visit.append(target)
    assert {
        "/admin/locations",
        "/admin/employees",
        "/admin/people",
        "/admin/organisation",
        "/admin/mail",
        "/admin/card-texts",
        "/admin/api-keys",
        "/admin/alerts",
        "/admin/alerts/webhooks",
        "/admin/alerts/deliveries",
        f"/admin/codes/{world.counter_code.id}",
    } <= seen
    assert forms > 40
