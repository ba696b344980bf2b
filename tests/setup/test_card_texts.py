"""An organisation's own card texts per language: the owner page, the API, the card pages."""

import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from httpx2 import Response
from sqlmodel import Session

from api.config import Settings
from api.setup.api_keys.service import create_api_key
from tests.client import TestClient
from tests.customer.test_card import card_form
from tests.factories import World, make_manager
from tests.helpers import csrf_token, log_in

QUESTION = "¿Qué tal el café <b>hoy</b>?"
THANKS = "¡Gracias! Leemos cada tarjeta."
DATA_USE = "Solo el equipo del café lee tu tarjeta."


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A code cache that would hold a card for minutes: saved texts must still show at once."""
    settings.code_cache_seconds = 300
    return settings


def text(client: TestClient, path: str) -> BeautifulSoup:
    return BeautifulSoup(client.get(path).text, "html.parser")


def post_spanish(client: TestClient, **fields: str) -> Response:
    data = {"csrf_token": csrf_token(client, "/admin/card-texts"), "language": "es"} | fields
    return client.post("/admin/card-texts", data=data)


def save_spanish(client: TestClient, **fields: str) -> int:
    return post_spanish(client, **fields).status_code


def test_the_card_speaks_the_owners_words_in_that_language_only(
    manager_client: TestClient, world: World, app: FastAPI
) -> None:
    assert app.state.runtime.code_cache.ttl == 300
    card = f"/c/{world.counter_code.token}"
    before = text(manager_client, f"{card}?lang=es").h1.get_text(strip=True)  # cached now
    assert save_spanish(manager_client, question=QUESTION, thanks=THANKS, data_use=DATA_USE) == 303
    page = text(manager_client, f"{card}?lang=es")
    assert page.h1.get_text(strip=True) == QUESTION != before
    assert page.h1.select("b") == []  # shown as text, never as markup
    assert page.select_one(".privacy").get_text(strip=True) == DATA_USE
    english = text(manager_client, f"{card}?lang=en")
    assert english.h1.get_text(strip=True) == "How was your visit to Counter?"
    assert (
        "managers, to improve their service; a compliment may be passed on"
        in english.select_one(".privacy").get_text()
    )
    form = card_form(manager_client, f"{card}?lang=es")
    thanks = manager_client.post(card, data=form | {"rating": "5"})
    status = BeautifulSoup(thanks.text, "html.parser").select_one("[role=status]")
    assert status is not None
    assert THANKS in status.get_text()


def test_blank_goes_back_to_the_built_in_text(manager_client: TestClient, world: World) -> None:
    save_spanish(manager_client, question=QUESTION)
    assert save_spanish(manager_client, question="  ") == 303
    page = text(manager_client, f"/c/{world.counter_code.token}?lang=es")
    assert page.h1.get_text(strip=True) == "Counter: ¿qué tal fue su visita?"


def test_the_page_lists_every_language_and_keeps_what_was_typed(
    manager_client: TestClient, world: World
) -> None:
    page = text(manager_client, "/admin/card-texts")
    assert len(page.select("form.card-texts")) == 7
    assert page.select_one("#lang-zh-Hans h2") is not None
    too_long = manager_client.post(
        "/admin/card-texts",
        data={
            "csrf_token": csrf_token(manager_client, "/admin/card-texts"),
            "language": "fr",
            "question": "Q" * 201,
            "thanks": "Merci",
        },
    )
    assert too_long.status_code == 422
    soup = BeautifulSoup(too_long.text, "html.parser")
    assert soup.select_one("#thanks-fr")["value"] == "Merci"
    assert "under 200 characters" in soup.select_one("#lang-fr").get_text()


def test_only_an_owner_changes_the_texts(
    client: TestClient, session: Session, world: World
) -> None:
    make_manager(session, world=world, email="manager@harbour.example")
    log_in(client, "manager@harbour.example", world.password)
    assert client.get("/admin/card-texts").status_code == 403


def test_the_api_lists_and_sets_the_texts(
    client: TestClient, session: Session, world: World
) -> None:
    key, _ = create_api_key(session=session, organisation=world.organisation, name="script")
    client.headers["Authorization"] = f"Bearer {key}"
    listed = client.get("/api/v1/card-texts").json()
    assert [item["language"] for item in listed] == ["ar", "de", "en", "es", "fr", "pt", "zh-Hans"]
    assert all(item["question"] == "" for item in listed)
    put = client.put("/api/v1/card-texts/FR", json={"question": "Alors, ce café ?"})
    assert put.status_code == 200
    assert put.json() == {
        "language": "fr",
        "question": "Alors, ce café ?",
        "thanks": "",
        "data_use": "",
    }
    page = BeautifulSoup(client.get(f"/c/{world.counter_code.token}?lang=fr").text, "html.parser")
    assert page.h1.get_text(strip=True) == "Alors, ce café ?"
    assert client.put("/api/v1/card-texts/xx", json={"question": "?"}).status_code == 404
    assert client.put("/api/v1/card-texts/fr", json={"thanks": "x" * 301}).status_code == 422


def test_name_in_braces_is_each_cards_employee_or_place(
    manager_client: TestClient, world: World
) -> None:
    question = "How was your visit with {name}?"
    assert save_spanish(manager_client, question=question, thanks="Gracias, {name} lo leerá") == 303

    badge = text(manager_client, f"/c/{world.maya_code.token}?lang=es")
    counter = text(manager_client, f"/c/{world.counter_code.token}?lang=es")
    form = card_form(manager_client, f"/c/{world.maya_code.token}?lang=es")
    thanks = manager_client.post(f"/c/{world.maya_code.token}", data=form | {"rating": "5"})

    assert badge.h1.get_text(strip=True) == "How was your visit with Maya?"
    assert counter.h1.get_text(strip=True) == "How was your visit with Counter?"
    assert "Gracias, Maya lo leerá" in BeautifulSoup(thanks.text, "html.parser").get_text()


@pytest.mark.parametrize(
    "question",
    ["How was {place}?", "How was {name?", "How was name}?", "How was {}?", "Hi {name!r}"],
)
def test_an_unknown_placeholder_or_a_lone_brace_is_refused_with_the_reason(
    manager_client: TestClient, client: TestClient, session: Session, world: World, question: str
) -> None:
    refused = post_spanish(manager_client, question=question)
    key, _ = create_api_key(session=session, organisation=world.organisation, name="script")
    by_api = client.put(
        "/api/v1/card-texts/es",
        json={"question": question},
        headers={"Authorization": f"Bearer {key}"},
    )

    assert refused.status_code == 422
    form = BeautifulSoup(refused.text, "html.parser").select_one("#lang-es")
    assert form is not None
    assert form.select_one("#question-es")["value"] == question
    assert "{name}" in form.select_one(".field-error").get_text()
    assert by_api.status_code == 422
    assert "{name}" in by_api.text
    card = text(manager_client, f"/c/{world.counter_code.token}?lang=es")
    assert card.h1.get_text(strip=True) == "Counter: ¿qué tal fue su visita?", "nothing saved"


def test_a_preview_shows_the_texts_with_the_organisations_names_before_saving(
    manager_client: TestClient, world: World
) -> None:
    preview = post_spanish(manager_client, question="¿Qué tal con {name}?", action="preview")

    assert preview.status_code == 200
    form = BeautifulSoup(preview.text, "html.parser").select_one("#lang-es")
    assert form is not None
    assert form.select_one("#question-es")["value"] == "¿Qué tal con {name}?"
    shown = form.select_one(".preview").get_text(" ", strip=True)
    assert "¿Qué tal con Maya?" in shown  # the first employee
    assert "¿Qué tal con Counter?" in shown  # the first location
    card = text(manager_client, f"/c/{world.maya_code.token}?lang=es")
    assert card.h1.get_text(strip=True) == "¿Qué tal le atendió Maya?", "nothing saved"
