"""Across two app processes: a removed manager's stream ends at once wherever it is served, and
no link that carries a credential reaches either process's access log."""

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from api.accounts.service import add_membership, create_user
from api.alerts.unsubscribe import ALERTS, unsubscribe_token
from api.app_settings import load_secret_key
from api.config import Settings
from api.models import Membership, Organisation, Role, User
from tests.browser.conftest import LiveServer, run_live_server
from tests.factories import PASSWORD, World, make_manager, make_world
from tests.helpers import log_in, send_card
from tests.live.test_two_processes import TIMEOUT
from tests.smtp import SmtpServer
from tests.sse import cards, is_event, open_stream, read_until

# Far below the streams' own periodic session check (a minute).
AT_ONCE = 5.0
# How long an email may take to reach the test's SMTP server (sent after the response).
MAIL_SECONDS = 15.0


@dataclass(frozen=True)
class Logged:
    server: LiveServer
    log: Path


@pytest.fixture(scope="module")
def mail() -> Iterator[SmtpServer]:
    """The installation's mail server, shared by both processes."""
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def logged_servers(
    live_database_url: str,
    tmp_path_factory: pytest.TempPathFactory,
    mail: SmtpServer,
) -> Iterator[tuple[Logged, Logged]]:
    folder_a, folder_b = tmp_path_factory.mktemp("uvicorn-a"), tmp_path_factory.mktemp("uvicorn-b")
    smtp = {"TELLUS_SMTP_URL": mail.url}
    with (
        run_live_server(live_database_url, folder_a, extra_env=smtp) as a,
        run_live_server(live_database_url, folder_b, extra_env=smtp) as b,
    ):
        yield Logged(a, folder_a / "server.log"), Logged(b, folder_b / "server.log")


@pytest.fixture
def world(logged_servers: tuple[Logged, Logged]) -> World:
    with logged_servers[0].server.session() as session:
        return make_world(session, name=f"Harbour Café {uuid.uuid4().hex[:6]}")


def csrf(client: httpx.Client, path: str) -> str:
    field = BeautifulSoup(client.get(path).text, "html.parser").select_one("input[name=csrf_token]")
    assert field is not None
    return str(field["value"])


def sign_in(client: httpx.Client, email: str) -> None:
    page = BeautifulSoup(client.get("/login").text, "html.parser")
    token = page.select_one("input[name=form_token]")
    assert token is not None
    data = {"email": email, "password": PASSWORD, "form_token": str(token["value"])}
    assert client.post("/login", data=data).status_code == 303


def link_emailed_to(mail: SmtpServer, address: str, prefix: str) -> str:
    """The token of the newest link under `prefix` emailed to `address` (waiting for it)."""
    pattern = re.compile(rf"{re.escape(prefix)}([\w-]+)")
    count = 1
    while True:  # wait_for fails the test once no further email arrives
        for message in reversed(mail.inbox.wait_for(count, timeout=MAIL_SECONDS)):
            found = pattern.search(message.get_content())
            if message["To"] == address and found:
                return found.group(1)
        count = len(mail.messages) + 1


def test_a_member_removed_on_one_process_loses_their_stream_on_the_other_at_once(
    logged_servers: tuple[Logged, Logged], world: World
) -> None:
    a, b = (logged.server for logged in logged_servers)
    email = f"kim-{uuid.uuid4().hex[:6]}@example.com"
    with a.session() as session:
        kim = make_manager(session, world=world, email=email)
        member = session.exec(select(Membership.id).where(Membership.user_id == kim.id)).one()
    with (
        httpx.Client(base_url=a.base_url, timeout=TIMEOUT) as owner_on_a,
        httpx.Client(base_url=b.base_url, timeout=TIMEOUT) as kim_on_b,
    ):
        log_in(owner_on_a, world.owner_email, world.password)
        sign_in(kim_on_b, email)
        with open_stream(kim_on_b) as stream:
            read_until(stream, is_event("ready"), seconds=AT_ONCE)
            token = csrf(owner_on_a, "/admin/people")
            removed = owner_on_a.post(f"/admin/people/{member}/remove", data={"csrf_token": token})
            assert removed.status_code == 303
            send_card(owner_on_a, world.counter_code.token, comment="After the removal")
            seen = read_until(stream, is_event("signed-out"), seconds=AT_ONCE)
    assert cards(seen) == []


def test_no_credential_in_a_url_reaches_the_access_log(
    logged_servers: tuple[Logged, Logged], world: World, mail: SmtpServer
) -> None:
    """A whole scenario's requests, then every token it made is looked for in both logs."""
    a, b = (logged.server for logged in logged_servers)
    tokens: list[str] = []
    with (
        httpx.Client(base_url=a.base_url, timeout=TIMEOUT) as customer,
        httpx.Client(base_url=b.base_url, timeout=TIMEOUT) as owner,
    ):
        # A customer's card, its follow-up page, stream and API twin.
        page = BeautifulSoup(customer.get(f"/c/{world.counter_code.token}").text, "html.parser")
        fields = {str(f["name"]): str(f["value"]) for f in page.select("input[type=hidden]")}
        thanks = customer.post(
            f"/c/{world.counter_code.token}", data=fields | {"rating": "5", "comment": "Lovely"}
        )
        link = BeautifulSoup(thanks.text, "html.parser").select_one("a[data-follow-up]")
        assert link is not None
        follow_up = str(link["href"]).rsplit("/f/", 1)[1]
        tokens.append(follow_up)
        assert customer.get(f"/f/{follow_up}").status_code == 200
        assert customer.get(f"/api/v1/follow-up/{follow_up}").status_code == 200
        with customer.stream("GET", f"/f/{follow_up}/stream") as stream:
            assert stream.status_code == 200

        # An invitation, opened and used.
        log_in(owner, world.owner_email, world.password)
        token = csrf(owner, "/admin/people")
        email = f"new-{uuid.uuid4().hex[:6]}@example.com"
        answer = owner.post("/admin/people/invitations", data={"csrf_token": token, "email": email})
        assert answer.status_code in (200, 303)
        invitation = link_emailed_to(mail, email, "/invitations/")
        tokens.append(invitation)
        with httpx.Client(base_url=a.base_url, timeout=TIMEOUT) as newcomer:
            assert newcomer.get(f"/invitations/{invitation}").status_code == 200
            joined = newcomer.post(
                f"/invitations/{invitation}",
                data={"password": PASSWORD, "password_again": PASSWORD},
            )
            assert joined.status_code == 303

        # An alert email's unsubscribe link, opened and used.
        with a.session() as session:
            secret = load_secret_key(engine=a.engine, settings=Settings(_env_file=None))  # type: ignore[call-arg]
            user = session.exec(select(User).where(User.email == world.owner_email)).one()
        unsubscribe = unsubscribe_token(
            secret_key=secret,
            organisation_id=world.organisation.id,  # type: ignore[arg-type]
            user_id=user.id,  # type: ignore[arg-type]
            topic=ALERTS,
        )
        tokens.append(unsubscribe)
        assert customer.get(f"/unsubscribe/{unsubscribe}").status_code == 200
        assert customer.post(f"/unsubscribe/{unsubscribe}").status_code == 200

        # An email change, confirmed from the link sent to the new address.
        new_email = f"moved-{uuid.uuid4().hex[:6]}@example.com"
        token = csrf(owner, "/account/security/email")
        asked = owner.post(
            "/account/security/email",
            data={"csrf_token": token, "new_email": new_email, "password": PASSWORD},
        )
        assert asked.status_code == 303
        confirmation = link_emailed_to(mail, new_email, "/account/email/confirm/")
        tokens.append(confirmation)
        assert customer.get(f"/account/email/confirm/{confirmation}").status_code == 200
        assert customer.post(f"/account/email/confirm/{confirmation}").status_code == 303

        # A forgotten password, reset from the emailed link.
        with httpx.Client(base_url=a.base_url, timeout=TIMEOUT) as forgetful:
            asked = forgetful.post("/forgot-password", data={"email": new_email})
            assert asked.status_code == 303
            reset = link_emailed_to(mail, new_email, "/password-reset/")
            tokens.append(reset)
            assert forgetful.get(f"/password-reset/{reset}").status_code == 200
            new_password = "a brand new passphrase"
            done = forgetful.post(
                f"/password-reset/{reset}",
                data={"password": new_password, "password_again": new_password},
            )
            assert done.status_code == 303

        # A staff member's sign-in link, asked for by email, opened and used.
        staff_email = f"staff-{uuid.uuid4().hex[:6]}@example.com"
        with a.session() as session:
            staff = create_user(session=session, email=staff_email, password=PASSWORD)
            organisation = session.get_one(Organisation, world.organisation.id)
            add_membership(
                session=session,
                user=staff,
                organisation=organisation,
                role=Role.staff,
                employee_id=world.maya.id,
            )
            session.commit()
        with httpx.Client(base_url=b.base_url, timeout=TIMEOUT) as phone:
            assert phone.post("/staff/sign-in", data={"email": staff_email}).status_code == 303
            staff_link = link_emailed_to(mail, staff_email, "/staff/link/")
            tokens.append(staff_link)
            assert phone.get(f"/staff/link/{staff_link}").status_code == 200
            assert phone.post(f"/staff/link/{staff_link}").status_code == 303

    logs = "".join(logged.log.read_text() for logged in logged_servers)
    for redacted in (
        "/f/…",
        "/api/v1/follow-up/…",
        "/invitations/…",
        "/unsubscribe/…",
        "/account/email/confirm/…",
        "/password-reset/…",
        "/staff/link/…",
    ):
        assert redacted in logs
    for token in tokens:
        assert token not in logs
