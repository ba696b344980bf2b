"""Every customer reads the card in their language, and what they write is stored as written."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from bs4 import BeautifulSoup
from sqlmodel import Session

from api.models import utcnow
from api.security import sign_form_token
from tests.client import TestClient
from tests.customer.test_card import stored_cards
from tests.factories import World
from tests.helpers import card_form, hidden_fields


def page(response_text: str) -> BeautifulSoup:
    return BeautifulSoup(response_text, "html.parser")


def html_language(soup: BeautifulSoup) -> tuple[str, str]:
    return str(soup.html["lang"]), str(soup.html["dir"])


def card_form_in(client: TestClient, path: str, **headers: str) -> dict[str, str]:
    return hidden_fields(client, path, "form.card-form", headers=headers)


def test_card_page_speaks_the_browsers_language(client: TestClient, world: World) -> None:
    response = client.get(
        f"/c/{world.counter_code.token}", headers={"Accept-Language": "de-CH, fr;q=0.8"}
    )
    soup = page(response.text)
    assert html_language(soup) == ("de", "ltr")
    assert soup.h1.get_text(strip=True) == "Counter: Wie war Ihr Besuch?"
    assert soup.select_one("button.send").get_text(strip=True) == "Senden"
    assert soup.select_one("input[name=lang]")["value"] == "de"
    assert "Accept-Language" in response.headers["vary"]


def test_switcher_links_choose_a_language_without_a_cookie(
    client: TestClient, world: World
) -> None:
    path = f"/c/{world.counter_code.token}"
    soup = page(client.get(path, headers={"Accept-Language": "de"}).text)
    links = {link.get_text(strip=True): link for link in soup.select(".languages a")}
    assert list(links) == [
        "العربية",
        "Deutsch",
        "English",
        "Español",
        "Français",
        "Português",
        "中文 (简体)",
    ]
    assert links["Deutsch"]["aria-current"] == "true"
    assert (links["Français"]["href"], links["Français"]["lang"]) == ("?lang=fr", "fr")

    # The link wins over the browser's language, and nothing is remembered.
    response = client.get(f"{path}?lang=fr", headers={"Accept-Language": "de"})
    assert html_language(page(response.text)) == ("fr", "ltr")
    assert "set-cookie" not in response.headers
    assert not client.cookies
    assert html_language(page(client.get(path).text)) == ("en", "ltr")


def test_organisation_default_when_the_browser_asks_for_none_we_speak(
    client: TestClient, world: World, session: Session
) -> None:
    world.organisation.default_language = "es"
    session.add(world.organisation)
    session.commit()
    path = f"/c/{world.maya_code.token}"
    for headers in ({}, {"Accept-Language": "ja, ko;q=0.5"}):
        soup = page(client.get(path, headers=headers).text)
        assert html_language(soup) == ("es", "ltr")
        assert soup.h1.get_text(strip=True) == "¿Qué tal le atendió Maya?"
    assert html_language(page(client.get(path, headers={"Accept-Language": "pt-BR"}).text)) == (
        "pt",
        "ltr",
    )


def test_arabic_is_right_to_left_and_chinese_simplified(client: TestClient, world: World) -> None:
    path = f"/c/{world.counter_code.token}"
    arabic = page(client.get(path, headers={"Accept-Language": "ar-EG,ar;q=0.9,en;q=0.5"}).text)
    assert html_language(arabic) == ("ar", "rtl")
    assert arabic.select_one("button.send").get_text(strip=True) == "إرسال"
    chinese = page(client.get(path, headers={"Accept-Language": "zh-CN,zh;q=0.9"}).text)
    assert html_language(chinese) == ("zh-Hans", "ltr")
    assert chinese.h1.get_text(strip=True) == "您在 Counter 的体验如何？"


def test_the_language_survives_the_post_and_is_stored_with_the_card(
    client: TestClient, world: World, session: Session
) -> None:
    path = f"/c/{world.counter_code.token}"
    fields = card_form_in(client, f"{path}?lang=pt", **{"Accept-Language": "de"})
    assert fields["lang"] == "pt"
    # The browser still says German: the answer speaks the form's language.
    missing = client.post(path, data=fields, headers={"Accept-Language": "de"})
    assert missing.status_code == 422
    soup = page(missing.text)
    assert html_language(soup) == ("pt", "ltr")
    assert soup.select_one("#rating-error").get_text() == "Escolha uma carinha de 1 a 5."
    assert soup.select_one("input[name=lang]")["value"] == "pt"

    thanks = client.post(path, data={**fields, "rating": "5"}, headers={"Accept-Language": "de"})
    assert thanks.status_code == 200
    soup = page(thanks.text)
    assert html_language(soup) == ("pt", "ltr")
    assert soup.h1.get_text(strip=True) == "Obrigado!"
    assert soup.select_one(".again a")["href"] == f"/c/{world.counter_code.token}?lang=pt"
    [card] = stored_cards(session)
    assert card.language == "pt"


def test_a_card_without_a_chosen_language_is_stored_with_the_negotiated_one(
    client: TestClient, world: World, session: Session
) -> None:
    path = f"/c/{world.counter_code.token}"
    fields = card_form(client, path)
    del fields["lang"]  # a form from before the field existed, or the JSON-less old page
    response = client.post(path, data={**fields, "rating": "4"}, headers={"Accept-Language": "ar"})
    assert html_language(page(response.text)) == ("ar", "rtl")
    [card] = stored_cards(session)
    assert card.language == "ar"


def test_every_message_a_customer_can_get_is_translated(
    client: TestClient, world: World, other_world: World, app
) -> None:
    path = f"/c/{world.counter_code.token}"
    base = {**card_form(client, f"{path}?lang=fr"), "rating": "3"}

    def error_text(data: dict[str, str]) -> str:
        response = client.post(path, data=data)
        assert response.status_code == 422
        errors = page(response.text).select(".field-error, .error-summary")
        return " ".join(error.get_text(strip=True) for error in errors)

    expired = sign_form_token(
        app.state.runtime.secret_key, "card", world.counter_code.token, issued_at=0
    )
    cases = {
        "Veuillez choisir un visage de 1 à 5.": {**base, "rating": ""},
        "Cette adresse e-mail ne semble pas correcte.": {**base, "contact_email": "nope"},
        "Ce numéro de téléphone ne semble pas correct.": {**base, "contact_phone": "call me"},
        "Pour recevoir une réponse, laissez une adresse e-mail": {**base, "wants_reply": "on"},
        "Votre nom doit faire moins de 120 caractères.": {**base, "contact_name": "x" * 121},
        "Veuillez choisir une personne dans la liste.": {
            **base,
            "employee_id": str(other_world.maya.id),
        },
        "Cette page est restée ouverte trop longtemps.": {**base, "form_token": expired},
    }
    for expected, data in cases.items():
        assert expected in error_text(data)


def test_revoked_unknown_and_error_pages_are_translated(
    client: TestClient, world: World, session: Session
) -> None:
    chinese = {"Accept-Language": "zh-CN"}
    unknown = client.get("/c/ZZZZZZZZ", headers=chinese)
    assert (unknown.status_code, page(unknown.text).h1.get_text(strip=True)) == (
        404,
        "找不到这张意见卡",
    )
    world.counter_code.revoked_at = utcnow()
    session.add(world.counter_code)
    session.commit()
    revoked = client.get(f"/c/{world.counter_code.token}", headers={"Accept-Language": "ar"})
    assert revoked.status_code == 410
    assert html_language(page(revoked.text)) == ("ar", "rtl")
    assert "أوقف Harbour Café استخدام هذا الرمز." in revoked.text

    missing = client.get("/no/such/page", headers={"Accept-Language": "es"})
    assert missing.status_code == 404
    assert html_language(page(missing.text)) == ("es", "ltr")
    assert "Aquí no hay nada." in missing.text


def test_sign_in_page_follows_the_browser(client: TestClient, world: World) -> None:
    german = {"Accept-Language": "de"}
    soup = page(client.get("/login", headers=german).text)
    assert html_language(soup) == ("de", "ltr")
    assert soup.h1.get_text(strip=True) == "Anmelden"
    token = soup.select_one("input[name=form_token]")["value"]
    wrong = client.post(
        "/login",
        data={"email": world.owner_email, "password": "wrong", "form_token": token},
        headers=german,
    )
    assert "E-Mail-Adresse oder Passwort ist nicht richtig." in wrong.text


def test_concurrent_requests_each_keep_their_own_language(client: TestClient, world: World) -> None:
    """The catalogue travels with each render, never through shared state."""
    path = f"/c/{world.counter_code.token}"
    wanted = {"en": "Send", "es": "Enviar", "de": "Senden", "zh-Hans": "发送", "ar": "إرسال"}

    def send_button(language: str) -> tuple[str, str]:
        soup = page(client.get(path, headers={"Accept-Language": language}).text)
        return str(soup.html["lang"]), soup.select_one("button.send").get_text(strip=True)

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(send_button, list(wanted) * 8))
    assert answers == [(language, wanted[language]) for language in list(wanted) * 8]


@pytest.mark.parametrize(
    ("comment", "name"),
    [
        ("الخدمة كانت ممتازة جدًا، شكرًا لكم! 👍", "سارة"),
        ("咖啡很好喝，服务员也很热情。\n下次还来！", "王小明"),
        (
            "Cafe\u0301 de\u0301licieux — 👨\u200d👩\u200d👧 \u202bمرحبا\u202c ok",
            "Zoë O\u2019Brien",
        ),
    ],
    ids=["arabic", "chinese", "combining-and-bidi"],
)
def test_customer_text_is_stored_as_written(
    manager_client: TestClient, world: World, session: Session, comment: str, name: str
) -> None:
    path = f"/c/{world.counter_code.token}"
    data = {**card_form(manager_client, path), "rating": "4", "comment": comment}
    response = manager_client.post(path, data={**data, "contact_name": name})
    assert response.status_code == 200
    [card] = stored_cards(session)
    # Not normalised, not re-encoded: the same code points, so the same bytes.
    assert card.comment.encode() == comment.encode()
    assert card.contact_name.encode() == name.encode()
    detail = page(manager_client.get(f"/inbox/{card.id}").text)
    assert detail.select_one("blockquote.comment").get_text() == comment
