"""Sign-in throttling: guessing is slowed per account and per client; the real user gets back in."""

from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from api.models import LoginThrottle, Role, utcnow
from api.services.accounts import add_membership, create_user
from api.services.throttle import ACCOUNT_LIMIT, CLIENT_LIMIT
from tests.factories import World, reread
from tests.helpers import sign_in


def test_an_account_is_paused_after_repeated_failures(
    client: TestClient, world: World, session: Session
) -> None:
    for _ in range(ACCOUNT_LIMIT + 1):
        assert sign_in(client, world.owner_email, "wrong password!").status_code == 400
    paused = sign_in(client, world.owner_email, world.password)  # even the right one waits
    assert paused.status_code == 429
    assert "Too many sign-in attempts" in paused.text
    assert 0 < int(paused.headers["retry-after"]) <= 60
    assert "set-cookie" not in paused.headers


def test_the_pause_is_short_and_then_the_right_password_works(
    client: TestClient, world: World, session: Session
) -> None:
    for _ in range(ACCOUNT_LIMIT + 1):
        sign_in(client, world.owner_email, "wrong password!")
    reread(session)
    for row in session.exec(select(LoginThrottle)).all():
        row.locked_until = utcnow() - timedelta(seconds=1)
        row.window_started_at = utcnow() - timedelta(minutes=16)
        session.add(row)
    session.commit()
    assert sign_in(client, world.owner_email, world.password).status_code == 303


def test_success_clears_the_accounts_count(
    client: TestClient, world: World, session: Session
) -> None:
    for _ in range(ACCOUNT_LIMIT - 1):
        sign_in(client, world.owner_email, "wrong password!")
    assert sign_in(client, world.owner_email, world.password).status_code == 303
    for _ in range(ACCOUNT_LIMIT - 1):
        sign_in(client, world.owner_email, "wrong password!")
    assert sign_in(client, world.owner_email, world.password).status_code == 303


def test_one_client_guessing_many_accounts_is_paused_but_others_are_not(
    app: FastAPI, world: World
) -> None:
    with (
        TestClient(app, client=("203.0.113.9", 5000), follow_redirects=False) as guesser,
        TestClient(app, client=("198.51.100.7", 5000), follow_redirects=False) as someone,
    ):
        for number in range(CLIENT_LIMIT + 1):
            sign_in(guesser, f"person{number}@example.com", "wrong password!")
        assert sign_in(guesser, world.owner_email, world.password).status_code == 429
        assert sign_in(someone, world.owner_email, world.password).status_code == 303


def test_long_passwords_are_used_whole(client: TestClient, world: World, session: Session) -> None:
    password = "correct horse " * 70  # 980 characters, no truncation anywhere
    user = create_user(session=session, email="long@example.com", password=password)
    add_membership(session=session, user=user, organisation=world.organisation, role=Role.manager)
    session.commit()
    assert sign_in(client, "long@example.com", password[:-1]).status_code == 400
    assert sign_in(client, "long@example.com", password).status_code == 303
