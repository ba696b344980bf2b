"""Bot traps that never drop a real card: the reused form (held, no alert), the honeypot (a
thank-you, nothing stored), the minimum fill time (one tap to confirm, stored once), and the
offline queue's replays (never asked)."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from sqlmodel import Session, col, select

from api.alerts.schedule import schedule_escalations
from api.config import Settings
from api.models import AlertDelivery, Card, utcnow
from tests.client import TestClient
from tests.factories import World, reread
from tests.helpers import card_form, log_in, soup


def cards_of(session: Session) -> list[Card]:
    reread(session)
    return list(session.exec(select(Card).order_by(col(Card.id))).all())


def alerted_cards(session: Session) -> set[int | None]:
    return set(session.exec(select(AlertDelivery.card_id)).all())


def test_a_second_card_on_a_used_form_is_held_without_an_alert(
    client: TestClient, world: World, session: Session
) -> None:
    path = f"/c/{world.counter_code.token}"
    scraped = card_form(client, path)
    first = client.post(path, data={**scraped, "rating": "1", "comment": "Real"})
    # The same form token again, with the fresh idempotency key a bot (or an offline copy of
    # the page) sends: stored, never refused, but held and silent.
    again = client.post(
        path, data={**scraped, "idempotency_key": "bot-2", "rating": "1", "comment": "Spam"}
    )
    assert first.status_code == again.status_code == 200
    real, spam = cards_of(session)
    assert (real.comment, real.held) == ("Real", False)
    assert (spam.comment, spam.held) == ("Spam", True)
    assert alerted_cards(session) == {real.id}
    # Nor does the held card escalate to the owners when nobody acknowledges it.
    later = utcnow() + timedelta(hours=1)
    assert schedule_escalations(engine=session.get_bind(), now=later) == 1  # the real one's
    assert alerted_cards(session) == {real.id}

    log_in(client, world.owner_email, world.password)
    inbox = soup(client.get("/inbox"))
    assert inbox.select_one(f"#card-{spam.id} .badge-held").text == "held"
    assert inbox.select_one(f"#card-{real.id} .badge-held") is None
    assert "Held for a look" in client.get(f"/inbox/{spam.id}").text


def test_the_same_card_sent_again_is_one_card_not_a_second(
    client: TestClient, world: World, session: Session
) -> None:
    path = f"/c/{world.counter_code.token}"
    fields = card_form(client, path, rating="2", comment="Slow")
    for _ in range(3):  # a browser's re-POST, a double tap
        assert client.post(path, data=fields).status_code == 200
    [card] = cards_of(session)
    assert not card.held
    assert alerted_cards(session) == {card.id}


def test_the_honeypot_thanks_and_stores_nothing(
    client: TestClient, world: World, session: Session
) -> None:
    path = f"/c/{world.counter_code.token}"
    page = soup(client.get(path))
    trap = page.select_one("input[name=website]")
    assert trap["tabindex"] == "-1"
    assert trap["autocomplete"] == "off"
    assert trap.find_parent(class_="trap")["aria-hidden"] == "true"

    fields = card_form(client, path, rating="5", comment="Buy cheap pills", website="http://x")
    response = client.post(path, data=fields)
    assert response.status_code == 200
    assert soup(response).h1.text == "Thank you!"
    assert cards_of(session) == []


class TestMinimumFillTime:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"card_min_fill_seconds": 60})

    def test_a_quick_card_is_confirmed_with_one_tap_and_stored_once(
        self, client: TestClient, world: World, session: Session
    ) -> None:
        path = f"/c/{world.counter_code.token}"
        sent = card_form(client, path, rating="2", comment="Fast but real", wants_reply="on")
        sent["contact_email"] = "ana@example.com"
        asked = client.post(path, data=sent)
        assert asked.status_code == 200
        page = BeautifulSoup(asked.text, "html.parser")
        assert page.h1.text == "One more tap to send your card"
        assert "Fast but real" in page.select_one(".card-summary").text
        assert cards_of(session) == []

        confirm = {
            str(field["name"]): str(field["value"])
            for field in page.select("form.card-form input[type=hidden]")
        }
        assert confirm["form_token"] == sent["form_token"]
        for _ in range(2):  # one tap, and an impatient second one
            thanks = client.post(path, data=confirm)
            assert thanks.status_code == 200
            assert soup(thanks).h1.text == "Thank you!"
        [card] = cards_of(session)
        assert (card.comment, card.contact_email, card.wants_reply) == (
            "Fast but real",
            "ana@example.com",
            True,
        )
        assert not card.held

    def test_it_asks_only_once(self, client: TestClient, world: World) -> None:
        path = f"/c/{world.counter_code.token}"
        sent = card_form(client, path, rating="4")
        page = soup(client.post(path, data=sent))
        confirm = {
            str(field["name"]): str(field["value"])
            for field in page.select("form.card-form input[type=hidden]")
        }
        # A forged confirmation does not pass; the server's own does.
        forged = client.post(path, data={**confirm, "confirm_token": "1.forged"})
        assert soup(forged).h1.text == "One more tap to send your card"
        assert soup(client.post(path, data=confirm)).h1.text == "Thank you!"

    def test_an_offline_replay_is_stored_once_without_a_question(
        self, client: TestClient, world: World, session: Session
    ) -> None:
        path = f"/c/{world.counter_code.token}"
        queued = card_form(client, path, rating="1", comment="Sent from the queue", queued="1")
        for _ in range(3):  # the queue may send it again and again
            response = client.post(path, data=queued)
            assert soup(response).h1.text == "Thank you!"
        [card] = cards_of(session)
        assert card.comment == "Sent from the queue"
        assert alerted_cards(session) == {card.id}

    def test_the_public_api_has_no_fill_time(
        self, client: TestClient, world: World, session: Session
    ) -> None:
        response = client.post(
            f"/api/v1/codes/{world.counter_code.token}/cards",
            json={"rating": 3},
            headers={"Idempotency-Key": "api-1"},
        )
        assert response.status_code == 201
        assert len(cards_of(session)) == 1
