"""Under Security: a new sign-in email, asked for with the password (and code), confirmed by a
link sent to the new address, with the old address told."""

import re
from datetime import timedelta
from email.message import EmailMessage

from bs4 import BeautifulSoup
from fastapi import FastAPI
from httpx2 import Response
from sqlmodel import Session, select

from api.accounts.throttle import PAIR_LIMIT
from api.config import Settings
from api.models import EmailChange, User, utcnow
from tests.accounts.test_two_factor import later_code, password_step, turn_on
from tests.client import TestClient
from tests.factories import PASSWORD, World, reread
from tests.helpers import csrf_token, second_browser
from tests.smtp import SmtpServer

PAGE = "/account/security/email"
NEW_EMAIL = "maya.owner@example.org"
LINK = re.compile(r"http://testserver(/account/email/confirm/[\w-]{43})\b")


def ask(client: TestClient, new_email: str, password: str = PASSWORD, code: str = "") -> Response:
    data = {"csrf_token": csrf_token(client, PAGE), "new_email": new_email, "password": password}
    return client.post(PAGE, data=data | ({"code": code} if code else {}))


def page_of(response: Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def error_of(response: Response) -> str:
    shown = page_of(response).select_one(".error-summary")
    assert shown is not None, response.text
    return shown.get_text(strip=True)


def messages_to(smtp: SmtpServer, address: str) -> list[EmailMessage]:
    return [message for message in smtp.messages if message["To"] == address]


def confirmation_path(smtp: SmtpServer) -> str:
    [message] = messages_to(smtp, NEW_EMAIL)
    found = LINK.search(message.get_content())
    assert found, message.get_content()
    return found.group(1)


def email_of(session: Session, user_id: int | None) -> str:
    reread(session)
    user = session.get(User, user_id)
    assert user is not None
    return user.email


def test_the_new_address_confirms_and_only_its_post_changes_the_email(
    app: FastAPI,
    manager_client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    smtp_server: SmtpServer,
) -> None:
    settings.smtp_url = smtp_server.url
    asked = ask(manager_client, "  Maya.Owner@Example.ORG ")
    assert (asked.status_code, asked.headers["location"]) == (
        303,
        "/account/security?done=email-requested",
    )
    security = page_of(manager_client.get(asked.headers["location"])).get_text()
    assert "Waiting for confirmation: maya.owner@example.org" in security
    smtp_server.inbox.wait_for(2)
    [notice] = messages_to(smtp_server, world.owner_email)
    assert notice["Subject"] == "Your Tellus email is about to change"
    assert NEW_EMAIL in notice.get_content()
    assert not LINK.search(notice.get_content())  # the old address gets no link
    path = confirmation_path(smtp_server)

    with second_browser(app) as new_mailbox:
        shown = new_mailbox.get(path)
        assert shown.status_code == 200
        assert page_of(shown).select_one(f"form[method=post][action='{path}'] button")
        assert email_of(session, world.owner.id) == world.owner_email  # GET changes nothing

        confirmed = new_mailbox.post(path)
        assert (confirmed.status_code, confirmed.headers["location"]) == (
            303,
            "/account/email/changed",
        )
        assert "Your email is changed" in new_mailbox.get("/account/email/changed").text
        assert new_mailbox.post(path).status_code == 410  # once
    assert email_of(session, world.owner.id) == NEW_EMAIL
    smtp_server.inbox.wait_for(3)
    [_, done] = messages_to(smtp_server, world.owner_email)
    assert done["Subject"] == "Your Tellus email was changed"

    with second_browser(app) as later:
        assert password_step(later, world.owner_email, PASSWORD).status_code == 400
        assert password_step(later, NEW_EMAIL, PASSWORD).status_code == 303


def test_the_current_password_is_required_and_counts_as_a_failed_sign_in(
    manager_client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    smtp_server: SmtpServer,
) -> None:
    settings.smtp_url = smtp_server.url
    wrong = ask(manager_client, NEW_EMAIL, password="not my password")
    assert wrong.status_code == 422
    assert error_of(wrong) == "Your current password is not right."
    field = page_of(wrong).select_one("input[name=new_email]")
    assert field is not None
    assert field["value"] == NEW_EMAIL
    for _ in range(PAIR_LIMIT):
        ask(manager_client, "x" + NEW_EMAIL, password="not my password")
    assert ask(manager_client, NEW_EMAIL).status_code == 429
    assert smtp_server.messages == []
    assert email_of(session, world.owner.id) == world.owner_email


def test_with_two_factor_on_a_current_code_is_required_too(
    manager_client: TestClient, world: World, settings: Settings, smtp_server: SmtpServer
) -> None:
    settings.smtp_url = smtp_server.url
    totp, _ = turn_on(manager_client)
    assert page_of(manager_client.get(PAGE)).select_one("input[name=code]") is not None

    without = ask(manager_client, NEW_EMAIL)
    assert without.status_code == 422
    assert "That code is not right." in error_of(without)
    assert ask(manager_client, NEW_EMAIL, code="000000").status_code == 422
    assert smtp_server.messages == []
    assert ask(manager_client, NEW_EMAIL, code=later_code(totp)).status_code == 303
    assert len(smtp_server.inbox.wait_for(2)) == 2


def test_a_taken_address_is_refused(
    manager_client: TestClient,
    world: World,
    other_world: World,
    settings: Settings,
    smtp_server: SmtpServer,
) -> None:
    settings.smtp_url = smtp_server.url
    taken = ask(manager_client, other_world.owner_email.upper())
    assert taken.status_code == 409
    assert error_of(taken) == "Another Tellus account uses this email address. Choose another one."
    assert ask(manager_client, world.owner_email.upper()).status_code == 422  # already yours
    assert smtp_server.messages == []


def test_an_address_taken_while_waiting_is_refused_at_confirmation(
    app: FastAPI,
    manager_client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    smtp_server: SmtpServer,
) -> None:
    settings.smtp_url = smtp_server.url
    assert ask(manager_client, NEW_EMAIL).status_code == 303
    smtp_server.inbox.wait_for(2)
    reread(session)
    session.add(User(email=NEW_EMAIL, password_hash="x"))
    session.commit()

    refused = manager_client.post(confirmation_path(smtp_server))
    assert refused.status_code == 409
    assert email_of(session, world.owner.id) == world.owner_email


def test_the_link_expires_after_a_day(
    manager_client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    smtp_server: SmtpServer,
) -> None:
    settings.smtp_url = smtp_server.url
    assert ask(manager_client, NEW_EMAIL).status_code == 303
    smtp_server.inbox.wait_for(2)
    reread(session)
    row = session.exec(select(EmailChange)).one()
    assert timedelta(hours=23, minutes=59) < row.expires_at - row.created_at <= timedelta(hours=24)
    row.expires_at = utcnow() - timedelta(seconds=1)
    session.add(row)
    session.commit()

    path = confirmation_path(smtp_server)
    assert manager_client.get(path).status_code == 410
    assert manager_client.post(path).status_code == 410
    assert email_of(session, world.owner.id) == world.owner_email


def test_without_the_installations_mail_server_the_page_says_so(
    manager_client: TestClient, world: World
) -> None:
    refused = ask(manager_client, NEW_EMAIL)
    assert refused.status_code == 409
    assert "needs the installation's mail server" in error_of(refused)


def test_the_form_needs_its_csrf_token(
    manager_client: TestClient, settings: Settings, smtp_server: SmtpServer
) -> None:
    settings.smtp_url = smtp_server.url
    refused = manager_client.post(PAGE, data={"new_email": NEW_EMAIL, "password": PASSWORD})
    assert refused.status_code == 403
