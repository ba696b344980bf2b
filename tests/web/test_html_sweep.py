"""Odd input on any HTML route never answers 5xx: hypothesis fills the path's parameters, the
query string, the form's fields and the Last-Event-ID header, and each route is tried as nobody,
as a manager and as the owner (with a valid CSRF token, so a form reaches its handler)."""

import re
from collections.abc import Iterator
from urllib.parse import quote, urlencode

import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from tests.client import TestClient
from tests.factories import PASSWORD, World, make_card, make_manager
from tests.helpers import csrf_token, log_in
from tests.test_tenancy import ROUTES, read_stream

HTML_ROUTES = sorted(route for route in ROUTES if not route[1].startswith("/api/"))
STREAMS = {"/inbox/stream", "/f/{token}/stream"}
# Printable ASCII: what the test client's headers carry.
HEADER_TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=30)
ODD_TEXT = st.one_of(
    st.text(max_size=40),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(
        [
            "",
            "0",
            "²",
            "١٢٣",
            "１２３４５６",
            "²²²²²²",
            "¹.x",
            "1" * 4400,
            "\x00",
            "%00",
            "../..",
            "1e3",
        ]
    ),
)
FIELDS = (
    "name", "kind", "display_name", "role_title", "email", "label", "comment", "rating",
    "body", "title", "tag", "code", "password", "new_email", "location_id", "employee_id",
    "location_ids", "action", "card", "assignee", "status", "language", "question", "url",
    "organisation_id", "next", "form_token", "idempotency_key", "q", "from", "to",
)  # fmt: skip
QUERY_KEYS = ("q", "status", "rating", "location", "employee", "tag", "assignee", "from", "to",
              "before", "after", "next", "lang", "size")  # fmt: skip


@pytest.fixture
def callers(
    app: FastAPI, client: TestClient, session: Session, world: World
) -> Iterator[dict[str, tuple[TestClient, str]]]:
    """Nobody, a manager and the owner, each with the CSRF token their forms carry."""
    make_manager(session, world=world, email="manager@harbour.example")
    manager = TestClient(app, follow_redirects=False)
    owner = TestClient(app, follow_redirects=False)
    try:
        log_in(manager, "manager@harbour.example", PASSWORD)
        log_in(owner, world.owner_email, world.password)
        yield {
            "nobody": (client, ""),
            "manager": (manager, csrf_token(manager)),
            "owner": (owner, csrf_token(owner)),
        }
    finally:
        manager.close()
        owner.close()


def fill(path: str, values: dict[str, str]) -> str:
    """The path with each `{name}` replaced by its value, escaped as one path segment."""
    return re.sub(r"\{(\w+)\}", lambda match: quote(values[match.group(1)], safe=""), path)


def test_no_html_route_answers_5xx(
    session: Session, world: World, callers: dict[str, tuple[TestClient, str]]
) -> None:
    """One app and one set of callers for every route: a few examples each (the routes' own tests
    and the walks cover what each should answer; this one looks only for a crash)."""
    card = make_card(session, code=world.counter_code)
    real = {"card_id": str(card.id), "token": world.counter_code.token}
    crashes: list[str] = []
    for method, path in HTML_ROUTES:
        try:
            sweep_route(method, path, real, callers)
        except AssertionError as error:
            crashes.append(f"{method} {path}: {error}")
    assert not crashes, "\n".join(crashes)


def sweep_route(
    method: str, path: str, real: dict[str, str], callers: dict[str, tuple[TestClient, str]]
) -> None:
    names = re.findall(r"\{(\w+)\}", path)
    # Signing out would leave the rest of the sweep with nobody signed in.
    roles = ("nobody",) if path == "/logout" else ("nobody", "manager", "owner")

    @settings(
        max_examples=5,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        params=st.fixed_dictionaries(
            {name: st.one_of(st.just(real.get(name, "1")), ODD_TEXT) for name in names}
        ),
        query=st.dictionaries(st.sampled_from(QUERY_KEYS), ODD_TEXT, max_size=3),
        form=st.dictionaries(st.sampled_from(FIELDS), ODD_TEXT, max_size=4),
        last_event_id=HEADER_TEXT,
        role=st.sampled_from(roles),
    )
    def sweep(
        params: dict[str, str],
        query: dict[str, str],
        form: dict[str, str],
        last_event_id: str,
        role: str,
    ) -> None:
        client, csrf = callers[role]
        url = fill(path, params)
        if path in STREAMS:
            answer = read_stream(client, url + "?" + urlencode(query))
        elif method == "GET":
            answer = client.get(url, params=query, headers={"Last-Event-ID": last_event_id})
        else:
            answer = client.request(method, url, params=query, data={**form, "csrf_token": csrf})
        assert answer.status_code < 500, (role, url, query, form, answer.status_code)

    sweep()
