"""Odd but possible text: a NUL, other control characters, a right-to-left override, an emoji,
digits from other scripts. A customer's card is stored cleaned, a manager's form refuses with a
message, a search ignores them, and nothing answers 500, on either engine."""

import pyotp
import pytest
from sqlmodel import Session, select

from api.accounts.two_factor import check_code
from api.models import Card, Location, TwoFactor, utcnow
from api.text import cleaned
from tests.client import TestClient
from tests.factories import World, make_card, reread
from tests.helpers import card_form, csrf_token, send_card_by_api, sign_in

ODD = "Cold\x00 coffee\x07 \u202eesrever\u202c 🙂"
STORED = "Cold coffee \u202eesrever\u202c 🙂"  # the right-to-left override and the emoji are text


def test_the_cleaning_keeps_text_and_line_breaks() -> None:
    assert cleaned(ODD) == STORED
    assert cleaned("line one\r\nline two\tend") == "line one\r\nline two\tend"
    assert cleaned("\ud800lone\ufffe\x9f") == "lone"


def test_a_card_form_with_control_characters_is_stored_cleaned(
    client: TestClient, world: World, session: Session
) -> None:
    path = f"/c/{world.counter_code.token}"
    fields = card_form(client, path)
    response = client.post(
        path,
        data={
            **fields,
            "rating": "2",
            "comment": ODD,
            "contact_name": "Ana\x00",
            "contact_email": "ana\x00@example.com",
        },
    )

    assert response.status_code == 200, response.text
    reread(session)
    card = session.exec(select(Card)).one()
    assert (card.comment, card.contact_name, card.contact_email) == (
        STORED,
        "Ana",
        "ana@example.com",
    )


def test_a_card_by_the_api_with_a_nul_is_stored(
    client: TestClient, world: World, session: Session
) -> None:
    card_id = send_card_by_api(client, world.counter_code.token, comment=ODD)

    reread(session)
    assert session.get(Card, card_id).comment == STORED  # type: ignore[union-attr]


def test_the_inbox_shows_a_customers_odd_text_escaped(
    manager_client: TestClient, world: World, session: Session
) -> None:
    card = make_card(session, code=world.counter_code, comment="<b>" + STORED)
    page = manager_client.get(f"/inbox/{card.id}")
    assert page.status_code == 200
    assert "&lt;b&gt;" in page.text
    assert "\u202eesrever" in page.text


@pytest.mark.parametrize("query", ["q=%00", "tag=%00x", "q=caf%C3%A9%00", "location=%C2%B2"])
def test_a_search_with_control_characters_is_a_search(
    manager_client: TestClient, world: World, query: str
) -> None:
    assert manager_client.get(f"/inbox?{query}").status_code == 200
    assert manager_client.get(f"/inbox/export.csv?{query}").status_code == 200


def test_a_managers_name_with_a_nul_is_refused_beside_the_field(
    manager_client: TestClient, world: World, session: Session
) -> None:
    response = manager_client.post(
        "/admin/locations",
        data={"csrf_token": csrf_token(manager_client), "name": "Patio\x00", "kind": "table"},
    )

    assert response.status_code == 422
    assert "invisible control character" in response.text
    reread(session)
    assert not session.exec(select(Location).where(Location.name.startswith("Patio"))).all()  # type: ignore[attr-defined]


def test_a_note_or_a_tag_with_a_nul_is_refused_and_nothing_is_stored(
    manager_client: TestClient, world: World, session: Session
) -> None:
    card = make_card(session, code=world.counter_code)
    token = csrf_token(manager_client)
    for path, field in ((f"/inbox/{card.id}/notes", "body"), (f"/inbox/{card.id}/tags", "tag")):
        response = manager_client.post(path, data={"csrf_token": token, field: "Latecomer\x00"})
        assert response.status_code == 422, (path, response.text)
    page = manager_client.get(f"/inbox/{card.id}")
    assert "Latecomer" not in page.text


def test_the_api_refuses_a_nul_in_a_name_with_the_field_named(
    client: TestClient, world: World, session: Session
) -> None:
    from api.setup.api_keys.service import create_api_key

    key, _ = create_api_key(session=session, organisation=world.organisation, name="Till")
    response = client.post(
        "/api/v1/locations",
        json={"name": "Patio\u0000", "kind": "table"},
        headers={"Authorization": f"Bearer {key}"},
    )

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["name"]


def test_signing_in_with_a_nul_in_the_address_is_refused_not_a_crash(
    client: TestClient, world: World
) -> None:
    response = sign_in(client, "owner\x00@harbour-cafe.example", world.password)
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize("digits", ["²", "١٢٣", "\u00b9\u00b2\u00b3"])
def test_digits_of_other_scripts_in_tokens_are_refused_not_a_crash(
    client: TestClient, manager_client: TestClient, world: World, digits: str
) -> None:
    path = f"/c/{world.counter_code.token}"
    fields = card_form(client, path)
    forged = {**fields, "form_token": f"{digits}.{digits}", "rating": "4"}
    assert client.post(path, data=forged).status_code < 500
    assert manager_client.post("/logout", data={"csrf_token": digits * 3}).status_code == 403


@pytest.mark.parametrize("code", ["²²²²²²", "١٢٣٤٥٦", "１２３４５６"])
def test_an_authenticator_code_in_other_digits_is_wrong_not_a_crash(
    session: Session, world: World, code: str
) -> None:
    assert world.owner.id is not None
    session.add(
        TwoFactor(user_id=world.owner.id, secret=pyotp.random_base32(), enabled_at=utcnow())
    )
    session.commit()

    assert not check_code(session=session, user_id=world.owner.id, code=code)
