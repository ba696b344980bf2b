"""Archiving a place or an employee: a page says what it will do; then their codes stop working
at once and they leave every picker, while their cards stay with their names. Restoring brings
them back to the pickers, not their codes."""

import re

import pytest
from bs4 import BeautifulSoup
from sqlmodel import Session, select

from api.config import Settings
from api.customer.codes import NO_CACHE
from api.models import Code, EmployeeLocation, Location, LocationDuty, Webhook
from api.setup.api_keys.service import create_api_key
from api.setup.codes import create_code, revoke_code
from api.setup.schemas import CodeIn
from tests.browser.walk_data import tenant_of
from tests.client import TestClient
from tests.factories import World, make_card, make_manager, reread
from tests.helpers import csrf_token, log_in


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A code cache that would hold a card for five minutes: archiving must drop it."""
    settings.code_cache_seconds = 300
    return settings


def page(client: TestClient, path: str) -> BeautifulSoup:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return BeautifulSoup(response.text, "html.parser")


def confirm(client: TestClient, path: str) -> None:
    """The confirmation page's own form, posted as a person would (its action, its token)."""
    form = page(client, path).select_one(f"form[action='{path}']")
    assert form is not None, f"{path} has no Confirm form"
    fields = {field["name"]: field["value"] for field in form.select("input[type=hidden]")}
    response = client.post(path, data=fields)
    assert response.status_code == 303, response.text


def options(client: TestClient, path: str, selector: str) -> list[str]:
    return [item.get_text(strip=True) for item in page(client, path).select(selector)]


def places_offered(client: TestClient) -> dict[str, list[str]]:
    """Every picker of places: new codes, employees' places, print sheets, webhooks, who is on
    duty where, the kudos walls' addresses and their TV screens."""
    routing = page(client, "/admin/alerts").select("form.duty-form")
    return {
        "codes": options(client, "/admin/codes", "#code-location option[value!='']"),
        "employees": options(client, "/admin/employees", "form[action='/admin/employees'] label"),
        "print": options(client, "/admin/print", "label:has(input[name=location])"),
        "webhooks": options(client, "/admin/alerts/webhooks", "#hook-location option[value!='']"),
        "duty": [form["aria-label"].removeprefix("On duty at ") for form in routing],
        "walls": options(client, "/admin/kudos", ".link-list li a"),
        "screens": options(client, "/admin/kudos", "#screen-location option[value!='']"),
    }


def test_archiving_a_place_revokes_its_codes_and_keeps_its_cards(
    manager_client: TestClient, world: World, session: Session
) -> None:
    client = manager_client
    make_card(session, code=world.counter_code, comment="Lovely coffee at the counter")
    counter_card = f"/c/{world.counter_code.token}"
    assert client.get(counter_card).status_code == 200  # cached for five minutes from here
    assert "Counter" in places_offered(client)["codes"]

    shown = page(client, f"/admin/locations/{world.counter.id}/archive")
    text = shown.get_text(" ", strip=True)
    assert "1 code will be revoked at once" in text
    assert world.counter_code.token in text
    assert "Counter will have no working code." in text
    assert client.get(counter_card).status_code == 200, "the page alone changes nothing"
    confirm(client, f"/admin/locations/{world.counter.id}/archive")

    revoked = client.get(counter_card)
    assert revoked.status_code == 410
    assert "This code is no longer in use" in revoked.text
    for picker, names in places_offered(client).items():
        assert "Counter" not in names, picker
        assert "Terrace" in names, picker
    locations = page(client, "/admin/locations")
    assert "Counter" not in [cell.get_text() for cell in locations.select("td:first-child")]
    fold = locations.select_one("details.archived-fold")
    assert "Counter" in fold.get_text()
    assert "stay revoked" in fold.get_text()

    row = page(client, "/inbox").select_one(".card-row").get_text(" ", strip=True)
    assert "Lovely coffee at the counter" in row
    assert "Counter" in row
    export = client.get("/inbox/export.csv")
    assert "Lovely coffee at the counter" in export.text
    assert "Counter" in export.text
    reread(session)
    assert session.get(Location, world.counter.id).archived_at is not None
    assert session.get(Code, world.counter_code.id).revoked_at is not None


def test_an_archived_place_gets_no_new_tv_screen(
    manager_client: TestClient, world: World, session: Session
) -> None:
    """A kudos page opened before the place was archived still offers it: the link is refused."""
    client = manager_client
    token = csrf_token(client, "/admin/kudos")
    confirm(client, f"/admin/locations/{world.counter.id}/archive")
    refused = client.post(
        "/admin/kudos/screens", data={"csrf_token": token, "location_id": world.counter.id}
    )
    assert refused.status_code == 422
    assert "This location is archived: restore it first." in refused.text
    made = client.post(
        "/admin/kudos/screens", data={"csrf_token": token, "location_id": world.terrace.id}
    )
    assert made.status_code == 200
    assert "Your new TV link" in made.text


def test_replacing_an_archived_places_tv_link_is_refused_and_keeps_the_old_one(
    manager_client: TestClient, world: World
) -> None:
    client = manager_client
    token = csrf_token(client, "/admin/kudos")
    made = client.post(
        "/admin/kudos/screens", data={"csrf_token": token, "location_id": world.counter.id}
    )
    tv = re.search(r"/tv/([A-Za-z0-9_-]{32})", made.text)
    assert tv is not None
    screen = re.search(r"/admin/kudos/screens/(\d+)/replace", client.get("/admin/kudos").text)
    assert screen is not None
    confirm(client, f"/admin/locations/{world.counter.id}/archive")

    refused = client.post(
        f"/admin/kudos/screens/{screen.group(1)}/replace", data={"csrf_token": token}
    )
    assert refused.status_code == 422
    assert "This location is archived: restore it first." in refused.text
    assert client.get(f"/tv/{tv.group(1)}").status_code == 200, "the old link still works"
    assert (
        len(re.findall(r"/admin/kudos/screens/\d+/replace", client.get("/admin/kudos").text)) == 1
    )


@pytest.mark.parametrize(
    ("path", "place", "person"),
    [("/inbox", "#f-location", "#f-employee"), ("/analytics", "#location", "#employee")],
)
def test_the_filters_keep_archived_ones_apart_to_find_their_cards(
    manager_client: TestClient, world: World, session: Session, path: str, place: str, person: str
) -> None:
    client = manager_client
    make_card(session, code=world.maya_code, rating=5, comment="Maya found my keys")
    make_card(session, code=world.terrace_code, rating=2, comment="Cold soup on the terrace")
    confirm(client, f"/admin/locations/{world.counter.id}/archive")
    confirm(client, f"/admin/employees/{world.maya.id}/archive")

    filters = page(client, path)
    for selector, in_use, archived in ((place, "Terrace", "Counter"), (person, "Sam", "Maya")):
        select = filters.select_one(selector)
        current = [item.get_text() for item in select.select(":scope > option[value!='']")]
        assert current == [in_use]
        fold = select.select_one("optgroup")
        assert fold["label"] == "Archived"
        assert [item.get_text() for item in fold.select("option")] == [archived]

    by_place = page(client, f"{path}?location={world.counter.id}")
    assert by_place.select_one(f"{place} optgroup option").has_attr("selected")
    by_person = page(client, f"{path}?employee={world.maya.id}")
    assert by_person.select_one(f"{person} optgroup option").has_attr("selected")
    if path == "/inbox":
        assert "Maya found my keys" in by_person.get_text()
        assert "Cold soup on the terrace" not in by_person.get_text()


def test_restoring_a_place_does_not_bring_its_codes_back(
    manager_client: TestClient, world: World, session: Session
) -> None:
    client = manager_client
    confirm(client, f"/admin/locations/{world.counter.id}/archive")
    fold = page(client, "/admin/locations").select_one("details.archived-fold")
    restore = fold.select_one(f"form[action='/admin/locations/{world.counter.id}/restore']")
    token = restore.select_one("input[name=csrf_token]")["value"]
    response = client.post(restore["action"], data={"csrf_token": token})
    assert response.status_code == 303
    assert "Counter" in places_offered(client)["codes"]
    assert page(client, "/admin/locations").select_one("details.archived-fold") is None
    assert client.get(f"/c/{world.counter_code.token}").status_code == 410
    reread(session)
    assert session.get(Location, world.counter.id).archived_at is None


def test_an_archived_place_keeps_its_staff_and_takes_no_new_code(
    manager_client: TestClient, world: World, session: Session
) -> None:
    client = manager_client
    confirm(client, f"/admin/locations/{world.counter.id}/archive")
    # Maya's form no longer offers the Counter; saving it keeps her there for a restore.
    data = {"csrf_token": csrf_token(client, "/admin/employees"), "display_name": "Maya"}
    assert client.post(f"/admin/employees/{world.maya.id}", data=data).status_code == 303
    refused = client.post(
        "/admin/codes",
        data={"csrf_token": csrf_token(client, "/admin/codes"), "location_id": world.counter.id},
    )
    assert refused.status_code == 422
    assert "This location is archived: restore it first." in refused.text
    taken = client.post(
        "/admin/locations",
        data={"csrf_token": csrf_token(client, "/admin/locations"), "name": "Counter"},
    )
    assert taken.status_code == 409
    assert "An archived location is called “Counter”" in taken.text
    reread(session)
    links = session.exec(
        select(EmployeeLocation.location_id).where(EmployeeLocation.employee_id == world.maya.id)
    ).all()
    assert list(links) == [world.counter.id]


def test_archiving_an_employee_takes_them_off_the_card_and_the_pickers(
    manager_client: TestClient, world: World, session: Session
) -> None:
    client = manager_client
    make_card(session, code=world.maya_code, comment="Maya was wonderful")
    who_helped = "#employee_id option[value!='']"
    counter_card = f"/c/{world.counter_code.token}"
    assert options(client, counter_card, who_helped) == ["Maya"]

    shown = page(client, f"/admin/employees/{world.maya.id}/archive").get_text(" ", strip=True)
    assert "1 code will be revoked at once" in shown
    assert "will have no working code" not in shown, "her badge is at no place"
    confirm(client, f"/admin/employees/{world.maya.id}/archive")

    assert options(client, counter_card, who_helped) == []
    assert client.get(f"/c/{world.maya_code.token}").status_code == 410
    assert "Maya" not in options(client, "/admin/codes", "#code-employee option")
    assert "Maya" not in options(client, "/admin/print", "label:has(input[name=employee])")
    employees = page(client, "/admin/employees")
    assert "Maya" not in [item.get_text() for item in employees.select("details.employee strong")]
    assert "Maya" in employees.select_one("details.archived-fold").get_text()
    assert "Maya was wonderful" in page(client, "/inbox").get_text()

    restore = f"/admin/employees/{world.maya.id}/restore"
    data = {"csrf_token": csrf_token(client, "/admin/employees")}
    assert client.post(restore, data=data).status_code == 303
    assert options(client, counter_card, who_helped) == ["Maya"]
    assert client.get(f"/c/{world.maya_code.token}").status_code == 410


def test_the_warning_names_a_place_an_employee_would_leave_without_a_working_code(
    manager_client: TestClient, world: World, session: Session
) -> None:
    tenant = tenant_of(world)
    at_counter = create_code(
        session=session,
        tenant=tenant,
        code_cache=NO_CACHE,
        data=CodeIn(employee_id=world.maya.id, location_id=world.counter.id),
    )
    path = f"/admin/employees/{world.maya.id}/archive"
    text = page(manager_client, path).get_text(" ", strip=True)
    assert "2 codes will be revoked at once" in text
    assert "will have no working code" not in text, "the Counter's own code still works"

    assert world.counter_code.id is not None
    revoke_code(session=session, tenant=tenant, code_id=world.counter_code.id, code_cache=NO_CACHE)
    shown = page(manager_client, path)
    assert [item.get_text() for item in shown.select(".warning")] == [
        "Counter will have no working code."
    ]
    assert at_counter.token in shown.get_text()
    button = shown.select_one(f"form[action='{path}'] button").get_text(strip=True)
    assert button == "Archive and revoke 2 codes"


def test_another_organisations_place_or_employee_is_not_found(
    manager_client: TestClient, world: World, other_world: World, session: Session
) -> None:
    client = manager_client
    token = csrf_token(client, "/admin/locations")
    for path in (
        f"/admin/locations/{other_world.counter.id}/archive",
        f"/admin/employees/{other_world.maya.id}/archive",
    ):
        assert client.get(path).status_code == 404
        assert client.post(path, data={"csrf_token": token}).status_code == 404
    assert client.get(f"/c/{other_world.counter_code.token}").status_code == 200
    assert client.get(f"/c/{other_world.maya_code.token}").status_code == 200


def test_only_an_owner_archives(client: TestClient, world: World, session: Session) -> None:
    make_manager(session, world=world, email="lee@example.com")
    log_in(client, "lee@example.com", world.password)
    path = f"/admin/locations/{world.counter.id}/archive"
    assert client.get(path).status_code == 403
    assert client.post(path, data={"csrf_token": csrf_token(client)}).status_code == 403
    reread(session)
    assert session.get(Location, world.counter.id).archived_at is None


def test_the_api_archives_and_restores_a_place(
    client: TestClient, world: World, session: Session
) -> None:
    key, _ = create_api_key(session=session, organisation=world.organisation, name="script")
    bearer = {"Authorization": f"Bearer {key}"}
    archived = client.post(f"/api/v1/locations/{world.counter.id}/archive", headers=bearer)
    assert archived.status_code == 200
    assert archived.json()["archived_at"] is not None
    listed = {row["name"]: row for row in client.get("/api/v1/locations", headers=bearer).json()}
    assert listed["Counter"]["archived_at"] is not None
    assert listed["Terrace"]["archived_at"] is None
    assert client.get(f"/c/{world.counter_code.token}").status_code == 410
    restored = client.post(f"/api/v1/locations/{world.counter.id}/restore", headers=bearer)
    assert restored.json()["archived_at"] is None
    assert client.get(f"/c/{world.counter_code.token}").status_code == 410


def test_nothing_new_is_set_up_at_an_archived_place(
    manager_client: TestClient, world: World, session: Session
) -> None:
    """A duty roster or a webhook sent by the API, or by a page opened before the place was
    archived, is refused with the reason, and nothing is stored."""
    client = manager_client
    key, _ = create_api_key(session=session, organisation=world.organisation, name="script")
    bearer = {"Authorization": f"Bearer {key}"}
    form_token = csrf_token(client, "/admin/alerts")
    confirm(client, f"/admin/locations/{world.counter.id}/archive")
    archived = "This location is archived: restore it first."

    duty = client.put(
        f"/api/v1/alerts/locations/{world.counter.id}/duty",
        headers=bearer,
        json={"user_ids": [world.owner.id]},
    )
    assert duty.status_code == 422
    assert duty.json()["detail"] == archived
    hook = {
        "name": "Counter's chat",
        "url": "https://hooks.example.com/tellus",
        "location_id": world.counter.id,
    }
    webhook = client.post("/api/v1/webhooks", headers=bearer, json=hook)
    assert webhook.status_code == 422
    assert webhook.json()["detail"] == archived
    by_page = client.post(
        f"/admin/alerts/locations/{world.counter.id}",
        data={"csrf_token": form_token, "user_ids": str(world.owner.id)},
    )
    assert by_page.status_code == 422
    assert archived in BeautifulSoup(by_page.text, "html.parser").select_one(".error-summary").text
    # The webhooks page shows the reason beside the place it names, not beside the address.
    hook_page = client.post(
        "/admin/alerts/webhooks",
        data={"csrf_token": form_token, **hook, "location_id": str(world.counter.id)},
    )
    assert hook_page.status_code == 422
    page = BeautifulSoup(hook_page.text, "html.parser")
    assert page.select_one("#hook-location-error").text == archived
    assert page.select_one("#hook-location")["aria-invalid"] == "true"
    assert page.select_one("#hook-url")["value"] == hook["url"]  # nothing typed is lost
    # The place stays chosen: the form sent again as shown is refused again, not widened.
    chosen = page.select_one("#hook-location option[selected]")
    assert (chosen["value"], chosen.text) == (
        str(world.counter.id),
        f"{world.counter.name} (archived)",
    )
    # Refused for its address alone, the form still holds the archived place, not every one.
    sent = {"csrf_token": form_token, **hook, "url": "not an address"}
    page = BeautifulSoup(client.post("/admin/alerts/webhooks", data=sent).text, "html.parser")
    chosen = page.select_one("#hook-location option[selected]")
    assert (chosen["value"], chosen.text) == (str(world.counter.id), "Counter (archived)")
    # An id that only looks like the archived place's is not named after it.
    for near in (f"{world.counter.id}.0", f"0{world.counter.id}"):
        sent = {"csrf_token": form_token, **hook, "location_id": near}
        page = BeautifulSoup(client.post("/admin/alerts/webhooks", data=sent).text, "html.parser")
        chosen = page.select_one("#hook-location option[selected]")
        assert (chosen["value"], chosen.text) == (near, "Unavailable place")
    reread(session)
    assert session.exec(select(LocationDuty)).all() == []
    assert session.exec(select(Webhook)).all() == []

    # Emptying an archived place's roster is allowed: nobody new goes on duty there.
    emptied = client.put(
        f"/api/v1/alerts/locations/{world.counter.id}/duty", headers=bearer, json={"user_ids": []}
    )
    assert emptied.json() == {"user_ids": []}
    at_terrace = client.put(
        f"/api/v1/alerts/locations/{world.terrace.id}/duty",
        headers=bearer,
        json={"user_ids": [world.owner.id]},
    )
    assert at_terrace.json() == {"user_ids": [world.owner.id]}


def test_a_manager_limited_to_an_archived_place_keeps_the_limit(
    manager_client: TestClient, world: World, session: Session
) -> None:
    """Their cards stay, so does who may read them: the People page still ticks the place, and
    saving the row again does not widen the limit to every location."""
    assert world.counter.id is not None
    make_manager(
        session, world=world, email="lee@example.com", location_ids=frozenset({world.counter.id})
    )
    confirm(manager_client, f"/admin/locations/{world.counter.id}/archive")
    people = page(manager_client, "/admin/people")
    row = next(
        item for item in people.select("li, tr, details") if "lee@example.com" in item.get_text()
    )
    ticked = row.select_one(f"input[name=location_ids][value='{world.counter.id}']")
    assert ticked is not None
    assert ticked.has_attr("checked")
