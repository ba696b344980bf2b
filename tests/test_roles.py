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
from tests.factories import PASSWORD, World, make_card, make_manager
from tests.helpers import csrf_token, log_in
from tests.test_tenancy import (
    FOLLOW_UP_TOKEN,
    PRIVATE_COMMENT,
    PRIVATE_EMAIL,
    ROUTES,
    app_routes,
    id_of,
    make_alert_rows,
    send,
    world_certificate,
    world_kiosk,
    world_people,
    world_screen,
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


@pytest.fixture
def callers(app: FastAPI, session: Session, world: World) -> Iterator[dict[str, TestClient]]:
    """A browser (or script) for each role, signed in through the form where a role can be."""
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
    clients = {role: TestClient(app, follow_redirects=False) for role in ROLES}
    log_in(clients["manager"], "kim@example.com", PASSWORD)
    log_in(clients["limited manager"], "lee@example.com", PASSWORD)
    log_in(clients["owner"], world.owner_email, PASSWORD)
    # Staff sign in by their one-time link, as from the email or a manager's QR code.
    assert clients["staff"].post(f"/staff/link/{link}").headers["location"] == "/staff"
    try:
        yield clients
    finally:
        for client in clients.values():
            client.close()


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
    method: str, path: str, session: Session, world: World, callers: dict[str, TestClient]
) -> None:
    # A complaint that names Maya, with the customer's address: never on a staff answer.
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
    ids: dict[str, Any] = {
        **make_alert_rows(session, world),
        **world_people(session, world),
        "key_id": key_row.id,
        "kiosk_id": world_kiosk(session, world),
        "card_id": id_of(card),
        "location_id": world.counter.id,
        "employee_id": world.maya.id,
        "code_id": world.counter_code.id,
        "template_id": MISSING_TEMPLATE,
        "screen_id": world_screen(session, world),
        "certificate_id": world_certificate(session, world),
        "slug": world.organisation.slug,
        "language": "fr",
        # A one-time link works once: every role is tried with one that does not exist.
        "invitation_token": "not-an-invitation",
    }
    key, _ = create_api_key(session=session, organisation=world.organisation, name="Script")
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
