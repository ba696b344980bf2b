"""One sign-in gate: every way into a session asks for the second factor the account has."""

import ast
import inspect
import re
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from httpx2 import Response
from sqlmodel import Session, select

from api.accounts.service import add_membership
from api.models import Organisation, Role, User, UserSession
from tests.accounts.test_two_factor import STEP, code_step, later_code, password_step, turn_on
from tests.client import TestClient
from tests.factories import PASSWORD, World, make_manager, reread
from tests.helpers import csrf_token, second_browser
from tests.people.test_people import invite, path_of, shown_link
from tests.smtp import SmtpServer

API = Path(__file__).resolve().parents[2] / "api"
GATE = API / "accounts" / "gate.py"
SESSION_COOKIE = "tellus_session"


def require_two_factor(session: Session, organisation: Organisation) -> None:
    reread(session)
    row = session.get(Organisation, organisation.id)
    assert row is not None
    row.require_two_factor = True
    session.add(row)
    session.commit()


def sessions_of(session: Session, user_id: int | None) -> list[UserSession]:
    reread(session)
    return list(session.exec(select(UserSession).where(UserSession.user_id == user_id)))


def assert_second_step_asked(response: Response) -> None:
    """A redirect to the code's page, a pending cookie, and no session."""
    assert response.status_code == 303, response.text
    assert response.headers["location"] == STEP
    cookies = response.headers.get_list("set-cookie")
    assert not [cookie for cookie in cookies if cookie.startswith(f"{SESSION_COOKIE}=")]
    assert [cookie for cookie in cookies if cookie.startswith("tellus_pending=")]


# --- the reproduced bypass ------------------------------------------------------------------------


def test_joining_with_an_existing_accounts_password_still_asks_for_its_code(
    app: FastAPI,
    manager_client: TestClient,
    session: Session,
    world: World,
    other_world: World,
) -> None:
    """A's owner invites B's owner, whose account has two-factor on and whose organisation
    requires it; the invitation link and B's password alone must open nothing."""
    with second_browser(app) as victim:
        password_step(victim, other_world.owner_email, PASSWORD)
        totp, _ = turn_on(victim)
    require_two_factor(session, other_world.organisation)
    link = path_of(shown_link(invite(manager_client, other_world.owner_email, "owner").text))

    with second_browser(app) as attacker:
        joined = attacker.post(link, data={"password": PASSWORD, "password_again": PASSWORD})
        assert_second_step_asked(joined)
        assert attacker.get("/inbox").status_code == 303  # to /login: no session
        assert attacker.get("/admin/api-keys").status_code == 303
        # Only the code finishes it, on the organisation just joined.
        signed_in = code_step(attacker, later_code(totp))
        assert signed_in.status_code == 303
        assert "Harbour Café" in attacker.get("/inbox").text
    opened = {
        (row.organisation_id, row.second_factor)
        for row in sessions_of(session, other_world.owner.id)
    }
    assert (world.organisation.id, True) in opened


def test_a_session_that_skipped_the_second_factor_is_refused(
    app: FastAPI, client: TestClient, session: Session, world: World
) -> None:
    """However a session was made, it opens nothing for an account with two-factor on."""
    password_step(client, world.owner_email, PASSWORD)
    turn_on(client)
    assert client.get("/inbox").status_code == 200
    reread(session)
    row = session.exec(select(UserSession).where(UserSession.user_id == world.owner.id)).one()
    row.second_factor = False
    session.add(row)
    session.commit()
    assert client.get("/inbox").status_code == 303


def test_the_switcher_applies_the_target_organisations_rule(
    app: FastAPI, manager_client: TestClient, session: Session, world: World, other_world: World
) -> None:
    """Someone without two-factor who manages B, which requires it, cannot read B's inbox by
    switching to it from A."""
    add_membership(
        session=session, user=world.owner, organisation=other_world.organisation, role=Role.owner
    )
    session.commit()
    require_two_factor(session, other_world.organisation)
    token = csrf_token(manager_client)
    switched = manager_client.post(
        "/organisation",
        data={"csrf_token": token, "organisation_id": str(other_world.organisation.id)},
    )
    assert switched.status_code == 303
    inbox = manager_client.get("/inbox")
    assert inbox.status_code == 303
    assert inbox.headers["location"] == "/account/security"
    assert manager_client.get("/admin/api-keys").headers["location"] == "/account/security"


def test_turning_two_factor_on_keeps_this_session_and_ends_the_others(
    app: FastAPI, manager_client: TestClient, session: Session, world: World
) -> None:
    with second_browser(app) as phone:
        password_step(phone, world.owner_email, PASSWORD)
        assert phone.get("/inbox").status_code == 200
        turn_on(manager_client)
        assert manager_client.get("/inbox").status_code == 200
        assert phone.get("/inbox").status_code == 303
    assert [row.second_factor for row in sessions_of(session, world.owner.id)] == [True]


# --- the invitation form does not tell who has an account -----------------------------------------


def form_shape(client: TestClient, link: str) -> list[tuple[str, str, str]]:
    page = BeautifulSoup(client.get(link).text, "html.parser")
    form = page.select_one("form")
    assert form is not None
    fields = form.select("input, button, label")
    return [(tag.name, str(tag.get("name", "")), tag.get_text(strip=True)) for tag in fields]


def test_the_invitation_form_looks_the_same_with_or_without_an_account(
    app: FastAPI, manager_client: TestClient, world: World, other_world: World
) -> None:
    for_existing = path_of(shown_link(invite(manager_client, other_world.owner_email).text))
    for_new = path_of(shown_link(invite(manager_client, "newcomer@example.com").text))
    with second_browser(app) as browser:
        existing, new = form_shape(browser, for_existing), form_shape(browser, for_new)
    email_free = [field for field in existing if "example" not in field[2]]
    assert email_free == [field for field in new if "example" not in field[2]]
    assert ("input", "password_again", "") in new


# --- every route that can start a session goes through the gate -----------------------------------


def calls_in(function: Callable[..., object]) -> set[str]:
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            names.add(func.id if isinstance(func, ast.Name) else getattr(func, "attr", ""))
    return names


def test_only_the_gate_starts_sessions_or_sets_their_cookie() -> None:
    for path in API.rglob("*.py"):
        if path == GATE or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                assert name not in {"start_session", "_open_session"}, path
                if name == "set_cookie":
                    assert "session_cookie_name" not in ast.unparse(node), path


def entry_via_login(app: FastAPI, client: TestClient, world: World, email: str) -> Response:
    return password_step(client, email, PASSWORD)


def entry_via_invitation(app: FastAPI, client: TestClient, world: World, email: str) -> Response:
    with second_browser(app) as owner:
        password_step(owner, world.owner_email, PASSWORD)
        link = path_of(shown_link(invite(owner, email).text))
    return client.post(link, data={"password": PASSWORD, "password_again": PASSWORD})


def entry_via_password_reset(
    app: FastAPI, client: TestClient, world: World, email: str
) -> Response:
    """The link from a real email, through the installation's mail server."""
    mail = SmtpServer().start()
    settings = app.state.runtime.settings
    settings.smtp_url = mail.url
    try:
        asked = client.post("/forgot-password", data={"email": email})
        assert asked.status_code == 303
        [message] = mail.inbox.wait_for(1)
    finally:
        settings.smtp_url = None
        mail.stop()
    found = re.search(r"http://testserver(/password-reset/\S+)", message.get_content())
    assert found is not None
    new_password = "a brand new passphrase"
    return client.post(
        found.group(1), data={"password": new_password, "password_again": new_password}
    )


def entry_via_staff_link(app: FastAPI, client: TestClient, world: World, email: str) -> Response:
    """The account is staff of the world (Sam); the link comes from a real email."""
    engine = app.state.runtime.engine
    with Session(engine) as session:
        user = session.exec(select(User).where(User.email == email)).one()
        organisation = session.get_one(Organisation, world.organisation.id)
        add_membership(
            session=session,
            user=user,
            organisation=organisation,
            role=Role.staff,
            employee_id=world.sam.id,
        )
        session.commit()
    mail = SmtpServer().start()
    settings = app.state.runtime.settings
    settings.smtp_url = mail.url
    try:
        assert client.post("/staff/sign-in", data={"email": email}).status_code == 303
        [message] = mail.inbox.wait_for(1)
    finally:
        settings.smtp_url = None
        mail.stop()
    found = re.search(r"http://testserver(/staff/link/\S+)", message.get_content())
    assert found is not None
    return client.post(found.group(1))


# Every route that lets someone in, with how a person takes it. A new way in (a password-reset
# link, a staff sign-in link, single sign-on) must be added here with its scenario.
ENTRY_ROUTES: dict[tuple[str, str], Callable[[FastAPI, TestClient, World, str], Response]] = {
    ("POST", "/login"): entry_via_login,
    ("POST", "/invitations/{token}"): entry_via_invitation,
    ("POST", "/password-reset/{token}"): entry_via_password_reset,
    ("POST", "/staff/link/{token}"): entry_via_staff_link,
}
SECOND_STEP = ("POST", "/login/two-factor")


def routes_through_the_gate(app: FastAPI) -> set[tuple[str, str]]:
    found = set()
    for route in iter_route_contexts(app.routes):
        endpoint = getattr(route, "endpoint", None)
        if inspect.isfunction(endpoint) and calls_in(endpoint) & {
            "pass_first_factor",
            "pass_second_factor",
        }:
            found |= {(method, route.path) for method in route.methods}
    return found


def test_every_way_in_is_listed_with_a_scenario(app: FastAPI) -> None:
    assert routes_through_the_gate(app) == set(ENTRY_ROUTES) | {SECOND_STEP}


@pytest.mark.parametrize("route", sorted(ENTRY_ROUTES))
def test_no_way_in_skips_the_second_factor(
    route: tuple[str, str],
    app: FastAPI,
    client: TestClient,
    session: Session,
    world: World,
    other_world: World,
) -> None:
    with second_browser(app) as owner_of_b:
        password_step(owner_of_b, other_world.owner_email, PASSWORD)
        totp, _ = turn_on(owner_of_b)
    with second_browser(app) as browser:
        answer = ENTRY_ROUTES[route](app, browser, world, other_world.owner_email)
        assert_second_step_asked(answer)
        assert browser.get("/inbox").status_code == 303
        assert browser.get("/staff").status_code == 303
        done = code_step(browser, later_code(totp))
        assert done.status_code == 303
        # Where the way in leads: the inbox, or the staff page for a staff link.
        assert browser.get(done.headers["location"]).status_code == 200


def test_a_manager_without_two_factor_goes_straight_in(
    app: FastAPI, client: TestClient, session: Session, world: World
) -> None:
    make_manager(session, world=world, email="kim@example.com")
    answer = password_step(client, "kim@example.com", PASSWORD)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/inbox"
    assert client.get("/inbox").status_code == 200
