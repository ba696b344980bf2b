"""The role walk: every route, tried by each kind of caller, gives exactly what that role may get.

Beside the tenancy walk (tests/test_tenancy.py), which tries another organisation's owner,
this one tries the caller's own organisation from six roles: nobody, a staff member, a manager
limited to one location, a manager, an owner, and an API key. A route missing from ACCESS fails
`test_every_route_has_a_rule`.
"""

from collections.abc import Iterator
from enum import StrEnum
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlmodel import Session

from api.accounts.service import add_membership, create_user
from api.customer.follow_up.service import follow_up_hash
from api.models import Role
from api.setup.api_keys.service import create_api_key
from tests.factories import PASSWORD, World, make_card, make_manager
from tests.helpers import csrf_token, log_in
from tests.test_tenancy import (
    FOLLOW_UP_TOKEN,
    ROUTES,
    app_routes,
    id_of,
    make_alert_rows,
    send,
    world_people,
)


class Access(StrEnum):
    OPEN = "open: every caller gets the same answer (public pages, links that are credentials)"
    SIGNED_IN = "signed in: any manager or owner of the organisation; others go to /login"
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
    if path.startswith(("/inbox", "/analytics", "/account", "/organisation", "/logout")):
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
    staff = create_user(session=session, email="sam@example.com", password=PASSWORD)
    add_membership(session=session, user=staff, organisation=world.organisation, role=Role.staff)
    session.commit()
    clients = {role: TestClient(app, follow_redirects=False) for role in ROLES}
    log_in(clients["manager"], "kim@example.com", PASSWORD)
    log_in(clients["limited manager"], "lee@example.com", PASSWORD)
    log_in(clients["owner"], world.owner_email, PASSWORD)
    staff_page = clients["staff"].get("/login")
    assert staff_page.status_code == 200  # a staff member has no session to open
    try:
        yield clients
    finally:
        for client in clients.values():
            client.close()


def goes_to_login(response: Response) -> bool:
    """Sent to sign in first (signing out also ends at /login, but never with `next`)."""
    return response.status_code == 303 and response.headers["location"].startswith("/login?next=")


def allowed(response: Response) -> bool:
    return response.status_code not in (401, 403) and not goes_to_login(response)


def expected(access: Access, role: str, response: Response) -> bool:
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
    card = make_card(
        session, code=world.counter_code, follow_up_hash=follow_up_hash(FOLLOW_UP_TOKEN)
    )
    _, key_row = create_api_key(session=session, organisation=world.organisation, name="Till")
    ids: dict[str, Any] = {
        **make_alert_rows(session, world),
        **world_people(session, world),
        "key_id": key_row.id,
        "card_id": id_of(card),
        "location_id": world.counter.id,
        "employee_id": world.maya.id,
        "code_id": world.counter_code.id,
        "template_id": MISSING_TEMPLATE,
        "language": "fr",
        # A one-time link works once: every role is tried with one that does not exist.
        "invitation_token": "not-an-invitation",
    }
    key, _ = create_api_key(session=session, organisation=world.organisation, name="Script")
    access = ACCESS[(method, path)]
    answers: dict[str, Response] = {}
    for role, client in callers.items():
        csrf = csrf_token(client) if role in SESSIONS else ""
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
    if access is Access.OPEN:
        assert len({answer.status_code for answer in answers.values()}) == 1, {
            role: answer.status_code for role, answer in answers.items()
        }


MISSING_TEMPLATE = 999999
