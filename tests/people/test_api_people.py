"""People and mail through the API: an API key acts with an owner's rights."""

import logging

import pytest
from sqlmodel import Session, select

from api.config import Settings
from api.models import Invitation, OrganisationMailServer
from api.setup.api_keys.service import create_api_key
from tests.client import TestClient
from tests.factories import PASSWORD, World, make_manager, reread
from tests.helpers import log_in, second_browser
from tests.smtp import SmtpServer
from tests.sockets import refused_port


@pytest.fixture
def bearer(session: Session, world: World) -> dict[str, str]:
    key, _ = create_api_key(session=session, organisation=world.organisation, name="Script")
    return {"Authorization": f"Bearer {key}"}


def member_id(client: TestClient, bearer: dict[str, str], email: str) -> int:
    members = client.get("/api/v1/members", headers=bearer).json()
    return next(member["id"] for member in members if member["email"] == email)


def test_members_are_listed_changed_and_removed(
    client: TestClient, app, bearer: dict[str, str], session: Session, world: World
) -> None:
    make_manager(session, world=world, email="lee@example.com")
    members = client.get("/api/v1/members", headers=bearer).json()
    assert [(m["email"], m["role"]) for m in members] == [
        (world.owner_email, "owner"),
        ("lee@example.com", "manager"),
    ]
    lee = member_id(client, bearer, "lee@example.com")

    changed = client.put(
        f"/api/v1/members/{lee}",
        headers=bearer,
        json={"role": "manager", "location_ids": [world.counter.id]},
    )
    assert changed.status_code == 200
    assert changed.json()["location_ids"] == [world.counter.id]

    with second_browser(app) as browser:
        log_in(browser, "lee@example.com", PASSWORD)
        assert client.delete(f"/api/v1/members/{lee}", headers=bearer).status_code == 204
        assert browser.get("/inbox").status_code == 303
    assert [m["email"] for m in client.get("/api/v1/members", headers=bearer).json()] == [
        world.owner_email
    ]


def test_the_last_owner_stays(client: TestClient, bearer: dict[str, str], world: World) -> None:
    owner = member_id(client, bearer, world.owner_email)
    demoted = client.put(f"/api/v1/members/{owner}", headers=bearer, json={"role": "staff"})
    removed = client.delete(f"/api/v1/members/{owner}", headers=bearer)
    for answer in (demoted, removed):
        assert answer.status_code == 409
        assert "at least one owner" in answer.json()["detail"]


def test_locations_of_another_organisation_are_refused(
    client: TestClient, bearer: dict[str, str], session: Session, world: World, other_world: World
) -> None:
    answer = client.post(
        "/api/v1/invitations",
        headers=bearer,
        json={"email": "lee@example.com", "location_ids": [other_world.counter.id]},
    )
    assert answer.status_code == 422
    reread(session)
    assert session.exec(select(Invitation)).first() is None


def test_an_invitation_gives_its_link_only_when_not_emailed(
    client: TestClient,
    bearer: dict[str, str],
    settings: Settings,
    smtp_server: SmtpServer,
    caplog: pytest.LogCaptureFixture,
    world: World,
) -> None:
    caplog.set_level(logging.DEBUG, logger="api")
    staff = {"email": "lee@example.com", "role": "staff"}
    nobody = client.post("/api/v1/invitations", headers=bearer, json=staff)
    assert nobody.status_code == 422
    assert nobody.json()["detail"] == "Choose the employee this staff member is."
    by_hand = client.post(
        "/api/v1/invitations", headers=bearer, json=staff | {"employee_id": world.maya.id}
    )
    assert by_hand.status_code == 201
    body = by_hand.json()
    assert body["employee_id"] == world.maya.id
    assert body["emailed"] is False
    assert body["link"].startswith("http://testserver/invitations/")
    assert body["link"].rsplit("/", 1)[1] not in caplog.text

    settings.smtp_url = smtp_server.url
    emailed = client.post(
        "/api/v1/invitations", headers=bearer, json={"email": "sam@example.com"}
    ).json()
    assert emailed["emailed"] is True
    assert emailed["link"] is None
    [message] = smtp_server.inbox.wait_for(1)
    assert message["To"] == "sam@example.com"

    listed = client.get("/api/v1/invitations", headers=bearer).json()
    assert {item["email"] for item in listed} == {"lee@example.com", "sam@example.com"}
    assert all(item["link"] is None for item in listed)
    revoked = client.post(f"/api/v1/invitations/{body['id']}/revoke", headers=bearer)
    assert revoked.status_code == 200
    assert client.get(body["link"].removeprefix("http://testserver")).status_code == 410
    assert [i["email"] for i in client.get("/api/v1/invitations", headers=bearer).json()] == [
        "sam@example.com"
    ]


def test_the_mail_server_is_set_read_tested_and_removed(
    client: TestClient,
    bearer: dict[str, str],
    session: Session,
    world: World,
    smtp_server: SmtpServer,
) -> None:
    assert client.get("/api/v1/mail-server", headers=bearer).json() is None
    server = {
        "host": "127.0.0.1",
        "port": smtp_server.port,
        "security": "none",
        "from_address": "cards@harbour.example",
    }
    put = client.put(
        "/api/v1/mail-server", headers=bearer, json=server | {"username": "u", "password": "pw-1"}
    )
    assert put.status_code == 200
    assert put.json()["password_set"] is True
    assert "pw-1" not in client.get("/api/v1/mail-server", headers=bearer).text

    # This test server offers no login: with a user name the server's refusal comes back, readable.
    failed = client.post("/api/v1/mail-server/test", headers=bearer, json={"to": "me@example.com"})
    assert failed.status_code == 422
    assert "mail server" in failed.json()["detail"]
    client.put("/api/v1/mail-server", headers=bearer, json=server)
    sent = client.post("/api/v1/mail-server/test", headers=bearer, json={"to": "me@example.com"})
    assert sent.status_code == 200
    assert smtp_server.inbox.wait_for(1)[0]["To"] == "me@example.com"

    with refused_port() as port:
        client.put("/api/v1/mail-server", headers=bearer, json=server | {"port": port})
        unreachable = client.post(
            "/api/v1/mail-server/test", headers=bearer, json={"to": "me@example.com"}
        )
    assert unreachable.status_code == 422
    assert "Could not reach the mail server" in unreachable.json()["detail"]

    assert client.delete("/api/v1/mail-server", headers=bearer).status_code == 204
    reread(session)
    assert session.get(OrganisationMailServer, world.organisation.id) is None


def test_a_revoked_key_reaches_nothing(client: TestClient, session: Session, world: World) -> None:
    answer = client.get("/api/v1/members", headers={"Authorization": "Bearer tls_x_y"})
    assert answer.status_code == 401
