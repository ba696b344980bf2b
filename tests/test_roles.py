"""The role walk: every route, tried by each kind of caller, gives exactly what that role may get.

Beside the tenancy walk (tests/test_tenancy.py), which tries another organisation's owner,
this one tries the caller's own organisation from six roles: nobody, a staff member, a manager
limited to one location, a manager, an owner, and an API key. The staff member (Maya) signs
in by a one-time link; no answer to them may hold a complaint, a customer's contact details or
another employee's compliment. A route missing from ACCESS fails
`test_every_route_has_a_rule`.

It runs on SQLite only: who may call a route is settled above the database, and the queries
behind each answer are walked on both engines by the tenancy walk.
"""

from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import pytest
from fastapi import FastAPI
from httpx2 import Response
from sqlmodel import Session

from api.accounts.service import add_membership, create_user
from api.accounts.staff_links import new_staff_link
from api.customer.follow_up.service import follow_up_hash
from api.models import Role
from api.recognition.service import pass_on_compliment
from api.setup.api_keys.service import create_api_key
from api.tenancy import Tenant
from tests.client import TestClient
from tests.databases import Starts
from tests.factories import PASSWORD, World, make_card, make_manager, make_world
from tests.helpers import csrf_token, log_in
from tests.test_tenancy import (
    FOLLOW_UP_TOKEN,
    PRIVATE_COMMENT,
    PRIVATE_EMAIL,
    ROUTES,
    app_routes,
    id_of,
    route_ids,
    send,
)

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


class Access(StrEnum):
    OPEN = "open: every caller gets the same answer (public pages, links that are credentials)"
    SIGNED_IN = "signed in: any manager or owner of the organisation; others go to /login"
    OWN_ACCOUNT = "one's own account: any session, staff too; others go to /login"
    STAFF = "staff: a staff session only; others go to /staff/sign-in"
    OWNER = "owner: an owner's session; a manager is refused (403), others go to /login"
    API_KEY = "API key: a bearer key only; any other caller is 401"


ROLES = ("anonymous", "staff", "limited manager", "manager", "owner", "api key")
SESSIONS = ("limited manager", "manager", "owner")


def rule_for(method: str, path: str) -> Access:
    """Where a route sits decides who may use it: the table below states every exception."""
    if (method, path) in EXCEPTIONS:
        return EXCEPTIONS[(method, path)]
    if path.startswith("/admin"):
        return Access.OWNER
    if path.startswith(("/account", "/logout", "/organisation")):
        return Access.OWN_ACCOUNT
    if path.startswith("/staff") and not path.startswith(("/staff/sign-in", "/staff/link/")):
        return Access.STAFF
    if path.startswith(("/inbox", "/analytics")):
        return Access.SIGNED_IN
    if path.startswith("/api/v1/"):
        return Access.API_KEY
    return Access.OPEN


EXCEPTIONS: dict[tuple[str, str], Access] = {
    # The inbox's service worker: a static script, the same for everyone.
    ("GET", "/inbox/sw.js"): Access.OPEN,
    # An email-change link is its own credential: it works in any browser, signed in or not.
    ("GET", "/account/email/confirm/{token}"): Access.OPEN,
    ("POST", "/account/email/confirm/{token}"): Access.OPEN,
    ("GET", "/account/email/changed"): Access.OPEN,
    # Public API: addressed by a printed code's token, or by the customer's follow-up token.
    ("GET", "/api/v1/codes/{token}"): Access.OPEN,
    ("POST", "/api/v1/codes/{token}/cards"): Access.OPEN,
    ("GET", "/api/v1/follow-up/{token}"): Access.OPEN,
}

# The routes the tenancy walk leaves out that hold a role question of their own. (FastAPI's
# documentation, the static files and the public logo answer everyone alike.)
LINK_ROUTES = {
    ("GET", "/unsubscribe/{token}"),
    ("POST", "/unsubscribe/{token}"),
    ("GET", "/password-reset/{token}"),
    ("POST", "/password-reset/{token}"),
    ("GET", "/account/email/confirm/{token}"),
    ("POST", "/account/email/confirm/{token}"),
    ("GET", "/staff/link/{token}"),
    ("POST", "/staff/link/{token}"),
    ("GET", "/k/{token}"),
    ("POST", "/k/{token}"),
    ("GET", "/k/{token}/manifest.webmanifest"),
}
ACCESS: dict[tuple[str, str], Access] = {
    route: rule_for(*route) for route in ROUTES.keys() | LINK_ROUTES
}


def test_every_route_has_a_rule(app: FastAPI) -> None:
    assert app_routes(app) | LINK_ROUTES == ACCESS.keys()


@dataclass(frozen=True)
class RoleWalkStart:
    """What each test of the walk starts from: the organisation, the rows its routes name, and
    each role signed in (its cookies) or holding its key."""

    world: World
    ids: dict[str, Any]
    api_key: str
    cookies: dict[str, dict[str, str]]


@pytest.fixture(scope="module")
def role_walk_starts(tmp_path_factory: pytest.TempPathFactory) -> Starts[RoleWalkStart]:
    return Starts(tmp_path_factory.mktemp("roles"))


@pytest.fixture
def database_url(
    request: pytest.FixtureRequest, database_url: str, role_walk_starts: Starts[RoleWalkStart]
) -> str:
    if "role_walk" in request.fixturenames:
        role_walk_starts.put_back(request, database_url)
    return database_url


@pytest.fixture
def role_walk(
    app: FastAPI, session: Session, role_walk_starts: Starts[RoleWalkStart]
) -> RoleWalkStart:
    engine = app.state.runtime.engine
    return role_walk_starts.get(engine, lambda: make_role_walk_start(app, session))


@pytest.fixture
def callers(app: FastAPI, role_walk: RoleWalkStart) -> Iterator[dict[str, TestClient]]:
    """A browser (or script) for each role, in the session it signed in with."""
    clients = {
        role: TestClient(app, follow_redirects=False, cookies=role_walk.cookies.get(role))
        for role in ROLES
    }
    try:
        yield clients
    finally:
        for client in clients.values():
            client.close()


def make_role_walk_start(app: FastAPI, session: Session) -> RoleWalkStart:
    """Each role signed in through the form where a role can be, and the rows the routes name:
    a complaint that names Maya, with the customer's address (never on a staff answer), and a
    compliment passed on to Sam."""
    world = make_world(session, name="Harbour Café")
    assert world.counter.id is not None
    make_manager(session, world=world, email="kim@example.com")
    make_manager(
        session, world=world, email="lee@example.com", location_ids=frozenset({world.counter.id})
    )
    staff = create_user(session=session, email="maya@example.com", password=PASSWORD)
    membership = add_membership(
        session=session,
        user=staff,
        organisation=world.organisation,
        role=Role.staff,
        employee_id=world.maya.id,
    )
    link = new_staff_link(session=session, membership=membership)
    session.commit()
    cookies: dict[str, dict[str, str]] = {}
    for role, email in (
        ("manager", "kim@example.com"),
        ("limited manager", "lee@example.com"),
        ("owner", world.owner_email),
    ):
        with closing(TestClient(app, follow_redirects=False)) as client:
            log_in(client, email, PASSWORD)
            cookies[role] = dict(client.cookies)
    # Staff sign in by their one-time link, as from the email or a manager's QR code.
    with closing(TestClient(app, follow_redirects=False)) as client:
        assert client.post(f"/staff/link/{link}").headers["location"] == "/staff"
        cookies["staff"] = dict(client.cookies)

    card = make_card(
        session,
        code=world.counter_code,
        rating=2,
        comment=PRIVATE_COMMENT,
        contact_email=PRIVATE_EMAIL,
        employee_id=world.maya.id,
        follow_up_hash=follow_up_hash(FOLLOW_UP_TOKEN),
    )
    sams = make_card(
        session, code=world.terrace_code, rating=5, comment=SAMS_PRAISE, employee_id=world.sam.id
    )
    owner = Tenant(organisation_id=sams.organisation_id, role=Role.owner, user_id=world.owner.id)
    pass_on_compliment(session=session, tenant=owner, card_id=id_of(sams), note="Thanks, Sam")
    _, key_row = create_api_key(session=session, organisation=world.organisation, name="Till")
    # A one-time link works once: every role is tried with one that does not exist.
    ids = route_ids(
        session,
        world,
        card,
        key_id=key_row.id,
        template_id=MISSING_TEMPLATE,
        invitation_token="not-an-invitation",
    )
    api_key, _ = create_api_key(session=session, organisation=world.organisation, name="Script")
    return RoleWalkStart(
        world=world,
        ids=ids,
        api_key=api_key,
        cookies=cookies,
    )


def goes_to_login(response: Response, login: str = "/login") -> bool:
    """Sent to sign in first (signing out also ends at /login, but never with `next`)."""
    location = response.headers.get("location", "")
    return response.status_code == 303 and location.startswith(f"{login}?next=")


def allowed(response: Response) -> bool:
    return response.status_code not in (401, 403) and not goes_to_login(response)


def expected(access: Access, role: str, response: Response) -> bool:
    if access is Access.OWN_ACCOUNT:
        return allowed(response) if role in (*SESSIONS, "staff") else goes_to_login(response)
    if access is Access.STAFF:
        return allowed(response) if role == "staff" else goes_to_login(response, "/staff/sign-in")
    if access is Access.SIGNED_IN:
        return allowed(response) if role in SESSIONS else goes_to_login(response)
    if access is Access.OWNER:
        if role == "owner":
            return allowed(response)
        return response.status_code == 403 if role in SESSIONS else goes_to_login(response)
    if access is Access.API_KEY:
        return allowed(response) if role == "api key" else response.status_code == 401
    return True  # OPEN: compared across roles below


@pytest.mark.parametrize(("method", "path"), sorted(ACCESS))
def test_each_role_gets_what_it_may(
    method: str, path: str, role_walk: RoleWalkStart, callers: dict[str, TestClient]
) -> None:
    world, ids, key = role_walk.world, role_walk.ids, role_walk.api_key
    access = ACCESS[(method, path)]
    answers: dict[str, Response] = {}
    for role, client in callers.items():
        csrf = csrf_token(client) if role in SESSIONS else ""
        if role == "staff":
            csrf = csrf_token(client, "/staff")
        answers[role] = send(
            client,
            method,
            path,
            token=world.counter_code.token,
            ids=ids,
            csrf=csrf,
            api_key=key if role == "api key" else "",
        )
    wrong = {
        role: (answer.status_code, answer.headers.get("location"))
        for role, answer in answers.items()
        if not expected(access, role, answer)
    }
    assert not wrong, f"{access.value}: {wrong}"
    for answer in answers.values():
        assert answer.status_code < 500
    for private in (PRIVATE_COMMENT, PRIVATE_EMAIL, SAMS_PRAISE):
        assert private not in answers["staff"].text, "a staff member sees only their own"
    if access is Access.OPEN:
        assert len({answer.status_code for answer in answers.values()}) == 1, {
            role: answer.status_code for role, answer in answers.items()
        }


MISSING_TEMPLATE = 999999
SAMS_PRAISE = "Sam carried our tray to the car, in the rain"
