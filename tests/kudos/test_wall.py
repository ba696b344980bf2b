"""The kudos wall's gate, on both engines: only a compliment its customer chose to share and a
manager approved shows, until either withdraws it; a TV link an owner revokes shows nothing."""

import re

from bs4 import BeautifulSoup
from sqlmodel import Session, select

from api.customer.follow_up.service import follow_up_hash
from api.models import Card
from api.security import new_secret
from api.setup.api_keys.service import create_api_key
from tests.client import TestClient
from tests.factories import World, make_card, reread
from tests.helpers import csrf_token, log_in, send_card

SHARED = "Maya drew a heart in my flat white and knew my name by the second visit."
CONTACT = "lena.private@example.com"


def history(client: TestClient, card_id: int | None) -> list[tuple[str, str]]:
    """Who did what, in the card's history on its inbox page."""
    page = BeautifulSoup(client.get(f"/inbox/{card_id}").text, "html.parser")
    return [
        (
            item.select_one(".who").get_text(strip=True),
            item.select_one(".what").get_text(strip=True),
        )
        for item in page.select(".history li")
    ]


def wall_text(client: TestClient, world: World, location_id: int | None = None) -> str:
    path = f"/kudos/{world.organisation.slug}" + (f"/{location_id}" if location_id else "")
    response = client.get(path)
    assert response.status_code == 200, response.text
    return BeautifulSoup(response.text, "html.parser").get_text(" ", strip=True)


def follow_up_token(thanks_html: str) -> str:
    link = BeautifulSoup(thanks_html, "html.parser").select_one("a[data-follow-up]")
    assert link is not None
    return str(link["href"]).rsplit("/", 1)[1]


def stored(session: Session, comment: str) -> Card:
    reread(session)
    return session.exec(select(Card).where(Card.comment == comment)).one()


def approve(client: TestClient, card: Card) -> int:
    data = {"csrf_token": csrf_token(client, f"/inbox/{card.id}")}
    return client.post(f"/inbox/{card.id}/share/approve", data=data).status_code


def test_only_shared_approved_compliments_show_until_withdrawn(
    manager_client: TestClient, session: Session, world: World
) -> None:
    client = manager_client
    # Through the card form, as a browser without JavaScript sends it.
    thanks = send_card(
        client,
        world.counter_code.token,
        rating=5,
        comment=SHARED,
        employee_id=str(world.maya.id),
        contact_name="Lena Private",
        contact_email=CONTACT,
        share_publicly="on",
        share_name="Lena",
    )
    shared = stored(session, SHARED)
    assert (shared.share_publicly, shared.share_name) == (True, "Lena")
    send_card(client, world.counter_code.token, rating=5, comment="Not shared at all")
    # A complaint's consent is dropped: only a compliment may be shared.
    send_card(
        client,
        world.counter_code.token,
        rating=2,
        comment="Cold food, shared by mistake",
        share_publicly="on",
        share_name="Grumpy",
    )
    complaint = stored(session, "Cold food, shared by mistake")
    assert (complaint.share_publicly, complaint.share_name) == (False, "")
    waiting = make_card(session, code=world.terrace_code, comment="Waiting", share_publicly=True)
    # Even a row that somehow holds consent and an approval stays off with a rating below 4.
    make_card(
        session,
        code=world.terrace_code,
        rating=3,
        comment="Three faces, approved",
        share_publicly=True,
        share_approved_at=waiting.created_at,
    )

    assert SHARED not in wall_text(client, world), "not approved yet"
    row = BeautifulSoup(client.get("/inbox").text, "html.parser").select_one(f"#card-{shared.id}")
    assert row is not None
    assert "Approve for the wall" in row.get_text()
    assert approve(client, shared) == 303
    assert approve(client, stored(session, "Not shared at all")) == 422
    assert approve(client, complaint) == 422

    text = wall_text(client, world)
    assert SHARED in text
    assert "Lena" in text
    assert "For Maya" in text
    assert "selected by our team" in text
    for hidden in ("Not shared", "Cold food", "Waiting", "Three faces", CONTACT, "Private"):
        assert hidden not in text
    assert SHARED in wall_text(client, world, world.counter.id)
    assert SHARED not in wall_text(client, world, world.terrace.id)

    # The customer takes it back from their follow-up page: it leaves the wall for good.
    token = follow_up_token(thanks.text)
    page = client.get(f"/f/{token}")
    assert "Your compliment is on Harbour Café's kudos wall." in page.text
    assert client.post(f"/f/{token}/share/withdraw").status_code == 303
    assert "no longer shared" in client.get(f"/f/{token}").text
    assert SHARED not in wall_text(client, world)
    assert approve(client, shared) == 409


def test_the_api_carries_consent_and_a_manager_can_approve_and_withdraw(
    client: TestClient, session: Session, world: World
) -> None:
    answer = client.post(
        f"/api/v1/codes/{world.counter_code.token}/cards",
        json={"rating": 4, "comment": "By the API", "share_publicly": True, "share_name": "J."},
        headers={"Idempotency-Key": new_secret(12)},
    )
    assert answer.status_code == 201, answer.text
    card_id = answer.json()["id"]
    token = answer.json()["follow_up_url"].rsplit("/", 1)[1]
    key, _ = create_api_key(session=session, organisation=world.organisation, name="till")
    bearer = {"Authorization": f"Bearer {key}"}

    assert client.get(f"/api/v1/follow-up/{token}").json()["shared"] == "waiting"
    approved = client.post(f"/api/v1/cards/{card_id}/share/approve", headers=bearer)
    assert approved.status_code == 200, approved.text
    assert approved.json()["share"]["state"] == "shown"
    assert approved.json()["share"]["name"] == "J."
    assert "By the API" in wall_text(client, world)
    withdrawn = client.post(f"/api/v1/cards/{card_id}/share/withdraw", headers=bearer)
    assert withdrawn.json()["share"]["state"] == "withdrawn"
    assert "By the API" not in wall_text(client, world)
    assert client.get(f"/api/v1/follow-up/{token}").json()["shared"] == "withdrawn"
    again = client.post(f"/api/v1/cards/{card_id}/share/approve", headers=bearer)
    assert again.status_code == 409

    # The customer's own withdrawal through the API; a card never shared cannot be.
    other = make_card(
        session,
        code=world.counter_code,
        share_publicly=True,
        follow_up_hash=follow_up_hash(own := new_secret(24)),
    )
    assert client.post(f"/api/v1/follow-up/{own}/share/withdraw").status_code == 200
    # Each step is in the card's history, with who took it: the API key, then the customer.
    log_in(client, world.owner_email, world.password)
    assert history(client, card_id)[1:] == [
        ("API", "put the compliment on the kudos wall"),
        ("API", "took the compliment off the kudos wall"),
    ]
    # Withdrawn before a manager approved it: kept off the wall, never on it.
    assert history(client, other.id)[1:] == [("Customer", "kept the compliment off the kudos wall")]
    as_json = client.get(f"/api/v1/cards/{other.id}/history", headers=bearer).json()[-1]
    assert as_json["kind"] == "card.shared"
    assert as_json["actor"] is None
    assert as_json["by_customer"] is True
    assert (as_json["before"], as_json["after"]) == ("waiting", "withdrawn")
    reread(session)
    assert session.get_one(Card, other.id).share_withdrawn_at is not None
    plain = make_card(
        session, code=world.counter_code, follow_up_hash=follow_up_hash(new := new_secret(24))
    )
    assert plain.id is not None
    assert client.post(f"/api/v1/follow-up/{new}/share/withdraw").status_code == 422


def test_an_archived_employee_leaves_the_wall(
    manager_client: TestClient, session: Session, world: World
) -> None:
    make_card(
        session,
        code=world.maya_code,
        rating=5,
        comment="Maya is the best",
        share_publicly=True,
    )
    make_card(session, code=world.counter_code, comment="The place is lovely", share_publicly=True)
    for row in session.exec(select(Card).where(Card.share_publicly)).all():
        assert approve(manager_client, row) == 303
    assert "Maya is the best" in wall_text(manager_client, world)

    # Set-up's Archive, confirmed as an owner does it.
    data = {"csrf_token": csrf_token(manager_client, "/admin/employees")}
    path = f"/admin/employees/{world.maya.id}/archive"
    assert manager_client.post(path, data=data).status_code == 303
    text = wall_text(manager_client, world)
    assert "Maya" not in text
    assert "The place is lovely" in text, "a card naming nobody stays"


def test_a_tv_link_shows_the_wall_until_it_is_replaced_or_revoked(
    manager_client: TestClient, session: Session, world: World
) -> None:
    client = manager_client
    card = make_card(session, code=world.counter_code, comment="Great team", share_publicly=True)
    assert approve(client, card) == 303
    csrf = {"csrf_token": csrf_token(client, "/admin/kudos")}
    made = client.post("/admin/kudos/screens", data=csrf)
    assert made.status_code == 200
    first = re.search(r"/tv/([A-Za-z0-9_-]{32})", made.text)
    assert first is not None
    tv = f"/tv/{first.group(1)}"
    assert "Great team" in client.get(tv).text
    assert client.get(f"{tv}/kudos.json").json()["kudos"][0]["id"] == card.id

    screen_id = re.search(r"/admin/kudos/screens/(\d+)/replace", client.get("/admin/kudos").text)
    assert screen_id is not None
    replaced = client.post(f"/admin/kudos/screens/{screen_id.group(1)}/replace", data=csrf)
    second = re.search(r"/tv/([A-Za-z0-9_-]{32})", replaced.text)
    assert second is not None
    assert second.group(1) != first.group(1)
    for path in (tv, f"{tv}/kudos.json"):
        gone = client.get(path)
        assert gone.status_code == 404
        assert "Great team" not in gone.text

    new_tv = f"/tv/{second.group(1)}"
    assert "Great team" in client.get(new_tv).text
    new_id = re.search(r"/admin/kudos/screens/(\d+)/revoke", client.get("/admin/kudos").text)
    assert new_id is not None
    assert (
        client.post(f"/admin/kudos/screens/{new_id.group(1)}/revoke", data=csrf).status_code == 303
    )
    assert client.get(new_tv).status_code == 404
    assert client.get(f"{new_tv}/kudos.json").status_code == 404
