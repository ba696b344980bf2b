"""The People page: inviting by a one-time link, roles and location limits, removing someone."""

import logging
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from sqlmodel import Session, select

from api.accounts.service import authenticate
from api.models import Invitation, Membership, MembershipLocation, Role, User, utcnow
from api.security import sha256_hex
from tests.client import TestClient
from tests.factories import PASSWORD, World, make_manager, reread
from tests.helpers import csrf_token, log_in, second_browser, sign_in
from tests.smtp import SmtpServer

NEW_PASSWORD = "a kettle sings at dawn"


def invite(client: TestClient, email: str, role: str = "manager", **fields: object):
    token = csrf_token(client, "/admin/people")
    data = {"csrf_token": token, "email": email, "role": role, **fields}
    return client.post("/admin/people/invitations", data=data)


def shown_link(answer_text: str) -> str:
    code = BeautifulSoup(answer_text, "html.parser").select_one(".new-key code")
    assert code is not None, answer_text
    return code.get_text()


def path_of(link: str) -> str:
    return link.removeprefix("http://testserver")


def membership_of(session: Session, email: str) -> Membership | None:
    reread(session)
    return session.exec(
        select(Membership).join(User, User.id == Membership.user_id).where(User.email == email)
    ).first()


def test_without_a_mail_server_the_owner_sees_the_link_once_and_logs_never_do(
    manager_client: TestClient, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    answer = invite(manager_client, "lee@example.com")

    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    link = shown_link(answer.text)
    assert link.startswith("http://testserver/invitations/")
    token = link.rsplit("/", 1)[1]
    assert len(token) >= 22  # at least 128 bits, url-safe base64
    assert token not in caplog.text
    for record in caplog.records:
        assert token not in record.getMessage()
    again = manager_client.get("/admin/people")
    assert token not in again.text
    assert "lee@example.com" in again.text
    reread(session)
    row = session.exec(select(Invitation)).one()
    assert row.token_hash == sha256_hex(token)
    assert token not in row.token_hash
    assert timedelta(days=6, hours=23) < row.expires_at - utcnow() <= timedelta(days=7)


def test_with_a_mail_server_the_link_is_emailed_and_not_shown(
    manager_client: TestClient, settings, smtp_server: SmtpServer, world: World
) -> None:
    settings.smtp_url = smtp_server.url

    answer = invite(manager_client, "lee@example.com")

    assert answer.status_code == 303
    [message] = smtp_server.inbox.wait_for(1)
    assert message["To"] == "lee@example.com"
    assert world.organisation.name in message["Subject"]
    body = message.get_content()
    link = next(line for line in body.splitlines() if "/invitations/" in line)
    assert link.startswith("http://testserver/invitations/")
    page = manager_client.get(answer.headers["location"])
    assert "was emailed" in page.text
    assert link not in page.text


def test_opening_the_link_changes_nothing_then_joining_signs_in(
    manager_client: TestClient, app: FastAPI, session: Session, world: World
) -> None:
    link = shown_link(invite(manager_client, "lee@example.com").text)
    with second_browser(app) as browser:
        form = browser.get(path_of(link))
        assert form.status_code == 200
        assert "Join Harbour Café" in form.text
        assert browser.get(path_of(link)).status_code == 200
        assert membership_of(session, "lee@example.com") is None

        joined = browser.post(
            path_of(link),
            data={"display_name": "Lee", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
        )

        assert joined.status_code == 303
        assert joined.headers["location"] == "/inbox"
        assert browser.get("/inbox").status_code == 200
        membership = membership_of(session, "lee@example.com")
        assert membership is not None
        assert membership.role == Role.manager
        assert authenticate(session=session, email="lee@example.com", password=NEW_PASSWORD)

        used = browser.get(path_of(link))
        assert used.status_code == 410
        assert "can no longer be used" in used.text
        assert browser.post(path_of(link), data={"password": NEW_PASSWORD}).status_code == 410


def test_a_common_password_is_refused_and_the_link_stays_usable(
    manager_client: TestClient, app: FastAPI, session: Session
) -> None:
    link = shown_link(invite(manager_client, "lee@example.com").text)
    with second_browser(app) as browser:
        refused = browser.post(
            path_of(link),
            data={
                "display_name": "Lee",
                "password": "Password123",
                "password_again": "Password123",
            },
        )
        assert refused.status_code == 422
        assert "too common" in refused.text
        assert 'value="Lee"' in refused.text
        differ = browser.post(
            path_of(link), data={"password": NEW_PASSWORD, "password_again": NEW_PASSWORD + "x"}
        )
        assert differ.status_code == 422
        assert "not the same" in differ.text
        assert membership_of(session, "lee@example.com") is None
        assert browser.get(path_of(link)).status_code == 200


def test_an_expired_or_withdrawn_link_is_gone(
    manager_client: TestClient, app: FastAPI, session: Session
) -> None:
    expired = shown_link(invite(manager_client, "old@example.com").text)
    withdrawn = shown_link(invite(manager_client, "gone@example.com").text)
    reread(session)
    old = session.exec(select(Invitation).where(Invitation.email == "old@example.com")).one()
    old.expires_at = utcnow() - timedelta(seconds=1)
    session.add(old)
    session.commit()
    gone = session.exec(select(Invitation).where(Invitation.email == "gone@example.com")).one()
    token = csrf_token(manager_client, "/admin/people")
    revoked = manager_client.post(
        f"/admin/people/invitations/{gone.id}/revoke", data={"csrf_token": token}
    )
    assert revoked.status_code == 303

    with second_browser(app) as browser:
        for link in (expired, withdrawn):
            page = browser.get(path_of(link))
            assert page.status_code == 410
            assert "Ask whoever invited you for a new one" in page.text
            data = {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
            assert browser.post(path_of(link), data=data).status_code == 410
        unknown = browser.get("/invitations/not-a-real-token")
        assert unknown.status_code == 404
    assert membership_of(session, "old@example.com") is None
    assert membership_of(session, "gone@example.com") is None


def test_someone_with_an_account_joins_with_its_password(
    manager_client: TestClient, app: FastAPI, session: Session, other_world: World
) -> None:
    email = other_world.owner_email
    link = shown_link(invite(manager_client, email, role="owner").text)
    with second_browser(app) as browser:
        wrong_password = "not the password at all"
        wrong = browser.post(
            path_of(link), data={"password": wrong_password, "password_again": wrong_password}
        )
        assert wrong.status_code == 400
        assert "not the password" in wrong.text

        joined = browser.post(
            path_of(link), data={"password": PASSWORD, "password_again": PASSWORD}
        )

        assert joined.status_code == 303
        inbox = browser.get("/inbox")
        assert "Harbour Café" in inbox.text
    reread(session)
    roles = session.exec(
        select(Membership.role).join(User, User.id == Membership.user_id).where(User.email == email)
    ).all()
    assert sorted(roles) == [Role.owner, Role.owner]


def test_a_manager_invited_for_one_location_sees_only_it(
    manager_client: TestClient, app: FastAPI, session: Session, world: World
) -> None:
    answer = invite(manager_client, "lee@example.com", location_ids=[str(world.counter.id)])
    link = shown_link(answer.text)
    with second_browser(app) as browser:
        data = {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
        assert browser.post(path_of(link), data=data).status_code == 303
    membership = membership_of(session, "lee@example.com")
    assert membership is not None
    limits = session.exec(
        select(MembershipLocation.location_id).where(
            MembershipLocation.membership_id == membership.id
        )
    ).all()
    assert limits == [world.counter.id]


def test_staff_join_to_their_own_page_and_do_not_reach_the_inbox(
    manager_client: TestClient, app: FastAPI, session: Session, world: World
) -> None:
    invited = invite(manager_client, "sam@example.com", role="staff", employee_id=world.sam.id)
    link = shown_link(invited.text)
    with second_browser(app) as browser:
        data = {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
        done = browser.post(path_of(link), data=data)
        assert done.status_code == 303
        assert done.headers["location"] == "/staff"
        assert "Thank you, Sam" in browser.get("/staff").text
        assert browser.get("/inbox").status_code == 303
        login = sign_in(browser, "sam@example.com", NEW_PASSWORD)
        assert login.status_code == 400
        assert "no access to a manager" in login.text
    membership = membership_of(session, "sam@example.com")
    assert membership is not None
    assert membership.role == Role.staff
    assert membership.employee_id == world.sam.id


def test_the_invitation_form_picks_the_emails_language(
    manager_client: TestClient, settings, smtp_server: SmtpServer, session: Session
) -> None:
    settings.smtp_url = smtp_server.url
    page = BeautifulSoup(manager_client.get("/admin/people").text, "html.parser")
    choices = [option["value"] for option in page.select("#invite-language option")]
    assert choices[0] == ""  # the organisation's language
    assert {"de", "ar", "zh-Hans"} <= set(choices)

    answer = invite(manager_client, "lena@example.com", language="de")

    assert answer.status_code == 303
    [message] = smtp_server.inbox.wait_for(1)
    assert message["Subject"].startswith("Einladung zu")
    reread(session)
    assert session.exec(select(Invitation)).one().language == "de"


def test_an_unknown_invitation_language_is_refused_with_the_form_kept(
    manager_client: TestClient, session: Session
) -> None:
    answer = invite(manager_client, "lena@example.com", language="xx")

    assert answer.status_code == 422
    page = BeautifulSoup(answer.text, "html.parser")
    assert page.select_one("#invite-language")["aria-invalid"] == "true"
    assert "Choose one of the listed languages." in page.select_one("#invite-language-error").text
    assert page.select_one("#invite-email")["value"] == "lena@example.com"
    reread(session)
    assert session.exec(select(Invitation)).first() is None


def test_inviting_a_member_again_is_refused(manager_client: TestClient, world: World) -> None:
    answer = invite(manager_client, world.owner_email)
    assert answer.status_code == 409
    assert "already a member" in answer.text
    assert BeautifulSoup(answer.text, "html.parser").select_one(".new-key") is None


def test_removing_a_manager_ends_their_session_at_once(
    manager_client: TestClient, app: FastAPI, session: Session, world: World
) -> None:
    make_manager(session, world=world, email="lee@example.com")
    membership = membership_of(session, "lee@example.com")
    assert membership is not None
    with second_browser(app) as lee:
        log_in(lee, "lee@example.com", PASSWORD)
        assert lee.get("/inbox").status_code == 200

        token = csrf_token(manager_client, "/admin/people")
        removed = manager_client.post(
            f"/admin/people/{membership.id}/remove", data={"csrf_token": token}
        )

        assert removed.status_code == 303
        signed_out = lee.get("/inbox")
        assert signed_out.status_code == 303
        assert signed_out.headers["location"].startswith("/login")
    assert membership_of(session, "lee@example.com") is None
    assert "lee@example.com" not in manager_client.get("/admin/people").text


def test_changing_a_role_and_locations(
    manager_client: TestClient, session: Session, world: World
) -> None:
    make_manager(session, world=world, email="lee@example.com")
    membership = membership_of(session, "lee@example.com")
    assert membership is not None
    token = csrf_token(manager_client, "/admin/people")
    changed = manager_client.post(
        f"/admin/people/{membership.id}",
        data={"csrf_token": token, "role": "manager", "location_ids": [str(world.terrace.id)]},
    )
    assert changed.status_code == 303
    page = BeautifulSoup(manager_client.get("/admin/people").text, "html.parser")
    summary = next(s for s in page.select("details.member summary") if "lee@" in s.get_text())
    assert "Terrace" in summary.get_text()
    assert "Manager" in summary.get_text()

    promoted = manager_client.post(
        f"/admin/people/{membership.id}", data={"csrf_token": token, "role": "owner"}
    )
    assert promoted.status_code == 303
    updated = membership_of(session, "lee@example.com")
    assert updated is not None
    assert updated.role == Role.owner


def test_the_last_owner_can_be_neither_removed_nor_demoted(
    manager_client: TestClient, session: Session, world: World
) -> None:
    owner = membership_of(session, world.owner_email)
    assert owner is not None
    token = csrf_token(manager_client, "/admin/people")

    demoted = manager_client.post(
        f"/admin/people/{owner.id}", data={"csrf_token": token, "role": "manager"}
    )
    removed = manager_client.post(f"/admin/people/{owner.id}/remove", data={"csrf_token": token})

    for answer in (demoted, removed):
        assert answer.status_code == 409
        assert "at least one owner" in answer.text
    still = membership_of(session, world.owner_email)
    assert still is not None
    assert still.role == Role.owner
    assert manager_client.get("/admin/people").status_code == 200


def test_only_owners_reach_the_people_page(
    client: TestClient, session: Session, world: World
) -> None:
    make_manager(session, world=world, email="lee@example.com")
    owner = membership_of(session, world.owner_email)
    assert owner is not None
    log_in(client, "lee@example.com", PASSWORD)
    token = csrf_token(client)
    assert client.get("/admin/people").status_code == 403
    invited = client.post(
        "/admin/people/invitations",
        data={"csrf_token": token, "email": "x@example.com", "role": "owner"},
    )
    assert invited.status_code == 403
    assert (
        client.post(f"/admin/people/{owner.id}/remove", data={"csrf_token": token}).status_code
        == 403
    )
    reread(session)
    assert session.exec(select(Invitation)).first() is None
