"""A person who manages several organisations switches between them without mixing data."""

from bs4 import BeautifulSoup
from sqlmodel import Session

from api.accounts.service import add_membership, create_user
from api.models import Role
from tests.client import TestClient
from tests.factories import PASSWORD, World, make_card, make_world
from tests.helpers import csrf_token, log_in, sign_in


def comments(client: TestClient) -> list[str]:
    page = BeautifulSoup(client.get("/inbox").text, "html.parser")
    return [row.get_text(strip=True) for row in page.select(".card-row .row-comment")]


def test_switching_shows_only_the_chosen_organisations_cards(
    client: TestClient, world: World, other_world: World, session: Session
) -> None:
    make_card(session, code=world.counter_code, comment="Harbour card")
    make_card(session, code=other_world.counter_code, comment="Bakery card")
    add_membership(
        session=session, user=world.owner, organisation=other_world.organisation, role=Role.manager
    )
    session.commit()
    log_in(client, world.owner_email, world.password)
    assert comments(client) == ["Harbour card"]
    options = BeautifulSoup(client.get("/inbox").text, "html.parser").select(
        "#switch-organisation option"
    )
    assert [option.get_text() for option in options] == ["Harbour Café", "Rival Bakery"]

    token = csrf_token(client)
    switched = client.post(
        "/organisation",
        data={"csrf_token": token, "organisation_id": other_world.organisation.id},
    )
    assert (switched.status_code, switched.headers["location"]) == (303, "/inbox")
    assert comments(client) == ["Bakery card"]
    # A manager, not an owner, there: no set-up pages.
    assert client.get("/admin/codes").status_code == 403


def test_cannot_switch_into_an_organisation_one_does_not_manage(
    manager_client: TestClient, world: World, session: Session
) -> None:
    stranger = make_world(session, name="Somewhere Else")
    make_card(session, code=stranger.counter_code, comment="Not yours")
    token = csrf_token(manager_client)
    for target in (stranger.organisation.id, 999999, "abc"):
        response = manager_client.post(
            "/organisation", data={"csrf_token": token, "organisation_id": target}
        )
        assert response.status_code == 404
    assert "Not yours" not in comments(manager_client)
    assert (
        BeautifulSoup(manager_client.get("/inbox").text, "html.parser").select_one(
            "#switch-organisation"
        )
        is None
    )


def test_staff_only_account_is_told_it_has_no_inbox(
    client: TestClient, world: World, session: Session
) -> None:
    user = create_user(session=session, email="maya@example.com", password=PASSWORD)
    add_membership(session=session, user=user, organisation=world.organisation, role=Role.staff)
    session.commit()
    response = sign_in(client, "maya@example.com", PASSWORD)
    assert response.status_code == 400
    assert "no access to a manager" in response.text
    assert "set-cookie" not in response.headers
