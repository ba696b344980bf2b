"""The owner's Data page, a rights request, the customer's own erasure, an organisation's end."""

import json

from sqlmodel import Session, col, select

from api.inbox.card_work import add_note
from api.models import Card, Event, EventKind, Organisation, RetentionPolicy, User
from tests.client import TestClient
from tests.customer.test_follow_up import owner, send_secret_card
from tests.factories import World, make_card, reread
from tests.helpers import csrf_token, soup

EMAIL = "Ada.Lovelace@Example.com"
PHONE = "+44 20 7946 0958"


def test_an_owner_confirms_the_proposed_retention(
    manager_client: TestClient, session: Session, world: World
) -> None:
    """A new organisation's policy is proposed, not applied, until the owner saves it."""
    page = manager_client.get("/admin/data")
    assert "Proposed, not yet confirmed" in page.text
    assert soup(page).select_one("#retention-contact")["value"] == "180"  # type: ignore[index]
    token = csrf_token(manager_client, "/admin/data")
    refused = manager_client.post(
        "/admin/data/retention",
        data={"csrf_token": token, "contact_days": "7", "card_days": "400"},
    )
    assert refused.status_code == 422
    assert soup(refused).select_one("#retention-cards")["value"] == "400"  # type: ignore[index]
    saved = manager_client.post(
        "/admin/data/retention", data={"csrf_token": token, "contact_days": "90", "card_days": ""}
    )
    assert saved.status_code == 303
    reread(session)
    policy = session.get(RetentionPolicy, world.organisation.id)
    assert policy is not None
    assert policy.confirmed_at is not None
    assert (policy.contact_days, policy.card_days) == (90, None)
    assert "Proposed" not in manager_client.get("/admin/data").text


def privacy_line(client: TestClient, world: World, language: str = "en") -> str:
    page = client.get(f"/c/{world.counter_code.token}", headers={"Accept-Language": language})
    line = soup(page).select_one(".privacy")
    assert line is not None
    return " ".join(line.get_text().split())


def test_the_card_says_what_is_kept_and_for_how_long(
    manager_client: TestClient, world: World
) -> None:
    """The built-in line in every language, and an owner's own with {days}."""
    assert "Cards are kept until Harbour Café deletes them." in privacy_line(manager_client, world)
    token = csrf_token(manager_client, "/admin/data")
    manager_client.post(
        "/admin/data/retention",
        data={"csrf_token": token, "contact_days": "90", "card_days": "400"},
    )
    line = privacy_line(manager_client, world)
    assert (
        "Your contact details are deleted after 90 days. Cards are deleted after 400 days." in line
    )
    assert "Vos coordonnées sont supprimées après 90 jours." in privacy_line(
        manager_client, world, "fr"
    )
    own = {"csrf_token": token, "language": "en", "data_use": "We keep your email {days} days."}
    assert manager_client.post("/admin/card-texts", data=own).status_code == 303
    assert privacy_line(manager_client, world) == "We keep your email 90 days."
    wrong = own | {"data_use": "Kept for {weeks} weeks."}
    assert manager_client.post("/admin/card-texts", data=wrong).status_code == 422


def test_a_rights_request_finds_exports_and_erases_a_customers_cards(
    manager_client: TestClient, session: Session, world: World, other_world: World
) -> None:
    by_email = make_card(
        session, code=world.counter_code, comment="Cold soup", contact_email=EMAIL.lower()
    )
    by_phone = make_card(
        session, code=world.maya_code, comment="Slow", contact_phone="020 7946 0958 ext"
    )
    make_card(
        session, code=world.counter_code, comment="Someone else", contact_email="b@example.com"
    )
    theirs = make_card(session, code=other_world.counter_code, contact_email=EMAIL)
    add_note(
        session=session, tenant=owner(world), card_id=by_email.id or 0, body="Regular, table 4"
    )
    token = csrf_token(manager_client, "/admin/data")

    empty = manager_client.post("/admin/data/rights", data={"csrf_token": token})
    assert empty.status_code == 422
    found = manager_client.post(
        "/admin/data/rights", data={"csrf_token": token, "email": EMAIL, "phone": ""}
    )
    assert found.status_code == 200
    assert "Cold soup" in found.text
    assert "Regular, table 4" in found.text
    assert "Someone else" not in found.text
    assert EMAIL not in found.url.query.decode()
    by_number = manager_client.post(
        "/admin/data/rights/export.json", data={"csrf_token": token, "phone": PHONE}
    )
    assert [card["id"] for card in json.loads(by_number.text)["cards"]] == [by_phone.id]
    query = {"csrf_token": token, "email": EMAIL, "phone": "0207946 0958"}
    cards = json.loads(manager_client.post("/admin/data/rights/export.json", data=query).text)[
        "cards"
    ]
    assert sorted(card["id"] for card in cards) == sorted([by_email.id, by_phone.id])
    assert cards[0]["notes"][0]["body"] == "Regular, table 4"

    ids = (by_email.id, by_phone.id, theirs.id)
    unchecked = manager_client.post("/admin/data/rights/erase", data=query)
    assert unchecked.status_code == 422
    assert "Tick the box" in unchecked.text
    erased = manager_client.post("/admin/data/rights/erase", data=query | {"checked": "on"})
    assert erased.headers["location"] == "/admin/data?erased=2"
    reread(session)
    left = session.exec(select(Card.id).order_by(col(Card.id))).all()
    assert ids[0] not in left
    assert ids[1] not in left
    assert ids[2] in left
    assert len(left) == 2
    [audit] = session.exec(select(Event).where(Event.kind == EventKind.data_erased)).all()
    assert audit.data == {"by": "owner", "cards": 2}
    assert audit.actor_id == world.owner.id
    assert "Erased 2 cards" in manager_client.get("/admin/data?erased=2").text


def test_a_customer_erases_their_own_card(
    client: TestClient, session: Session, world: World
) -> None:
    path = send_secret_card(client, world, contact_email=EMAIL, wants_reply="on")
    assert f'href="{path}/erase"' in client.get(path).text
    confirm = client.get(f"{path}/erase")
    form = soup(confirm).select_one("form.erase-form")
    assert form is not None
    assert form["action"] == f"{path}/erase"
    assert client.post(f"{path}/erase").status_code == 200
    reread(session)
    assert session.exec(select(Card)).all() == []
    assert session.exec(select(Event).where(Event.kind == EventKind.data_erased)).one().data == {
        "by": "customer",
        "cards": 1,
    }
    assert client.get(path).status_code == 404
    assert client.post(f"{path}/erase").status_code == 404


def test_an_owner_deletes_the_organisation(
    manager_client: TestClient, session: Session, world: World, other_world: World
) -> None:
    make_card(session, code=world.counter_code, contact_email=EMAIL)
    page = manager_client.get("/admin/data/delete")
    assert "tellus backup" in page.text
    token = csrf_token(manager_client, "/admin/data/delete")
    wrong = manager_client.post(
        "/admin/data/delete", data={"csrf_token": token, "confirm": "Harbour"}
    )
    assert wrong.status_code == 422
    assert soup(wrong).select_one("#delete-confirm")["value"] == "Harbour"  # type: ignore[index]
    done = manager_client.post(
        "/admin/data/delete", data={"csrf_token": token, "confirm": "Harbour Café"}
    )
    assert done.headers["location"] == "/login"
    reread(session)
    assert session.exec(select(Organisation.name)).all() == ["Rival Bakery"]
    assert session.exec(select(User.email)).all() == [other_world.owner_email]
    assert manager_client.get("/admin/data").status_code in (303, 401)
