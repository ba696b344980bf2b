"""An organisation's own SMTP server: its password kept encrypted, tried with a real email."""

from bs4 import BeautifulSoup
from sqlmodel import Session

from api.config import Settings
from api.mail import server_for
from api.models import OrganisationMailServer
from tests.client import TestClient
from tests.factories import World, make_manager, reread
from tests.helpers import csrf_token, log_in
from tests.smtp import SmtpServer
from tests.sockets import refused_port

SMTP_PASSWORD = "mail-secret-4f7e"


def server_form(port: int, **fields: str) -> dict[str, str]:
    return {
        "host": "127.0.0.1",
        "port": str(port),
        "security": "none",
        "username": "",
        "password": "",
        "from_address": "Harbour Café <cards@harbour.example>",
        **fields,
    }


def save_server(client: TestClient, port: int, **fields: str):
    token = csrf_token(client, "/admin/mail")
    return client.post("/admin/mail", data={"csrf_token": token, **server_form(port, **fields)})


def send_test(client: TestClient):
    return client.post("/admin/mail/test", data={"csrf_token": csrf_token(client, "/admin/mail")})


def stored(session: Session, world: World) -> OrganisationMailServer:
    reread(session)
    row = session.get(OrganisationMailServer, world.organisation.id)
    assert row is not None
    return row


def test_the_password_is_stored_encrypted_and_never_shown(
    manager_client: TestClient, world: World, session: Session, settings: Settings
) -> None:
    saved = save_server(manager_client, 2525, username="cards", password=SMTP_PASSWORD)
    assert saved.status_code == 303

    row = stored(session, world)
    assert SMTP_PASSWORD not in row.password_encrypted
    assert row.password_encrypted
    page = manager_client.get("/admin/mail")
    assert SMTP_PASSWORD not in page.text
    assert row.password_encrypted not in page.text
    assert "•••• set" in BeautifulSoup(page.text, "html.parser").get_text(" ")
    assert BeautifulSoup(page.text, "html.parser").select_one("#mail-password")["value"] == ""
    server = server_for(session=session, organisation_id=world.organisation.id, settings=settings)
    assert server is not None
    assert (server.host, server.port, server.username, server.password) == (
        "127.0.0.1",
        2525,
        "cards",
        SMTP_PASSWORD,
    )

    assert save_server(manager_client, 2526, username="cards").status_code == 303
    reread(session)
    kept = server_for(session=session, organisation_id=world.organisation.id, settings=settings)
    assert kept is not None
    assert (kept.port, kept.password) == (2526, SMTP_PASSWORD)


def test_without_its_own_server_the_installation_server_is_used(
    session: Session, world: World, settings: Settings
) -> None:
    assert (
        server_for(session=session, organisation_id=world.organisation.id, settings=settings)
        is None
    )
    settings.smtp_url = "smtp://mail.installation.example:25"
    server = server_for(session=session, organisation_id=world.organisation.id, settings=settings)
    assert server is not None
    assert server.host == "mail.installation.example"


def test_a_test_email_arrives_through_the_organisation_server(
    manager_client: TestClient, world: World, smtp_server: SmtpServer
) -> None:
    save_server(manager_client, smtp_server.port)

    answer = send_test(manager_client)

    assert answer.status_code == 200
    assert f"A test email went to {world.owner_email}" in answer.text
    [message] = smtp_server.inbox.wait_for(1)
    assert message["To"] == world.owner_email
    assert message["From"] == "Harbour Café <cards@harbour.example>"
    assert "test email from Tellus" in message.get_content()


def test_an_unreachable_server_says_so_in_general_terms(
    manager_client: TestClient, world: World
) -> None:
    with refused_port() as port:
        save_server(manager_client, port)
        answer = send_test(manager_client)

    assert 400 <= answer.status_code < 500
    alert = BeautifulSoup(answer.text, "html.parser").select_one("[role=alert]")
    assert alert is not None
    assert alert.get_text(" ", strip=True) == (
        "The test email was not sent: Could not reach the mail server."
    )


def test_a_test_email_without_any_server_says_what_to_do(manager_client: TestClient) -> None:
    answer = send_test(manager_client)
    assert answer.status_code == 422
    assert "No mail server is set" in answer.text


def test_a_mistake_shows_the_form_again_as_typed(
    manager_client: TestClient, world: World, session: Session
) -> None:
    answer = save_server(
        manager_client, 587, host="mail.example.com", from_address="not an address"
    )
    assert answer.status_code == 422
    page = BeautifulSoup(answer.text, "html.parser")
    assert page.select_one("#mail-host")["value"] == "mail.example.com"
    assert "sender address" in page.select_one("#mail-from_address-error").get_text()
    reread(session)
    assert session.get(OrganisationMailServer, world.organisation.id) is None


def test_removing_the_server_goes_back_to_the_installation(
    manager_client: TestClient, world: World, session: Session, settings: Settings
) -> None:
    save_server(manager_client, 2525)
    token = csrf_token(manager_client, "/admin/mail")
    assert manager_client.post("/admin/mail/remove", data={"csrf_token": token}).status_code == 303
    reread(session)
    assert (
        server_for(session=session, organisation_id=world.organisation.id, settings=settings)
        is None
    )


def test_only_owners_reach_the_mail_settings(
    client: TestClient, world: World, session: Session
) -> None:
    make_manager(session, world=world, email="lee@example.com")
    log_in(client, "lee@example.com", world.password)
    assert client.get("/admin/mail").status_code == 403
    token = csrf_token(client)
    refused = client.post("/admin/mail", data={"csrf_token": token, **server_form(25)})
    assert refused.status_code == 403
    assert client.post("/admin/mail/test", data={"csrf_token": token}).status_code == 403
    reread(session)
    assert session.get(OrganisationMailServer, world.organisation.id) is None
