"""Revoking or replacing a code asks first: the code's page links to a page (a GET, which changes
nothing) that says what stops working and where it is printed, with Confirm (a POST) and Cancel."""

from bs4 import BeautifulSoup
from sqlmodel import Session

from api.customer.codes import NO_CACHE
from api.models import Code
from api.setup.codes import create_code
from api.setup.schemas import CodeIn
from tests.browser.walk_data import tenant_of
from tests.client import TestClient
from tests.factories import World, reread


def page(client: TestClient, path: str) -> BeautifulSoup:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return BeautifulSoup(response.text, "html.parser")


def test_the_code_page_links_to_the_confirmations_and_posts_nothing(
    manager_client: TestClient, world: World
) -> None:
    code_page = page(manager_client, f"/admin/codes/{world.maya_code.id}")
    links = [link["href"] for link in code_page.select(".actions a")]
    base = f"/admin/codes/{world.maya_code.id}"
    assert links == [f"{base}/replace", f"{base}/revoke"]
    assert code_page.select("form[action$='/revoke'], form[action$='/replace']") == []


def test_revoking_asks_first_and_says_what_stops_working(
    manager_client: TestClient, world: World, session: Session
) -> None:
    client = manager_client
    path = f"/admin/codes/{world.maya_code.id}/revoke"
    shown = page(client, path)
    text = shown.get_text(" ", strip=True)
    assert f"Revoke code {world.maya_code.token}?" in text
    assert "The QR code printed on Maya's badge stops working at once" in text
    assert f"testserver/c/{world.maya_code.token}" in text
    assert "see that the code is no longer in use" in text
    assert shown.select_one(".cancel-link")["href"] == f"/admin/codes/{world.maya_code.id}"
    assert client.get(f"/c/{world.maya_code.token}").status_code == 200, "asking changes nothing"

    form = shown.select_one(f"form[action='{path}']")
    assert form["method"] == "post"
    without_token = client.post(path, data={})
    assert without_token.status_code == 403
    token = form.select_one("input[name=csrf_token]")["value"]
    done = client.post(path, data={"csrf_token": token})
    own_page = f"/admin/codes/{world.maya_code.id}"
    assert (done.status_code, done.headers["location"]) == (303, own_page)
    assert client.get(f"/c/{world.maya_code.token}").status_code == 410
    # Already revoked: nothing left to confirm; its own page.
    again = client.get(path, follow_redirects=False)
    assert (again.status_code, again.headers["location"]) == (303, own_page)


def test_revoking_a_places_last_code_warns_and_a_second_code_takes_its_customers(
    manager_client: TestClient, world: World, session: Session
) -> None:
    path = f"/admin/codes/{world.counter_code.id}/revoke"
    shown = page(manager_client, path)
    assert [item.get_text() for item in shown.select(".warning")] == [
        "Counter will have no working code."
    ]
    assert "table tent, counter card or poster" in shown.get_text()
    second = create_code(
        session=session,
        tenant=tenant_of(world),
        code_cache=NO_CACHE,
        data=CodeIn(location_id=world.counter.id),
    )
    text = page(manager_client, path).get_text(" ", strip=True)
    assert "will have no working code" not in text
    assert f"sent on to this place's other code, {second.token}" in text


def test_replacing_asks_first_then_issues_a_new_code(
    manager_client: TestClient, world: World, session: Session
) -> None:
    client = manager_client
    path = f"/admin/codes/{world.maya_code.id}/replace"
    shown = page(client, path)
    text = shown.get_text(" ", strip=True)
    assert f"Replace code {world.maya_code.token}?" in text
    assert "A new code is issued for the same badge or place" in text
    assert client.get(f"/c/{world.maya_code.token}").status_code == 200
    token = shown.select_one(f"form[action='{path}'] input[name=csrf_token]")["value"]
    done = client.post(path, data={"csrf_token": token})
    assert done.status_code == 303
    assert done.headers["location"] != f"/admin/codes/{world.maya_code.id}"
    reread(session)
    assert session.get(Code, world.maya_code.id).revoked_at is not None


def test_another_organisations_code_has_no_confirmation(
    manager_client: TestClient, world: World, other_world: World
) -> None:
    for step in ("revoke", "replace"):
        path = f"/admin/codes/{other_world.maya_code.id}/{step}"
        assert manager_client.get(path).status_code == 404
