"""The customer's card: open a code's page, send a card, get the thank-you page."""

from urllib.parse import urlencode

from bs4 import BeautifulSoup
from sqlmodel import Session, select

from api.models import Card, utcnow
from api.security import sign_form_token
from tests.client import TestClient
from tests.factories import World, reread
from tests.helpers import card_form


def stored_cards(session: Session) -> list[Card]:
    reread(session)
    return list(session.exec(select(Card).order_by(Card.id)).all())


def test_card_page_names_the_location_and_its_staff(client: TestClient, world: World) -> None:
    page = client.get(f"/c/{world.counter_code.token}")
    assert page.status_code == 200
    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.h1.get_text(strip=True) == "How was your visit to Counter?"
    assert "Harbour Café" in soup.select_one(".org-bar").get_text()
    faces = soup.select("fieldset.faces input[type=radio][name=rating]")
    assert [face["value"] for face in faces] == ["1", "2", "3", "4", "5"]
    for face in faces:
        assert soup.select_one(f"label[for={face['id']}]").get_text(strip=True)
    staff = [option.get_text(strip=True) for option in soup.select("#employee_id option")]
    assert staff == ["I'd rather not say", "Maya"]  # Sam works on the terrace, not here
    assert "set-cookie" not in page.headers


def test_employee_badge_asks_about_the_employee(client: TestClient, world: World) -> None:
    page = client.get(f"/c/{world.maya_code.token}")
    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.h1.get_text(strip=True) == "How was your visit with Maya?"
    assert soup.select_one("#employee_id") is None


def test_token_is_case_insensitive_and_upper_case_path_works(
    client: TestClient, world: World
) -> None:
    token = world.counter_code.token
    assert client.get(f"/c/{token.lower()}").status_code == 200
    assert client.get(f"/C/{token}").status_code == 200


def test_sending_a_card_stores_it_and_thanks_in_one_request(
    client: TestClient, world: World, session: Session
) -> None:
    path = f"/c/{world.counter_code.token}"
    fields = card_form(client, path)
    response = client.post(
        path,
        data={
            **fields,
            "rating": "2",
            "comment": "Waited 20 minutes <script>alert(1)</script>",
            "employee_id": str(world.maya.id),
            "contact_name": "Ana",
            "contact_email": "ana@example.com",
            "wants_reply": "on",
        },
    )
    assert response.status_code == 200
    assert "Thank you!" in response.text
    assert "Someone will get back to you." in response.text
    [card] = stored_cards(session)
    assert (card.rating, card.employee_id, card.location_id) == (2, world.maya.id, world.counter.id)
    assert card.comment == "Waited 20 minutes <script>alert(1)</script>"
    assert card.contact_email == "ana@example.com"
    assert card.wants_reply is True
    assert card.status == "new"
    assert card.idempotency_key == fields["idempotency_key"]


def test_resending_the_same_form_stores_one_card(
    client: TestClient, world: World, session: Session
) -> None:
    path = f"/c/{world.counter_code.token}"
    data = {**card_form(client, path), "rating": "5", "comment": "Great"}
    first = client.post(path, data=data)
    again = client.post(path, data=data)
    assert first.status_code == again.status_code == 200
    assert "Thank you!" in again.text
    assert len(stored_cards(session)) == 1


def test_same_key_with_a_different_card_is_refused(
    client: TestClient, world: World, session: Session
) -> None:
    path = f"/c/{world.counter_code.token}"
    data = {**card_form(client, path), "rating": "5", "comment": "Great"}
    client.post(path, data=data)
    changed = client.post(path, data={**data, "comment": "Changed my mind"})
    assert changed.status_code == 422
    assert "already used for a different card" in changed.text
    [card] = stored_cards(session)
    assert card.comment == "Great"


def test_missing_rating_keeps_what_was_typed(
    client: TestClient, world: World, session: Session
) -> None:
    path = f"/c/{world.counter_code.token}"
    fields = card_form(client, path)
    response = client.post(
        path,
        data={**fields, "comment": "The music was too loud", "contact_email": "x@example.com"},
    )
    assert response.status_code == 422
    soup = BeautifulSoup(response.text, "html.parser")
    assert soup.select_one("#rating-error").get_text() == "Please choose a face from 1 to 5."
    assert soup.select_one("#comment").get_text() == "The music was too loud"
    assert soup.select_one("#contact_email")["value"] == "x@example.com"
    # The same submission key is kept, so fixing and resending cannot make two cards.
    assert soup.select_one("input[name=idempotency_key]")["value"] == fields["idempotency_key"]
    assert stored_cards(session) == []


def test_bad_contact_details_are_explained(
    client: TestClient, world: World, session: Session
) -> None:
    path = f"/c/{world.counter_code.token}"
    base = {**card_form(client, path), "rating": "3"}
    bad_email = client.post(path, data={**base, "contact_email": "not-an-address"})
    assert bad_email.status_code == 422
    assert "This email address does not look right." in bad_email.text
    no_contact = client.post(path, data={**base, "wants_reply": "on"})
    assert no_contact.status_code == 422
    assert "leave an email address or a phone number" in no_contact.text
    assert stored_cards(session) == []


def test_staff_from_elsewhere_or_another_organisation_is_refused(
    client: TestClient, world: World, other_world: World, session: Session
) -> None:
    path = f"/c/{world.counter_code.token}"
    for outsider in (world.sam, other_world.maya):
        data = {**card_form(client, path), "rating": "4", "employee_id": str(outsider.id)}
        response = client.post(path, data=data)
        assert response.status_code == 422
        assert "Please pick someone from the list." in response.text
    assert stored_cards(session) == []


def test_rating_out_of_range_is_refused(client: TestClient, world: World, session: Session) -> None:
    path = f"/c/{world.counter_code.token}"
    for rating in ("0", "6", "abc"):
        response = client.post(path, data={**card_form(client, path), "rating": rating})
        assert response.status_code == 422
        assert "Please choose a face from 1 to 5." in response.text
    assert stored_cards(session) == []


def test_forged_or_expired_form_token_is_refused_keeping_the_card(
    client: TestClient, world: World, session: Session, app
) -> None:
    path = f"/c/{world.counter_code.token}"
    fields = card_form(client, path)
    nine_days_ago = int(utcnow().timestamp()) - 9 * 86400
    expired = sign_form_token(
        app.state.runtime.secret_key, "card", world.counter_code.token, issued_at=nine_days_ago
    )
    for token in ("123.forged", expired):
        response = client.post(
            path, data={**fields, "form_token": token, "rating": "4", "comment": "Kept"}
        )
        assert response.status_code == 422
        assert "please send it again" in response.text
        assert BeautifulSoup(response.text, "html.parser").select_one("#comment").text == "Kept"
    assert stored_cards(session) == []


def test_week_old_form_still_sends(client: TestClient, world: World, session: Session, app) -> None:
    """A card queued offline for a week is still accepted."""
    path = f"/c/{world.counter_code.token}"
    week_ago = int(utcnow().timestamp()) - 7 * 86400
    fields = card_form(client, path)
    fields["form_token"] = sign_form_token(
        app.state.runtime.secret_key, "card", world.counter_code.token, issued_at=week_ago
    )
    response = client.post(path, data={**fields, "rating": "4"})
    assert response.status_code == 200
    assert len(stored_cards(session)) == 1


def test_form_token_of_another_code_is_refused(
    client: TestClient, world: World, session: Session
) -> None:
    fields = card_form(client, f"/c/{world.terrace_code.token}")
    response = client.post(f"/c/{world.counter_code.token}", data={**fields, "rating": "4"})
    assert response.status_code == 422
    assert stored_cards(session) == []


def test_cross_site_post_is_refused(client: TestClient, world: World, session: Session) -> None:
    path = f"/c/{world.counter_code.token}"
    response = client.post(
        path,
        data={**card_form(client, path), "rating": "1"},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert stored_cards(session) == []


def test_unknown_code_is_a_friendly_404(client: TestClient, world: World) -> None:
    for token in ("ZZZZZZZZ", "nonsense-that-is-long", "a"):
        response = client.get(f"/c/{token}")
        assert response.status_code == 404
        assert "We couldn't find this card" in response.text


def test_revoked_code_says_so_and_takes_no_card(
    client: TestClient, world: World, session: Session
) -> None:
    path = f"/c/{world.counter_code.token}"
    fields = card_form(client, path)
    world.counter_code.revoked_at = utcnow()
    session.add(world.counter_code)
    session.commit()
    page = client.get(path)
    assert page.status_code == 410
    assert "This code is no longer in use" in page.text
    response = client.post(path, data={**fields, "rating": "4"})
    assert response.status_code == 410
    assert stored_cards(session) == []


def test_inactive_employee_badge_no_longer_works(
    client: TestClient, world: World, session: Session
) -> None:
    world.maya.active = False
    session.add(world.maya)
    session.commit()
    assert client.get(f"/c/{world.maya_code.token}").status_code == 410
    staff = BeautifulSoup(client.get(f"/c/{world.counter_code.token}").text, "html.parser")
    assert staff.select_one("#employee_id") is None  # Maya was the counter's only staff


def test_review_links_shown_whatever_the_rating(
    client: TestClient, world: World, session: Session
) -> None:
    world.organisation.review_links = [{"label": "Our reviews", "url": "https://reviews.example/x"}]
    session.add(world.organisation)
    session.commit()
    path = f"/c/{world.counter_code.token}"
    for rating in ("1", "5"):
        page = client.post(path, data={**card_form(client, path), "rating": rating})
        link = BeautifulSoup(page.text, "html.parser").select_one(".reviews a")
        assert link is not None
        assert link["href"] == "https://reviews.example/x"


def test_card_page_makes_no_third_party_request(client: TestClient, world: World) -> None:
    soup = BeautifulSoup(client.get(f"/c/{world.counter_code.token}").text, "html.parser")
    for tag, attribute in (("link", "href"), ("script", "src"), ("img", "src")):
        for element in soup.find_all(tag):
            value = element.get(attribute)
            assert not value or value.startswith("/"), value
    assert soup.select_one("form.card-form")["action"] == f"/c/{world.counter_code.token}"


def test_accent_colour_text_is_chosen_by_contrast(
    client: TestClient, world: World, session: Session
) -> None:
    path = f"/c/{world.counter_code.token}"
    for accent, text_colour in (("#ffe14d", "#000000"), ("#1f3a93", "#ffffff"), ("red;}", "")):
        world.organisation.accent_colour = accent
        session.add(world.organisation)
        session.commit()
        style = BeautifulSoup(client.get(path).text, "html.parser").style.get_text()
        if text_colour:
            assert f":root{{--accent:{accent};--on-accent:{text_colour}}}" in style
        else:  # Not a colour: the default is used, nothing of it reaches the CSS.
            assert "red;}" not in style
            assert "--accent:#2f6f5e;" in style


def test_a_form_is_read_as_a_browser_encodes_it(
    client: TestClient, world: World, session: Session
) -> None:
    path = f"/c/{world.counter_code.token}"
    fields = {**card_form(client, path), "rating": "5", "comment": "Très bien 👍 a+b=c & 100%"}
    # As a browser sends it: UTF-8, percent-encoded, spaces as "+".
    body = urlencode(fields).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    assert client.post(path, content=body, headers=headers).status_code == 200
    # The same form as multipart (a browser told so by the page) is read as well.
    again = {**card_form(client, path), "rating": "4", "comment": "Encore"}
    assert client.post(path, data=again, files={"photo": ("", b"")}).status_code == 200
    assert [(card.rating, card.comment) for card in stored_cards(session)] == [
        (5, "Très bien 👍 a+b=c & 100%"),
        (4, "Encore"),
    ]


def test_a_form_with_more_fields_than_any_card_is_refused(
    client: TestClient, world: World, session: Session
) -> None:
    path = f"/c/{world.counter_code.token}"
    fields = [*card_form(client, path).items(), ("rating", "4")]
    body = urlencode(fields + [(f"extra{n}", "x") for n in range(1_000)]).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    response = client.post(path, content=body, headers=headers)
    assert response.status_code == 400
    assert stored_cards(session) == []
