"""The JSON API: public submission by code, and the organisation's cards by API key."""

import pytest
from sqlmodel import Session, select

from api.models import Card, utcnow
from api.setup.api_keys.service import create_api_key
from tests.client import TestClient
from tests.factories import World, make_card, reread
from tests.helpers import in_own_loop


@pytest.fixture
def api_key(session: Session, world: World) -> str:
    key, _ = create_api_key(session=session, organisation=world.organisation, name="test")
    return key


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def cards_in(session: Session) -> list[Card]:
    reread(session)
    return list(session.exec(select(Card)).all())


def test_read_code_lists_the_locations_staff(client: TestClient, world: World) -> None:
    response = client.get(f"/api/v1/codes/{world.counter_code.token.lower()}")
    assert response.status_code == 200
    assert response.json() == {
        "token": world.counter_code.token,
        "organisation": "Harbour Café",
        "location": "Counter",
        "employee": None,
        "staff": [{"id": world.maya.id, "name": "Maya"}],
    }


def test_submit_replays_with_the_same_key(
    client: TestClient, world: World, session: Session
) -> None:
    path = f"/api/v1/codes/{world.counter_code.token}/cards"
    body = {"rating": 1, "comment": "Cold food", "employee_id": world.maya.id}
    first = client.post(path, json=body, headers={"Idempotency-Key": "k-1"})
    again = client.post(path, json=body, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert first.json()["status"] == "stored"
    [card] = cards_in(session)
    assert (card.rating, card.comment, card.employee_id) == (1, "Cold food", world.maya.id)


def test_same_key_different_body_is_422(client: TestClient, world: World, session: Session) -> None:
    path = f"/api/v1/codes/{world.counter_code.token}/cards"
    client.post(path, json={"rating": 4}, headers={"Idempotency-Key": "k-2"})
    response = client.post(path, json={"rating": 5}, headers={"Idempotency-Key": "k-2"})
    assert response.status_code == 422
    assert "already used for a different card" in response.json()["detail"]
    assert [card.rating for card in cards_in(session)] == [4]


def test_submit_needs_a_key_and_valid_fields(
    client: TestClient, world: World, session: Session
) -> None:
    path = f"/api/v1/codes/{world.counter_code.token}/cards"
    assert client.post(path, json={"rating": 4}).status_code == 422
    bad = client.post(path, json={"rating": 9, "extra": 1}, headers={"Idempotency-Key": "k"})
    assert bad.status_code == 422
    fields = {error["field"] for error in bad.json()["errors"]}
    assert fields == {"rating", "extra"}
    assert cards_in(session) == []


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "Field required"),
        ({"Idempotency-Key": ""}, "The key must be 1 to 100 characters long."),
        ({"Idempotency-Key": "k" * 101}, "The key must be 1 to 100 characters long."),
    ],
)
def test_a_card_without_a_usable_key_is_a_422_that_names_the_header(
    client: TestClient, world: World, session: Session, headers: dict, message: str
) -> None:
    path = f"/api/v1/codes/{world.counter_code.token}/cards"
    response = client.post(path, json={"rating": 4}, headers=headers)
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["field"], error["message"]) == ("idempotency-key", message)
    assert cards_in(session) == []


@pytest.mark.parametrize(
    ("content_type", "body", "message"),
    [
        ("text/plain", b'{"rating": 4}', "Send the card as JSON (Content-Type: application/json)."),
        (None, b"", "Send the card as JSON (Content-Type: application/json)."),
        ("application/json", b'{"rating": 4', "Expecting ',' delimiter: line 1 column 13"),
        ("application/json", b"", "Expecting value: line 1 column 1"),
        ("application/json", b"\xff\xfe", "Expecting value: line 1 column 1"),
        ("application/json", b"\xc3\x28", "'utf-8' codec can't decode byte 0xc3"),
        ("application/json", b"[4]", "Input should be an object"),
        ("application/json; charset=utf-8", b"{}", "Field required"),
    ],
)
def test_a_body_that_is_no_card_is_a_422_that_says_why(
    client: TestClient,
    world: World,
    session: Session,
    content_type: str | None,
    body: bytes,
    message: str,
) -> None:
    headers = {"Idempotency-Key": "k-json"} | (
        {"Content-Type": content_type} if content_type else {}
    )
    response = client.post(
        f"/api/v1/codes/{world.counter_code.token}/cards", content=body, headers=headers
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["message"].startswith(message), error
    assert cards_in(session) == []


@pytest.mark.parametrize(
    "body",
    [
        # A lone surrogate, as JavaScript's JSON.stringify writes text cut in the middle of an
        # emoji: the text is cleaned (api.text), never refused.
        b'{"rating": 5, "comment": "Lovely \\ud83d staff"}',
        b'\xef\xbb\xbf{"rating": 5, "comment": "Lovely  staff"}',  # a byte order mark
    ],
)
def test_json_that_only_pydantic_would_refuse_still_stores_the_card(
    client: TestClient, world: World, session: Session, body: bytes
) -> None:
    response = client.post(
        f"/api/v1/codes/{world.counter_code.token}/cards",
        content=body,
        headers={"Idempotency-Key": "k-odd", "Content-Type": "application/json"},
    )
    assert response.status_code == 201, response.text
    [card] = cards_in(session)
    assert (card.rating, card.comment) == (5, "Lovely  staff")


def test_a_card_may_come_as_a_json_media_type_with_parameters(
    client: TestClient, world: World, session: Session
) -> None:
    response = client.post(
        f"/api/v1/codes/{world.counter_code.token}/cards",
        content='{"rating": 5, "comment": "  Très bien  "}'.encode(),
        headers={"Idempotency-Key": "k-utf8", "Content-Type": "Application/JSON; charset=UTF-8"},
    )
    assert response.status_code == 201, response.text
    assert response.headers["content-type"] == "application/json"
    assert set(response.json()) == {"id", "status", "created_at", "follow_up_url"}
    [card] = cards_in(session)
    assert (card.rating, card.comment) == (5, "Très bien")


def test_submit_to_unknown_or_revoked_code(
    client: TestClient, world: World, session: Session
) -> None:
    headers = {"Idempotency-Key": "k-3"}
    assert client.post(
        "/api/v1/codes/ZZZZZZZZ/cards", json={"rating": 3}, headers=headers
    ).json() == {"detail": "No card belongs to this code."}
    world.terrace_code.revoked_at = utcnow()
    session.add(world.terrace_code)
    session.commit()
    gone = client.post(
        f"/api/v1/codes/{world.terrace_code.token}/cards", json={"rating": 3}, headers=headers
    )
    assert gone.status_code == 410
    assert cards_in(session) == []


def test_cards_newest_first_with_filters_and_pages(
    client: TestClient, world: World, session: Session, api_key: str
) -> None:
    low = make_card(session, code=world.counter_code, rating=1, comment="Rude")
    high = make_card(session, code=world.terrace_code, rating=5, comment="Lovely")
    response = client.get("/api/v1/cards", headers=bearer(api_key))
    assert response.status_code == 200
    assert [card["id"] for card in response.json()["cards"]] == [high.id, low.id]
    assert response.json()["next_before"] is None
    rated = client.get("/api/v1/cards?rating=1", headers=bearer(api_key)).json()["cards"]
    assert [card["comment"] for card in rated] == ["Rude"]
    at = client.get(f"/api/v1/cards?location={world.terrace.id}", headers=bearer(api_key))
    assert [card["location_name"] for card in at.json()["cards"]] == ["Terrace"]
    older = client.get(f"/api/v1/cards?before={high.id}", headers=bearer(api_key))
    assert [card["id"] for card in older.json()["cards"]] == [low.id]


def test_pagination_walks_every_card_once(
    client: TestClient, world: World, session: Session, api_key: str
) -> None:
    made = {make_card(session, code=world.counter_code).id for _ in range(55)}
    first = client.get("/api/v1/cards", headers=bearer(api_key)).json()
    assert len(first["cards"]) == 50
    second = client.get(
        f"/api/v1/cards?before={first['next_before']}", headers=bearer(api_key)
    ).json()
    assert second["next_before"] is None
    seen = [card["id"] for card in first["cards"] + second["cards"]]
    assert sorted(seen) == sorted(made)


def test_mark_card_seen_then_resolved(
    client: TestClient, world: World, session: Session, api_key: str
) -> None:
    card = make_card(session, code=world.counter_code)
    seen = client.patch(
        f"/api/v1/cards/{card.id}", json={"status": "seen"}, headers=bearer(api_key)
    )
    assert seen.status_code == 200
    assert seen.json()["status"] == "seen"
    assert seen.json()["seen_at"] is not None
    done = client.patch(
        f"/api/v1/cards/{card.id}", json={"status": "resolved"}, headers=bearer(api_key)
    )
    assert done.json()["status"] == "resolved"
    reread(session)
    assert session.get(Card, card.id).resolved_at is not None
    bad = client.patch(f"/api/v1/cards/{card.id}", json={"status": "gone"}, headers=bearer(api_key))
    assert bad.status_code == 422


def test_patch_takes_every_step_of_the_workflow(
    client: TestClient, world: World, session: Session, api_key: str
) -> None:
    card = make_card(session, code=world.counter_code)
    url = f"/api/v1/cards/{card.id}"
    acknowledged = client.patch(url, json={"status": "acknowledged"}, headers=bearer(api_key))
    assert acknowledged.status_code == 200
    body = acknowledged.json()
    assert body["status"] == "acknowledged"
    assert body["acknowledged_at"] is not None
    assert body["seen_at"] is not None
    # An API key is no person: the step has a time and no name.
    assert body["acknowledged_by"] is None

    dismissed = client.patch(url, json={"status": "dismissed"}, headers=bearer(api_key))
    assert (dismissed.status_code, dismissed.json()["status"]) == (200, "dismissed")
    assert dismissed.json()["dismissed_at"] is not None

    backwards = client.patch(url, json={"status": "acknowledged"}, headers=bearer(api_key))
    assert backwards.status_code == 409
    assert backwards.json() == {"detail": "This card has already moved past that step."}
    assert client.patch(url, json={"status": "new"}, headers=bearer(api_key)).status_code == 422
    reread(session)
    assert session.get(Card, card.id).status == "dismissed"


def test_openapi_describes_the_api(client: TestClient) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/codes/{token}/cards", "/api/v1/cards", "/api/v1/cards/{card_id}"} <= set(
        schema["paths"]
    )
    assert "/inbox" not in schema["paths"]
    # The card's body is read by its route, and still described: a card, and nothing else,
    # under its own name as the schemas FastAPI reads itself.
    submit = schema["paths"]["/api/v1/codes/{token}/cards"]["post"]
    ref = submit["requestBody"]["content"]["application/json"]["schema"]
    assert ref == {"$ref": "#/components/schemas/CardIn"}
    body = schema["components"]["schemas"]["CardIn"]
    assert (body["required"], body["additionalProperties"]) == (["rating"], False)
    assert {"rating", "comment", "employee_id", "wants_reply"} <= set(body["properties"])
    assert [(p["name"], p["required"]) for p in submit["parameters"]] == [
        ("token", True),
        ("idempotency-key", True),
    ]
    receipt = submit["responses"]["201"]["content"]["application/json"]["schema"]
    assert receipt == {"$ref": "#/components/schemas/CardReceipt"}


def test_a_customer_who_leaves_while_sending_gets_a_400_and_no_error_is_logged(
    app, client: TestClient, world: World, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    """The phone lost its connection before the card's body arrived: nothing to store, and
    nothing for an operator to look into."""
    path = f"/api/v1/codes/{world.counter_code.token}/cards"
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"application/json"),
            (b"idempotency-key", b"k-gone"),
        ],
        "client": ("198.51.100.7", 5000),
        "server": ("testserver", 80),
    }
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    in_own_loop(lambda: app(scope, receive, send))
    assert sent[0]["status"] == 400
    assert "Unhandled error" not in caplog.text
    assert cards_in(session) == []
