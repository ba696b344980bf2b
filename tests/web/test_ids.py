"""Row ids in URLs: 1 to 18 ASCII digits; anything else is the 404 of an id that does not exist."""

import inspect

import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlmodel import Session

from api.setup.api_keys.service import create_api_key
from api.web.ids import IdConvertor
from tests.factories import World, make_card

# Well-formed, but no row has them. (2147483647 is the largest an id column holds on PostgreSQL,
# whose id columns are 32-bit: a longer id the rule lets through still fails there, as before.)
UNKNOWN_IDS = ("0", "999999", "2147483647")
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
                or parameter.annotation is not int
            ):
                wrong.append(f"{route.path} ({name})")
    assert not wrong, f"Write these as `{{name:id}}` with the parameter typed int: {wrong}"


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
    unknown = client.get("/api/v1/cards", params={"before": "2147483647"}, headers=headers)
    assert unknown.status_code == 200
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
