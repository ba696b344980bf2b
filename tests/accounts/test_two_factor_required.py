"""An owner requires two-factor sign-in: no manager reaches anything before setting it up."""

from fastapi import FastAPI
from sqlmodel import Session

from api.models import Organisation
from tests.accounts.test_two_factor import SECURITY, code_step, password_step, soup, turn_on
from tests.client import TestClient
from tests.factories import PASSWORD, World, make_manager, reread
from tests.helpers import csrf_token

MANAGER = "manager@harbour.example"


def require(client: TestClient, on: bool = True) -> int:
    """Tick (or untick) the box on the organisation page, as the owner."""
    token = csrf_token(client, "/admin/organisation")
    data = {"csrf_token": token} | ({"required": "on"} if on else {})
    return client.post("/admin/organisation/two-factor", data=data).status_code


def test_an_owner_without_two_factor_cannot_require_it(
    manager_client: TestClient, session: Session, world: World
) -> None:
    response = manager_client.post(
        "/admin/organisation/two-factor",
        data={"csrf_token": csrf_token(manager_client, "/admin/organisation"), "required": "on"},
    )
    assert response.status_code == 422
    assert "Turn on two-factor sign-in for your own account first." in response.text
    reread(session)
    organisation = session.get(Organisation, world.organisation.id, populate_existing=True)
    assert organisation is not None
    assert organisation.require_two_factor is False


def test_a_manager_without_it_is_taken_to_set_it_up_first(
    manager_client: TestClient, app: FastAPI, session: Session, world: World
) -> None:
    turn_on(manager_client)
    assert require(manager_client) == 303
    make_manager(session, world=world, email=MANAGER)
    with TestClient(app, follow_redirects=False) as manager:
        assert password_step(manager, MANAGER, PASSWORD).headers["location"] == "/inbox"
        for path in ("/inbox", "/inbox/stream", f"/inbox/{world.counter_code.id}", "/admin/codes"):
            response = manager.get(path)
            assert response.status_code == 303, path
            assert response.headers["location"] == SECURITY, path
        token = csrf_token(manager, SECURITY)
        refused = manager.post(f"/inbox/{world.counter_code.id}/seen", data={"csrf_token": token})
        assert refused.headers["location"] == SECURITY
        page = soup(manager.get(SECURITY))
        assert "requires two-factor sign-in" in page.get_text()
        totp, _ = turn_on(manager)
        assert manager.get("/inbox").status_code == 200
        # While it is required, it stays on.
        off = manager.post(f"{SECURITY}/disable", data={"csrf_token": token, "code": totp.now()})
        assert off.status_code == 409
        assert manager.get("/inbox").status_code == 200


def test_the_requirement_holds_at_the_next_sign_in_too(
    manager_client: TestClient, app: FastAPI, session: Session, world: World
) -> None:
    turn_on(manager_client)
    assert require(manager_client) == 303
    make_manager(session, world=world, email=MANAGER)
    with TestClient(app, follow_redirects=False) as manager:
        password_step(manager, MANAGER, PASSWORD)
        _, codes = turn_on(manager)
        manager.cookies.clear()
        assert password_step(manager, MANAGER, PASSWORD).headers["location"] == "/login/two-factor"
        assert code_step(manager, codes[0]).status_code == 303
        assert manager.get("/inbox").status_code == 200
    # Lifting the requirement lets managers turn it off again.
    assert require(manager_client, on=False) == 303
    with TestClient(app, follow_redirects=False) as manager:
        password_step(manager, MANAGER, PASSWORD)
        code_step(manager, codes[1])
        totp_off = manager.post(
            f"{SECURITY}/disable",
            data={"csrf_token": csrf_token(manager, SECURITY), "code": codes[2]},
        )
        assert totp_off.status_code == 303


def test_only_an_owner_sets_the_requirement(app: FastAPI, session: Session, world: World) -> None:
    make_manager(session, world=world, email=MANAGER)
    with TestClient(app, follow_redirects=False) as manager:
        password_step(manager, MANAGER, PASSWORD)
        turn_on(manager)
        token = csrf_token(manager, SECURITY)
        refused = manager.post(
            "/admin/organisation/two-factor", data={"csrf_token": token, "required": "on"}
        )
        assert refused.status_code == 403
    reread(session)
    organisation = session.get(Organisation, world.organisation.id, populate_existing=True)
    assert organisation is not None
    assert organisation.require_two_factor is False
