"""Thank & pass on: a compliment reaches the employee it names, once, with a manager's note, and
the customer learns it mattered; complaints never leave the managers."""

import re

import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from sqlmodel import Session, select

from api.config import Settings
from api.customer.follow_up.service import follow_up_hash
from api.inbox.live import read_changes
from api.models import Card, Employee, PassOn, Role
from api.security import new_secret
from api.setup.api_keys.service import create_api_key
from api.tenancy import Tenant
from tests.client import TestClient
from tests.factories import World, make_card, make_manager, reread
from tests.helpers import csrf_token, log_in
from tests.smtp import SmtpServer

CUSTOMER = "guest@example.org"
NOTE = "Maya, thank you: this is exactly the welcome we want.\nCoffee is on me."


def give_maya_an_address(session: Session, world: World, *, language: str = "") -> None:
    maya = session.get_one(Employee, world.maya.id)
    maya.display_name, maya.email, maya.language = "Maya Lindqvist", "maya@example.com", language
    session.add(maya)
    session.commit()


def compliment(session: Session, world: World, **fields: object) -> Card:
    """Five faces for Maya from the counter, as a customer would send them."""
    values: dict[str, object] = {
        "rating": 5,
        "comment": "Maya remembered my order",
        "employee_id": world.maya.id,
    }
    return make_card(session, code=world.counter_code, **(values | fields))


def pass_on(client: TestClient, card: Card, note: str = NOTE, **fields: str) -> object:
    token = csrf_token(client, f"/inbox/{card.id}")
    return client.post(
        f"/inbox/{card.id}/pass-on", data={"csrf_token": token, "note": note, **fields}
    )


def section(client: TestClient, card: Card) -> str:
    page = BeautifulSoup(client.get(f"/inbox/{card.id}").text, "html.parser")
    found = page.select_one("section.pass-on")
    return found.get_text(" ", strip=True) if found else ""


def test_the_employee_gets_the_compliment_and_the_note_and_nothing_private(
    manager_client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    smtp_server: SmtpServer,
) -> None:
    settings.smtp_url = smtp_server.url
    give_maya_an_address(session, world)
    make_card(session, code=world.counter_code, rating=1, comment="Another card: cold soup")
    card = compliment(
        session,
        world,
        contact_name="Ada Customer",
        contact_email=CUSTOMER,
        contact_phone="+44 20 7946 0000",
    )
    assert "Thank & pass on to Maya Lindqvist" in section(manager_client, card)

    response = pass_on(manager_client, card, copy_owner_id=str(world.owner.id))

    assert response.status_code == 303, response.text  # type: ignore[attr-defined]
    [message] = smtp_server.inbox.wait_for(1)
    assert message["To"] == "maya@example.com"
    assert message["Cc"] == world.owner_email
    assert message["Subject"] == "A customer's compliment for you, from Harbour Café"
    assert message["Reply-To"].endswith(f"<{world.owner_email}>")
    body = message.get_content().replace("\r\n", "\n")
    assert body.startswith("Hello Maya,")
    assert "> Maya remembered my order" in body
    assert NOTE in body
    assert "At Counter" in body
    for private in ("Ada Customer", CUSTOMER, "7946", "cold soup"):
        assert private not in body, private
    shown = section(manager_client, card)
    assert "Passed on to Maya Lindqvist" in shown
    assert "Emailed to maya@example.com." in shown
    assert f"Copied to {world.owner_email}." in shown
    history = manager_client.get(f"/inbox/{card.id}").text
    assert "thanked Maya Lindqvist and passed the compliment on" in history
    reread(session)
    [stored] = session.exec(select(PassOn)).all()
    assert (stored.card_id, stored.employee_id, stored.passed_on_by_id) == (
        card.id,
        world.maya.id,
        world.owner.id,
    )
    assert (stored.email_status, stored.customer_email_status) == ("sent", "none")
    assert session.get_one(Card, card.id).status == "seen", "passing it on means it was read"


def test_passing_on_twice_is_refused_and_sends_nothing_more(
    manager_client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    smtp_server: SmtpServer,
) -> None:
    settings.smtp_url = smtp_server.url
    give_maya_an_address(session, world)
    card = compliment(session, world)
    assert pass_on(manager_client, card).status_code == 303  # type: ignore[attr-defined]
    smtp_server.inbox.wait_for(1)

    token = csrf_token(manager_client, f"/inbox/{card.id}")
    again = manager_client.post(
        f"/inbox/{card.id}/pass-on", data={"csrf_token": token, "note": "Once more"}
    )

    assert again.status_code == 409
    assert "This compliment has already been passed on." in again.text
    assert len(smtp_server.messages) == 1
    reread(session)
    assert len(session.exec(select(PassOn)).all()) == 1


@pytest.mark.parametrize(
    ("fields", "refusal"),
    [
        ({"rating": 2, "comment": "Maya ignored me"}, "Only a compliment (rated 4 or 5)"),
        ({"rating": 3}, "Only a compliment (rated 4 or 5)"),
        ({"employee_id": None}, "This card names nobody to pass it on to."),
    ],
)
def test_only_a_compliment_that_names_someone_can_be_passed_on(
    manager_client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    smtp_server: SmtpServer,
    fields: dict[str, object],
    refusal: str,
) -> None:
    settings.smtp_url = smtp_server.url
    give_maya_an_address(session, world)
    card = compliment(session, world, **fields)
    page = manager_client.get(f"/inbox/{card.id}").text
    assert "Thank &amp; pass on" not in page, "no form where it cannot be done"

    response = pass_on(manager_client, card)

    assert response.status_code == 422  # type: ignore[attr-defined]
    assert refusal in response.text  # type: ignore[attr-defined]
    assert smtp_server.messages == [], "a complaint never reaches the employee it names"
    reread(session)
    assert session.exec(select(PassOn)).all() == []


def test_an_empty_note_is_refused_with_the_form_kept(
    manager_client: TestClient, session: Session, world: World
) -> None:
    card = compliment(session, world)

    response = pass_on(manager_client, card, note="   ")

    assert response.status_code == 422  # type: ignore[attr-defined]
    page = BeautifulSoup(response.text, "html.parser")  # type: ignore[attr-defined]
    error = page.select_one("#pass-on-error")
    assert error is not None
    assert error.get_text() == "Please write a note of thanks first."
    assert page.select_one("#pass-on-note") is not None


def test_an_employee_without_an_address_is_still_thanked_and_it_is_recorded(
    manager_client: TestClient, session: Session, world: World, settings: Settings
) -> None:
    card = compliment(session, world)

    assert pass_on(manager_client, card).status_code == 303  # type: ignore[attr-defined]

    shown = section(manager_client, card)
    assert "Passed on to Maya" in shown
    assert "They have no email address: it is recorded for them." in shown
    reread(session)
    [stored] = session.exec(select(PassOn)).all()
    assert (stored.note, stored.email_status) == (NOTE, "none")


def test_the_email_speaks_the_employees_language(
    manager_client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    smtp_server: SmtpServer,
) -> None:
    settings.smtp_url = smtp_server.url
    give_maya_an_address(session, world, language="fr")
    card = compliment(session, world)

    pass_on(manager_client, card)

    [message] = smtp_server.inbox.wait_for(1)
    assert message["Subject"] == "Un compliment d'un client pour vous, de la part de Harbour Café"
    assert message.get_content().startswith("Bonjour Maya,")


def test_the_customer_learns_it_reached_the_person_by_first_name_only(
    manager_client: TestClient,
    client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    smtp_server: SmtpServer,
) -> None:
    settings.smtp_url = smtp_server.url
    give_maya_an_address(session, world)
    token = new_secret(24)
    card = compliment(
        session,
        world,
        contact_email=CUSTOMER,
        wants_reply=True,
        language="es",
        follow_up_hash=follow_up_hash(token),
    )

    pass_on(manager_client, card)

    messages = smtp_server.inbox.wait_for(2)
    [told] = [m for m in messages if m["To"] == CUSTOMER]
    assert told["Subject"] == "Su cumplido llegó a Maya"
    body = told.get_content()
    assert "Lindqvist" not in body
    assert "maya@example.com" not in body
    assert NOTE not in body
    assert re.search(r"http://testserver/f/[\w-]{32}", body)
    manager_client.cookies.clear()
    follow = BeautifulSoup(client.get(f"/f/{token}").text, "html.parser")
    step = follow.select_one(".step-passed-on")
    assert step is not None
    assert "Su cumplido se entregó a Maya" in step.get_text()
    assert "Lindqvist" not in follow.get_text()
    answer = client.get(f"/api/v1/follow-up/{token}").json()
    assert (answer["passed_on"], answer["passed_on_to"]) == (True, "Maya")
    reread(session)
    assert session.exec(select(PassOn.customer_email_status)).one() == "sent"


def test_a_customer_who_did_not_ask_to_hear_back_gets_no_email(
    manager_client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    smtp_server: SmtpServer,
) -> None:
    settings.smtp_url = smtp_server.url
    give_maya_an_address(session, world)
    card = compliment(session, world, contact_email=CUSTOMER, wants_reply=False)

    pass_on(manager_client, card)

    smtp_server.inbox.wait_for(1)
    assert [str(m["To"]) for m in smtp_server.messages] == ["maya@example.com"]


def test_a_manager_limited_to_another_location_cannot_pass_it_on(
    app: FastAPI, session: Session, world: World
) -> None:
    assert world.terrace.id is not None
    make_manager(
        session,
        world=world,
        email="terrace@example.com",
        location_ids=frozenset({world.terrace.id}),
    )
    card = compliment(session, world)
    with TestClient(app, follow_redirects=False) as terrace:
        log_in(terrace, "terrace@example.com", world.password)
        token = csrf_token(terrace)
        response = terrace.post(
            f"/inbox/{card.id}/pass-on", data={"csrf_token": token, "note": NOTE}
        )

    assert response.status_code == 404
    reread(session)
    assert session.exec(select(PassOn)).all() == []


def test_only_an_owner_of_the_organisation_can_be_copied_in(
    manager_client: TestClient, session: Session, world: World, other_world: World
) -> None:
    manager = make_manager(session, world=world, email="kim@example.com")
    card = compliment(session, world)

    for stranger in (manager.id, other_world.owner.id):
        response = pass_on(manager_client, card, copy_owner_id=str(stranger))
        assert response.status_code == 422  # type: ignore[attr-defined]
        assert "Choose an owner of this organisation" in response.text  # type: ignore[attr-defined]
    reread(session)
    assert session.exec(select(PassOn)).all() == []


def test_the_api_passes_a_compliment_on_once_and_the_card_says_so(
    client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    smtp_server: SmtpServer,
) -> None:
    settings.smtp_url = smtp_server.url
    give_maya_an_address(session, world)
    key, _ = create_api_key(session=session, organisation=world.organisation, name="till")
    bearer = {"Authorization": f"Bearer {key}"}
    card = compliment(session, world)

    created = client.post(f"/api/v1/cards/{card.id}/pass-on", json={"note": NOTE}, headers=bearer)
    again = client.post(f"/api/v1/cards/{card.id}/pass-on", json={"note": NOTE}, headers=bearer)
    read = client.get(f"/api/v1/cards/{card.id}", headers=bearer).json()

    assert created.status_code == 201, created.text
    assert created.json() | {"created_at": None} == {
        "card_id": card.id,
        "employee_id": world.maya.id,
        "employee_name": "Maya Lindqvist",
        "note": NOTE,
        "passed_on_by": None,
        "created_at": None,
        "email_status": "sent",
        "email_to": "maya@example.com",
        "email_error": "",
        "copy_to": "",
        "customer_email_status": "none",
    }
    assert again.status_code == 409
    assert again.json() == {"detail": "This compliment has already been passed on."}
    assert read["compliment"] is True
    assert read["passed_on"]["note"] == NOTE
    smtp_server.inbox.wait_for(1)


def test_the_live_inbox_is_told_who_passed_it_on(
    app: FastAPI, manager_client: TestClient, session: Session, world: World
) -> None:
    card = compliment(session, world)
    assert world.organisation.id is not None
    tenant = Tenant(organisation_id=world.organisation.id, role=Role.owner, user_id=world.owner.id)
    start = read_changes(
        engine=app.state.runtime.engine, tenant=tenant, after_id=0, limit=100
    ).last_event_id

    pass_on(manager_client, card)

    changes = read_changes(
        engine=app.state.runtime.engine, tenant=tenant, after_id=start, limit=100
    ).changes
    [passed] = [change for change in changes if change.kind == "card.passed_on"]
    assert passed.card.passed_on is not None
    assert passed.card.passed_on.passed_on_by == world.owner_email
    inbox = BeautifulSoup(manager_client.get("/inbox").text, "html.parser")
    row = inbox.select_one(f"#card-{card.id}")
    assert row is not None
    assert "Passed on" in row.get_text()
