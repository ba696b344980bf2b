"""Sign-in throttling: guessers are slowed, and nobody can lock the password's owner out."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from sqlmodel import Session, select

from api.accounts.service import add_membership, create_user
from api.accounts.throttle import (
    ACCOUNT_LIMIT,
    CLIENT_LIMIT,
    DEVICE_LIMIT,
    LONGEST_PAUSE_SECONDS,
    PAIR_LIMIT,
    attempt_keys,
    client_network,
    record_failure,
)
from api.models import LoginThrottle, Role, utcnow
from tests.client import TestClient
from tests.factories import World, reread

WRONG = "wrong password!"


def attempt(client: TestClient, email: str, password: str):
    page = client.get("/login")
    token = BeautifulSoup(page.text, "html.parser").select_one("input[name=form_token]")["value"]
    return client.post("/login", data={"email": email, "password": password, "form_token": token})


@contextmanager
def browser(app: FastAPI, address: str) -> Iterator[TestClient]:
    """A browser of its own (its own cookies) at this client address. Not entered as a context
    manager: the app's lifespan runs once, for the `client` fixture."""
    client = TestClient(app, client=(address, 5000), follow_redirects=False)
    try:
        yield client
    finally:
        client.close()


def sign_out(client: TestClient) -> None:
    page = client.get("/inbox")
    token = BeautifulSoup(page.text, "html.parser").select_one("input[name=csrf_token]")["value"]
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303


def test_guessing_from_one_address_pauses_that_address(client: TestClient, world: World) -> None:
    for _ in range(PAIR_LIMIT + 1):
        assert attempt(client, world.owner_email, WRONG).status_code == 400
    paused = attempt(client, world.owner_email, world.password)  # even the right one waits
    assert paused.status_code == 429
    assert "Too many sign-in attempts" in paused.text
    assert 0 < int(paused.headers["retry-after"]) <= 60
    assert "set-cookie" not in paused.headers


def test_failures_elsewhere_do_not_lock_the_owner_out(
    app: FastAPI, client: TestClient, world: World
) -> None:
    """Six wrong passwords from one place used to make the right password a 429 everywhere."""
    with browser(app, "203.0.113.9") as guesser, browser(app, "198.51.100.7") as owner:
        for _ in range(PAIR_LIMIT + 1):
            attempt(guesser, world.owner_email, WRONG)
        assert attempt(guesser, world.owner_email, world.password).status_code == 429
        assert attempt(owner, world.owner_email, world.password).status_code == 303


def test_a_botnet_from_fresh_addresses_meets_the_account_limit(app: FastAPI, world: World) -> None:
    for number in range(ACCOUNT_LIMIT + 1):
        with browser(app, f"192.0.2.{number + 1}") as bot:
            assert attempt(bot, world.owner_email, WRONG).status_code == 400
    with browser(app, "192.0.2.200") as bot:
        assert attempt(bot, world.owner_email, world.password).status_code == 429


def test_a_browser_that_signed_in_before_is_never_locked_out(app: FastAPI, world: World) -> None:
    with browser(app, "198.51.100.7") as owner:
        assert attempt(owner, world.owner_email, world.password).status_code == 303
        sign_out(owner)
        # The owner's own address guessed from as well: the device cookie still lets them in.
        with browser(app, "198.51.100.7") as same_address:
            for _ in range(PAIR_LIMIT + 1):
                attempt(same_address, world.owner_email, WRONG)
        for number in range(ACCOUNT_LIMIT + 1):
            with browser(app, f"192.0.2.{number + 1}") as bot:
                attempt(bot, world.owner_email, WRONG)
        with browser(app, "192.0.2.250") as stranger:
            assert attempt(stranger, world.owner_email, world.password).status_code == 429
        assert attempt(owner, world.owner_email, world.password).status_code == 303


def test_a_recognised_browser_still_has_a_limit_of_its_own(app: FastAPI, world: World) -> None:
    with browser(app, "198.51.100.7") as owner:
        assert attempt(owner, world.owner_email, world.password).status_code == 303
        sign_out(owner)
        for _ in range(DEVICE_LIMIT + 1):
            assert attempt(owner, world.owner_email, WRONG).status_code == 400
        assert attempt(owner, world.owner_email, world.password).status_code == 429


def test_a_device_cookie_counts_only_for_its_own_account(
    app: FastAPI, world: World, session: Session
) -> None:
    colleague = create_user(session=session, email="kim@example.com", password=world.password)
    add_membership(
        session=session, user=colleague, organisation=world.organisation, role=Role.manager
    )
    session.commit()
    with browser(app, "198.51.100.7") as owner:
        assert attempt(owner, world.owner_email, world.password).status_code == 303
        sign_out(owner)
        for _ in range(PAIR_LIMIT + 1):
            attempt(owner, "kim@example.com", WRONG)
        assert attempt(owner, "kim@example.com", world.password).status_code == 429


def test_a_forged_device_cookie_is_ignored(app: FastAPI, world: World) -> None:
    with browser(app, "198.51.100.7") as owner:
        assert attempt(owner, world.owner_email, world.password).status_code == 303
        nonce, _, _ = owner.cookies["tellus_device"].partition(".")
    with browser(app, "203.0.113.9") as guesser:
        guesser.cookies.set("tellus_device", f"{nonce}.{'0' * 32}")
        for _ in range(PAIR_LIMIT + 1):
            attempt(guesser, world.owner_email, WRONG)
        assert attempt(guesser, world.owner_email, world.password).status_code == 429


def test_the_pause_ends_and_then_the_right_password_works(
    client: TestClient, world: World, session: Session
) -> None:
    for _ in range(PAIR_LIMIT + 1):
        attempt(client, world.owner_email, WRONG)
    reread(session)
    for row in session.exec(select(LoginThrottle)).all():
        row.locked_until = utcnow() - timedelta(seconds=1)
        row.window_started_at = utcnow() - timedelta(minutes=16)
        session.add(row)
    session.commit()
    assert attempt(client, world.owner_email, world.password).status_code == 303


def test_pauses_stay_short_however_long_the_guessing(session: Session, world: World) -> None:
    keys = attempt_keys(email=world.owner_email, client="203.0.113.9", device=None)
    for _ in range(40):
        record_failure(session=session, attempt=keys)
    reread(session)
    for row in session.exec(select(LoginThrottle)).all():
        kind = row.key.partition(":")[0]
        assert row.locked_until is not None
        pause = (row.locked_until - utcnow()).total_seconds()
        assert 0 < pause <= LONGEST_PAUSE_SECONDS[kind]
    assert LONGEST_PAUSE_SECONDS["pair"] <= 5 * 60


def test_success_clears_the_count(client: TestClient, world: World) -> None:
    for _ in range(PAIR_LIMIT):
        attempt(client, world.owner_email, WRONG)
    assert attempt(client, world.owner_email, world.password).status_code == 303
    client.cookies.clear()  # a fresh browser at the same address
    for _ in range(PAIR_LIMIT):
        attempt(client, world.owner_email, WRONG)
    assert attempt(client, world.owner_email, world.password).status_code == 303


def test_one_client_guessing_many_accounts_is_paused_but_others_are_not(
    app: FastAPI, world: World
) -> None:
    with browser(app, "203.0.113.9") as guesser, browser(app, "198.51.100.7") as someone:
        for number in range(CLIENT_LIMIT + 1):
            attempt(guesser, f"person{number}@example.com", WRONG)
        assert attempt(guesser, world.owner_email, world.password).status_code == 429
        assert attempt(someone, world.owner_email, world.password).status_code == 303


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ("2001:db8:1:2::1", "2001:db8:1:2:ffff::9", True),
        ("2001:db8:1:2::1", "2001:db8:1:3::1", False),
        ("203.0.113.9", "203.0.113.10", False),
    ],
)
def test_ipv6_clients_count_by_their_64(first: str, second: str, same: bool) -> None:
    assert (client_network(first) == client_network(second)) is same


def test_long_passwords_are_used_whole(client: TestClient, world: World, session: Session) -> None:
    password = "correct horse " * 70  # 980 characters, no truncation anywhere
    user = create_user(session=session, email="long@example.com", password=password)
    add_membership(session=session, user=user, organisation=world.organisation, role=Role.manager)
    session.commit()
    assert attempt(client, "long@example.com", password[:-1]).status_code == 400
    assert attempt(client, "long@example.com", password).status_code == 303
