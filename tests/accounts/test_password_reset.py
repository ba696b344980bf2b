"""A forgotten password: a one-time link emailed through the installation's mail server."""

import re
from datetime import timedelta
from email.message import EmailMessage

from bs4 import BeautifulSoup
from fastapi import FastAPI
from httpx2 import Response
from sqlmodel import Session, select

from api.accounts.service import authenticate
from api.accounts.throttle import REQUEST_LIMITS
from api.config import Settings
from api.models import PasswordReset, Role, utcnow
from api.people.mail_server import save_mail_server
from api.people.schemas import MailServerIn
from api.tenancy import Tenant
from tests.accounts.test_throttle import browser
from tests.accounts.test_two_factor import password_step
from tests.client import TestClient
from tests.factories import PASSWORD, World, reread
from tests.helpers import second_browser
from tests.smtp import SmtpServer
from tests.test_cli import Tellus

NEW_PASSWORD = "a brand new passphrase"
LINK = re.compile(r"http://testserver(/password-reset/[\w-]{43})\b")
SENT = "/forgot-password/sent"


def ask_for_link(client: TestClient, email: str) -> Response:
    return client.post("/forgot-password", data={"email": email})


def link_in(message: EmailMessage) -> str:
    found = LINK.search(message.get_content())
    assert found, message.get_content()
    return found.group(1)


def emailed_link(client: TestClient, smtp: SmtpServer, email: str) -> str:
    count = len(smtp.messages)
    assert ask_for_link(client, email).headers["location"] == SENT
    message = smtp.inbox.wait_for(count + 1)[-1]
    assert message["To"] == email
    return link_in(message)


def set_new_password(client: TestClient, path: str, password: str = NEW_PASSWORD) -> Response:
    return client.post(path, data={"password": password, "password_again": password})


def text_of(response: Response) -> str:
    return BeautifulSoup(response.text, "html.parser").get_text(" ", strip=True)


def test_the_sign_in_page_leads_to_the_request_form(client: TestClient) -> None:
    link = BeautifulSoup(client.get("/login").text, "html.parser").select_one(
        "a[href='/forgot-password']"
    )
    assert link is not None
    assert link.get_text() == "Forgot your password?"
    form = BeautifulSoup(client.get("/forgot-password").text, "html.parser").select_one("form")
    assert form is not None
    assert form.select_one("input[name=email][type=email]") is not None


def test_the_answer_is_the_same_whether_or_not_the_account_exists(
    client: TestClient, world: World, settings: Settings, smtp_server: SmtpServer
) -> None:
    settings.smtp_url = smtp_server.url
    known = ask_for_link(client, world.owner_email)
    unknown = ask_for_link(client, "nobody@example.com")

    assert (known.status_code, known.headers["location"]) == (303, SENT)
    assert (unknown.status_code, unknown.headers["location"]) == (303, SENT)
    assert known.text == unknown.text
    assert "set-cookie" not in known.headers
    assert "set-cookie" not in unknown.headers
    page = client.get(SENT)
    assert "If a Tellus account uses that email" in text_of(page)
    [message] = smtp_server.inbox.wait_for(1)
    assert message["To"] == world.owner_email
    assert message["Subject"] == "Choose a new Tellus password"


def test_the_link_works_once_and_ends_every_session(
    app: FastAPI,
    client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    smtp_server: SmtpServer,
) -> None:
    settings.smtp_url = smtp_server.url
    with second_browser(app) as laptop:
        password_step(laptop, world.owner_email, PASSWORD)
        assert laptop.get("/inbox").status_code == 200
        path = emailed_link(client, smtp_server, world.owner_email)

        form = client.get(path)
        assert form.status_code == 200
        assert world.owner_email in text_of(form)
        assert laptop.get("/inbox").status_code == 200  # opening the link changes nothing
        reread(session)
        assert authenticate(session=session, email=world.owner_email, password=PASSWORD)

        signed_in = set_new_password(client, path)
        assert (signed_in.status_code, signed_in.headers["location"]) == (303, "/inbox")
        assert client.get("/inbox").status_code == 200
        assert laptop.get("/inbox").status_code == 303  # the other browser is signed out

    again = set_new_password(client, path, "yet another passphrase")
    assert again.status_code in (404, 410)
    assert "no longer works" in text_of(again)
    assert client.get(path).status_code in (404, 410)
    reread(session)
    assert authenticate(session=session, email=world.owner_email, password=NEW_PASSWORD)
    assert not authenticate(session=session, email=world.owner_email, password=PASSWORD)


def test_a_weak_password_is_refused_and_the_link_stays_usable(
    client: TestClient, session: Session, world: World, settings: Settings, smtp_server: SmtpServer
) -> None:
    settings.smtp_url = smtp_server.url
    path = emailed_link(client, smtp_server, world.owner_email)

    short = set_new_password(client, path, "short")
    assert short.status_code == 422
    assert "at least 10 characters" in text_of(short)
    differ = client.post(path, data={"password": NEW_PASSWORD, "password_again": "other words"})
    assert differ.status_code == 422
    assert "not the same" in text_of(differ)
    assert set_new_password(client, path).status_code == 303


def test_the_link_expires_after_30_minutes(
    client: TestClient, session: Session, world: World, settings: Settings, smtp_server: SmtpServer
) -> None:
    settings.smtp_url = smtp_server.url
    path = emailed_link(client, smtp_server, world.owner_email)
    reread(session)
    row = session.exec(select(PasswordReset)).one()
    assert timedelta(minutes=29) < row.expires_at - row.created_at <= timedelta(minutes=30)
    row.expires_at = utcnow() - timedelta(seconds=1)
    session.add(row)
    session.commit()

    assert client.get(path).status_code == 410
    assert set_new_password(client, path).status_code == 410
    reread(session)
    assert authenticate(session=session, email=world.owner_email, password=PASSWORD)


def test_a_newer_link_ends_the_older_one(
    client: TestClient, world: World, settings: Settings, smtp_server: SmtpServer
) -> None:
    settings.smtp_url = smtp_server.url
    older = emailed_link(client, smtp_server, world.owner_email)
    newer = emailed_link(client, smtp_server, world.owner_email)

    assert older != newer
    assert client.get(older).status_code == 404
    assert set_new_password(client, older).status_code == 404
    assert set_new_password(client, newer).status_code == 303


def test_signing_in_ends_an_open_link(
    app: FastAPI, client: TestClient, world: World, settings: Settings, smtp_server: SmtpServer
) -> None:
    settings.smtp_url = smtp_server.url
    path = emailed_link(client, smtp_server, world.owner_email)
    with second_browser(app) as owner:
        assert password_step(owner, world.owner_email, PASSWORD).status_code == 303
    assert client.get(path).status_code == 404
    assert set_new_password(client, path).status_code == 404


def test_requests_are_throttled_per_account_and_per_client(
    app: FastAPI, world: World, settings: Settings, smtp_server: SmtpServer
) -> None:
    settings.smtp_url = smtp_server.url
    per_account = REQUEST_LIMITS["reset-account"]
    for number in range(per_account):
        with browser(app, f"198.51.100.{number + 1}") as someone:
            assert ask_for_link(someone, world.owner_email).status_code == 303
    with browser(app, "198.51.100.99") as someone:
        refused = ask_for_link(someone, world.owner_email)
    assert refused.status_code == 429
    assert "Too many requests for a new password" in text_of(refused)
    assert 0 < int(refused.headers["retry-after"]) <= 3600
    assert world.owner_email in str(
        BeautifulSoup(refused.text, "html.parser").select_one("input[name=email]")
    )
    assert len(smtp_server.inbox.wait_for(per_account)) == per_account

    # One client asking about many addresses (known or not) is stopped too, with the same words.
    with browser(app, "203.0.113.7") as prober:
        for number in range(REQUEST_LIMITS["reset-client"]):
            assert ask_for_link(prober, f"someone{number}@example.com").status_code == 303
        stopped = ask_for_link(prober, "one-more@example.com")
    assert stopped.status_code == 429
    assert "Too many requests for a new password" in text_of(stopped)


def test_an_organisations_own_mail_server_never_carries_account_emails(
    client: TestClient,
    session: Session,
    world: World,
    settings: Settings,
    smtp_server: SmtpServer,
) -> None:
    own = SmtpServer().start()
    try:
        save_mail_server(
            session=session,
            tenant=Tenant(organisation_id=world.organisation.id, role=Role.owner),  # type: ignore[arg-type]
            data=MailServerIn(
                host="127.0.0.1",
                port=own.port,
                security="none",
                from_address="Harbour Café <cards@harbour.example>",
            ),
            settings=settings,
        )
        # No installation server: the answer is the same, and nothing is sent anywhere.
        assert ask_for_link(client, world.owner_email).headers["location"] == SENT
        settings.smtp_url = smtp_server.url
        path = emailed_link(client, smtp_server, world.owner_email)
        assert set_new_password(client, path).status_code == 303
        assert own.messages == []
        assert len(smtp_server.messages) == 1
    finally:
        own.stop()


def test_the_command_prints_a_working_link(
    client: TestClient, session: Session, world: World, database_url: str, tmp_path
) -> None:
    tellus = Tellus(tmp_path)
    tellus.env.update(TELLUS_DATABASE_URL=database_url, TELLUS_BASE_URL="http://testserver")

    output = tellus.ok("reset-password", world.owner_email.upper())
    found = LINK.fullmatch(output.strip())
    assert found, output
    assert set_new_password(client, found.group(1)).status_code == 303
    reread(session)
    assert authenticate(session=session, email=world.owner_email, password=NEW_PASSWORD)

    missing = tellus("reset-password", "nobody@example.com")
    assert missing.returncode == 1
    assert "no account with the email 'nobody@example.com'" in missing.stderr
    assert missing.stdout == ""
