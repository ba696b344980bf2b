"""Replies in the JSON API: read a card's replies, answer it with an API key."""

import pytest
from sqlmodel import Session

from api.config import Settings
from api.setup.api_keys.service import create_api_key
from tests.client import TestClient
from tests.factories import World, make_card
from tests.smtp import SmtpServer


@pytest.fixture
def bearer(session: Session, world: World) -> dict[str, str]:
    key, _ = create_api_key(session=session, organisation=world.organisation, name="till")
    return {"Authorization": f"Bearer {key}"}


def test_an_api_key_answers_a_card_and_reads_its_replies(
    client: TestClient,
    session: Session,
    world: World,
    bearer: dict[str, str],
    settings: Settings,
    smtp_server: SmtpServer,
) -> None:
    settings.smtp_url = smtp_server.url
    card = make_card(session, code=world.counter_code, contact_email="guest@example.org")

    created = client.post(
        f"/api/v1/cards/{card.id}/replies", json={"body": "Thank you!"}, headers=bearer
    )
    listed = client.get(f"/api/v1/cards/{card.id}/replies", headers=bearer)

    assert created.status_code == 201, created.text
    assert created.json()["email_status"] == "sent"
    assert created.json()["author"] is None
    assert [r["body"] for r in listed.json()] == ["Thank you!"]
    [message] = smtp_server.inbox.wait_for(1)
    assert message["To"] == "guest@example.org"
    assert "Reply-To" not in message  # no person wrote it: answers go to the From address


def test_an_empty_api_reply_is_refused(
    client: TestClient, session: Session, world: World, bearer: dict[str, str]
) -> None:
    card = make_card(session, code=world.counter_code)

    response = client.post(f"/api/v1/cards/{card.id}/replies", json={"body": ""}, headers=bearer)

    assert response.status_code == 422
    assert client.get(f"/api/v1/cards/{card.id}/replies", headers=bearer).json() == []


def test_a_submission_through_the_api_returns_its_follow_up_link(
    client: TestClient, world: World
) -> None:
    path = f"/api/v1/codes/{world.counter_code.token}/cards"
    receipt = client.post(path, json={"rating": 4}, headers={"Idempotency-Key": "till-1"}).json()
    again = client.post(path, json={"rating": 4}, headers={"Idempotency-Key": "till-1"}).json()

    assert receipt["follow_up_url"] == again["follow_up_url"]
    state = client.get(receipt["follow_up_url"].replace("/f/", "/api/v1/follow-up/")).json()
    assert (state["status"], state["replies"]) == ("new", [])
