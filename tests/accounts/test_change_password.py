"""Under Security: a new password for the current one; this browser stays, the others leave."""

from bs4 import BeautifulSoup
from fastapi import FastAPI
from httpx2 import Response
from sqlmodel import Session

from api.accounts.service import authenticate
from api.accounts.throttle import PAIR_LIMIT
from tests.accounts.test_two_factor import password_step
from tests.client import TestClient
from tests.factories import PASSWORD, World, reread
from tests.helpers import csrf_token, second_browser

PAGE = "/account/security/password"
NEW_PASSWORD = "a brand new passphrase"


def change(
    client: TestClient, current: str, new: str = NEW_PASSWORD, again: str | None = None
) -> Response:
    return client.post(
        PAGE,
        data={
            "csrf_token": csrf_token(client, PAGE),
            "current_password": current,
            "password": new,
            "password_again": new if again is None else again,
        },
    )


def error_of(response: Response) -> str:
    shown = BeautifulSoup(response.text, "html.parser").select_one(".error-summary")
    assert shown is not None, response.text
    return shown.get_text(strip=True)


def test_the_security_page_links_to_the_form(manager_client: TestClient, world: World) -> None:
    page = BeautifulSoup(manager_client.get("/account/security").text, "html.parser")
    assert page.select_one(f"a[href='{PAGE}']") is not None
    assert f"You sign in with {world.owner_email}." in page.get_text()


def test_changing_keeps_this_session_and_ends_the_others(
    app: FastAPI, manager_client: TestClient, session: Session, world: World
) -> None:
    with second_browser(app) as phone:
        password_step(phone, world.owner_email, PASSWORD)
        assert phone.get("/inbox").status_code == 200

        changed = change(manager_client, PASSWORD)

        assert (changed.status_code, changed.headers["location"]) == (
            303,
            "/account/security?done=password-changed",
        )
        notice = manager_client.get(changed.headers["location"])
        assert "Your password is changed." in notice.text
        assert manager_client.get("/inbox").status_code == 200
        assert phone.get("/inbox").status_code == 303
    reread(session)
    assert authenticate(session=session, email=world.owner_email, password=NEW_PASSWORD)
    assert not authenticate(session=session, email=world.owner_email, password=PASSWORD)


def test_the_current_password_is_required_and_counts_as_a_failed_sign_in(
    app: FastAPI, manager_client: TestClient, session: Session, world: World
) -> None:
    for _ in range(PAIR_LIMIT):
        wrong = change(manager_client, "not my password")
        assert wrong.status_code == 422
        assert error_of(wrong) == "Your current password is not right."
    change(manager_client, "not my password")
    # Past the limit, even the right current password waits, as at sign-in.
    paused = change(manager_client, PASSWORD)
    assert paused.status_code == 429
    assert int(paused.headers["retry-after"]) > 0
    reread(session)
    assert authenticate(session=session, email=world.owner_email, password=PASSWORD)


def test_the_new_password_follows_the_rules(manager_client: TestClient, world: World) -> None:
    differ = change(manager_client, PASSWORD, again="something else entirely")
    assert differ.status_code == 422
    assert error_of(differ) == "The two new passwords are not the same."
    common = change(manager_client, PASSWORD, new="1qaz2wsx3edc")
    assert common.status_code == 422
    assert "too common" in error_of(common)


def test_the_form_needs_its_csrf_token(manager_client: TestClient, world: World) -> None:
    refused = manager_client.post(
        PAGE,
        data={
            "current_password": PASSWORD,
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
        },
    )
    assert refused.status_code == 403
