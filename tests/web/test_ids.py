"""Row ids are 1 to 18 ASCII digits. Anything else is the 404 of an id that does not exist in a URL,
a 422 in a JSON body; any id the rule takes, past 32 bits too, is one the database can look up."""

import inspect
from collections.abc import Callable
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from httpx2 import Response
from sqlalchemy import text
from sqlmodel import Session

from api.models import Card, Code, Location
from api.security import new_secret
from api.setup.api_keys.service import create_api_key
from api.web.deps import PathId
from api.web.id_rule import IdConvertor
from tests.client import TestClient
from tests.factories import World, make_card

# Well-formed, but no row has them: past 32 bits too, up to the largest the rule lets through.
UNKNOWN_IDS = ("0", "999999", "2147483647", "3000000000", "999999999999999999")
ARABIC_INDIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
HTML_ROUTES = ("/inbox/{}", "/admin/codes/{}")
API_ROUTES = ("/api/v1/cards/{}", "/api/v1/cards/{}/notes")


def malformed(real: int) -> tuple[str, ...]:
    """Ways to write a real row's id that `int()` would take and the rule must not."""
    return (
        f"{real:019d}",  # 19 digits, leading zeros
        "1234567890123456789",  # 19 digits, past a 64-bit column
        f"+{real}",
        f"%20{real}",
        f"{real}%0A",
        str(real).translate(ARABIC_INDIC_DIGITS),
        f"{real}.0",
        f"{real}_0",
        f"-{real}",
        "abc",
    )


def test_every_id_in_a_path_uses_the_id_converter(app: FastAPI) -> None:
    wrong = []
    for route in iter_route_contexts(app.routes):
        convertors = getattr(route, "param_convertors", {})
        for name, convertor in convertors.items():
            if name != "id" and not name.endswith("_id"):
                continue
            endpoint = getattr(route, "endpoint", None)
            parameter = inspect.signature(endpoint).parameters.get(name) if endpoint else None
            if (
                not isinstance(convertor, IdConvertor)
                or parameter is None
                or parameter.annotation not in (int, PathId)
            ):
                wrong.append(f"{route.path} ({name})")
    assert not wrong, f"Write these as `{{name:id}}`, typed int (PathId in the API): {wrong}"


def page_text(response: Response) -> str:
    panel = BeautifulSoup(response.text, "html.parser").select_one(".panel")
    assert panel is not None, response.text
    return panel.get_text(" ", strip=True)


@pytest.mark.parametrize("route", HTML_ROUTES)
def test_a_malformed_id_in_a_page_is_the_unknown_id_page(
    route: str, manager_client: TestClient, session: Session, world: World
) -> None:
    card = make_card(session, code=world.counter_code)
    real = card.id if route.startswith("/inbox") else world.counter_code.id
    assert real is not None
    assert manager_client.get(route.format(real)).status_code == 200
    missing = manager_client.get(route.format("999999"))
    assert missing.status_code == 404
    for value in UNKNOWN_IDS + malformed(real):
        response = manager_client.get(route.format(value))
        assert response.status_code == 404, (value, response.text)
        assert page_text(response) == page_text(missing), value


@pytest.mark.parametrize("route", API_ROUTES)
def test_a_malformed_id_in_the_api_is_the_unknown_id_json(
    route: str, client: TestClient, session: Session, world: World
) -> None:
    key, _ = create_api_key(session=session, organisation=world.organisation, name="ids")
    headers = {"Authorization": f"Bearer {key}"}
    card = make_card(session, code=world.counter_code)
    assert card.id is not None
    assert client.get(route.format(card.id), headers=headers).status_code == 200
    missing = client.get(route.format("999999"), headers=headers)
    assert missing.status_code == 404
    for value in UNKNOWN_IDS + malformed(card.id):
        response = client.get(route.format(value), headers=headers)
        assert (response.status_code, response.json()) == (404, missing.json()), value


def test_an_id_in_the_api_query_string_follows_the_rule(
    client: TestClient, session: Session, world: World
) -> None:
    key, _ = create_api_key(session=session, organisation=world.organisation, name="ids")
    headers = {"Authorization": f"Bearer {key}"}
    place = world.counter.id
    assert place is not None
    make_card(session, code=world.counter_code)
    found = client.get("/api/v1/cards", params={"location": str(place)}, headers=headers)
    assert (found.status_code, len(found.json()["cards"])) == (200, 1)
    for name, value in (("before", "999999999999999999"), ("location", "3000000000")):
        unknown = client.get("/api/v1/cards", params={name: value}, headers=headers)
        assert unknown.status_code == 200, (name, value, unknown.text)
    for value in ("0", f"+{place}", f" {place}", f"{place}_0", "١", "1234567890123456789"):
        # `assignee=0` has always been a well-formed id (of nobody); 0 is refused elsewhere.
        for name in ("location", "employee", "before", "assignee")[: 3 if value == "0" else 4]:
            response = client.get("/api/v1/cards", params={name: value}, headers=headers)
            assert response.status_code == 422, (name, value, response.text)
            assert response.json()["errors"][0]["field"] == name


def test_a_malformed_id_in_the_inbox_filters_means_any(
    manager_client: TestClient, session: Session, world: World
) -> None:
    make_card(session, code=world.counter_code, comment="Found by any filter")
    for value in ("1234567890123456789", "+1", "١", "1.0"):
        for name in ("location", "employee", "assignee", "before"):
            response = manager_client.get("/inbox", params={name: value})
            assert response.status_code == 200, (name, value)
            assert "Found by any filter" in response.text


BEYOND_32_BITS = 3_000_000_000
# Row ids no row can have: 0, past the rule's 18 digits, past 64 bits, not a number.
OUT_OF_RANGE = (0, -1, 10**18, 2**63, 10**30, True, "12345678901234567890", "1e3")


def id_bodies(
    world: World, card: Card
) -> list[tuple[str, str, Callable[[object], dict[str, Any]], str]]:
    """JSON routes that take row ids in their body: method, path, the body around one id, and
    the field an error names."""
    return [
        ("POST", "/api/v1/codes", lambda id_: {"location_id": id_}, "location_id"),
        (
            "POST",
            "/api/v1/employees",
            lambda id_: {"display_name": "Kim", "location_ids": [id_]},
            "location_ids.0",
        ),
        (
            "PUT",
            f"/api/v1/cards/{card.id}/assignee",
            lambda id_: {"assignee_id": id_},
            "assignee_id",
        ),
        (
            "PUT",
            f"/api/v1/alerts/locations/{world.counter.id}/duty",
            lambda id_: {"user_ids": [id_]},
            "user_ids.0",
        ),
        (
            "POST",
            "/api/v1/webhooks",
            lambda id_: {"name": "Hook", "url": "https://example.com/hook", "location_id": id_},
            "location_id",
        ),
        (
            "POST",
            "/api/v1/invitations",
            lambda id_: {"email": "kim@example.com", "location_ids": [id_]},
            "location_ids.0",
        ),
        (
            "POST",
            f"/api/v1/codes/{world.maya_code.token}/cards",
            lambda id_: {"rating": 5, "employee_id": id_},
            "employee_id",
        ),
    ]


def test_an_id_out_of_range_in_a_json_body_is_a_422_naming_it(
    client: TestClient, session: Session, world: World
) -> None:
    key, _ = create_api_key(session=session, organisation=world.organisation, name="ids")
    card = make_card(session, code=world.counter_code)
    for method, path, body, field in id_bodies(world, card):
        for value in OUT_OF_RANGE:
            headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": new_secret(12)}
            response = client.request(method, path, json=body(value), headers=headers)
            assert response.status_code == 422, (path, value, response.text)
            assert [error["field"] for error in response.json()["errors"]] == [field], value
        # The largest id the rule takes is only an id that does not exist.
        answers = []
        for value in (999999, 999999999999999999):
            headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": new_secret(12)}
            answers.append(client.request(method, path, json=body(value), headers=headers))
        assert answers[0].status_code < 500, (path, answers[0].text)
        assert answers[1].status_code == answers[0].status_code, (path, answers[1].text)


def test_a_row_past_32_bits_is_stored_and_found(
    manager_client: TestClient, session: Session, world: World, engine_name: str
) -> None:
    key, _ = create_api_key(session=session, organisation=world.organisation, name="ids")
    headers = {"Authorization": f"Bearer {key}"}
    attic = Location(id=BEYOND_32_BITS, organisation_id=world.organisation.id, name="Attic")
    session.add(attic)
    session.commit()
    made = manager_client.post("/api/v1/codes", json={"location_id": attic.id}, headers=headers)
    assert made.status_code == 201, made.text
    assert made.json()["location_id"] == BEYOND_32_BITS
    code = session.get_one(Code, made.json()["id"])
    card = make_card(session, code=code, id=BEYOND_32_BITS, comment="Up in the attic")

    page = manager_client.get(f"/inbox/{BEYOND_32_BITS}")
    assert page.status_code == 200
    assert "Up in the attic" in page.text
    assert "Up in the attic" in manager_client.get("/inbox", params={"location": attic.id}).text
    found = manager_client.get(f"/api/v1/cards/{BEYOND_32_BITS}", headers=headers).json()
    assert (found["id"], found["location_id"]) == (BEYOND_32_BITS, BEYOND_32_BITS)
    listed = manager_client.get("/api/v1/cards", params={"location": attic.id}, headers=headers)
    assert [listed_card["id"] for listed_card in listed.json()["cards"]] == [card.id]

    if engine_name == "postgresql":
        # A serial's sequence does not follow an id given explicitly (SQLite's rowid does): set it
        # where three billion cards would have left it.
        session.connection().execute(
            text("SELECT setval(pg_get_serial_sequence('card', 'id'), :last)"),
            {"last": BEYOND_32_BITS},
        )
        session.commit()
    following = make_card(session, code=code, comment="Next one")
    assert following.id == BEYOND_32_BITS + 1
    assert manager_client.get(f"/inbox/{following.id}").status_code == 200
