"""Reply templates: an organisation's reusable texts, offered in every card's reply form."""

from bs4 import BeautifulSoup
from sqlmodel import Session, select

from api.models import ReplyTemplate
from tests.client import TestClient
from tests.factories import World, make_card, reread
from tests.helpers import csrf_token

APOLOGY = "We are sorry about your visit.\nPlease come back as our guest."


def templates_in(session: Session) -> list[tuple[str, str]]:
    reread(session)
    return [(t.title, t.body) for t in session.exec(select(ReplyTemplate)).all()]


def add(client: TestClient, title: str, body: str) -> int:
    token = csrf_token(client, "/inbox/templates")
    response = client.post(
        "/inbox/templates", data={"csrf_token": token, "title": title, "body": body}
    )
    assert response.status_code == 303, response.text
    return response.status_code


def test_managers_add_change_and_delete_templates(
    manager_client: TestClient, session: Session
) -> None:
    add(manager_client, "Apology", APOLOGY)
    assert templates_in(session) == [("Apology", APOLOGY)]
    [template] = session.exec(select(ReplyTemplate)).all()
    token = csrf_token(manager_client, "/inbox/templates")

    changed = manager_client.post(
        f"/inbox/templates/{template.id}",
        data={"csrf_token": token, "title": "Sorry", "body": "Sorry again."},
    )
    assert changed.status_code == 303
    assert templates_in(session) == [("Sorry", "Sorry again.")]
    assert "Sorry again." in manager_client.get("/inbox/templates").text

    deleted = manager_client.post(
        f"/inbox/templates/{template.id}/delete", data={"csrf_token": token}
    )
    assert deleted.status_code == 303
    assert templates_in(session) == []


def test_a_template_without_a_title_comes_back_with_the_text_kept(
    manager_client: TestClient, session: Session
) -> None:
    token = csrf_token(manager_client, "/inbox/templates")

    response = manager_client.post(
        "/inbox/templates", data={"csrf_token": token, "title": " ", "body": APOLOGY}
    )

    assert response.status_code == 422
    page = BeautifulSoup(response.text, "html.parser")
    assert page.select_one("#new-body").get_text() == APOLOGY
    assert "title" in page.select_one(".error-summary").get_text()
    assert templates_in(session) == []


def test_the_reply_form_offers_templates_and_prefills_one_without_javascript(
    manager_client: TestClient, session: Session, world: World, other_world: World
) -> None:
    card = make_card(session, code=world.counter_code)
    add(manager_client, "Apology", APOLOGY)
    [template] = session.exec(select(ReplyTemplate)).all()
    theirs = ReplyTemplate(organisation_id=other_world.organisation.id, title="X", body="Theirs")
    session.add(theirs)
    session.commit()

    plain = BeautifulSoup(manager_client.get(f"/inbox/{card.id}").text, "html.parser")
    chosen = BeautifulSoup(
        manager_client.get(f"/inbox/{card.id}?template={template.id}").text, "html.parser"
    )
    foreign = BeautifulSoup(
        manager_client.get(f"/inbox/{card.id}?template={theirs.id}").text, "html.parser"
    )

    options = plain.select("select[name=template] option[data-body]")
    assert [(o.get_text(), o["data-body"]) for o in options] == [("Apology", APOLOGY)]
    assert plain.select_one("#reply-body").get_text() == ""
    assert chosen.select_one("#reply-body").get_text() == APOLOGY
    assert foreign.select_one("#reply-body").get_text() == ""
    assert "Theirs" not in str(plain)
