"""Two-factor sign-in with real one-time codes (pyotp): set-up, second step, recovery, throttle."""

import time

import pyotp
from bs4 import BeautifulSoup
from fastapi import FastAPI
from httpx2 import Response
from sqlmodel import Session, select

from api.accounts.two_factor import provisioning_uri
from api.models import RecoveryCode, TwoFactor, UserSession
from qr.codes import render_svg
from tests.client import TestClient
from tests.factories import World, reread
from tests.helpers import csrf_token, sign_in, soup

SECURITY = "/account/security"
STEP = "/login/two-factor"
WRONG_CODE_TEXT = "That code is not right."


def password_step(
    client: TestClient, email: str, password: str, next_path: str = "/inbox"
) -> Response:
    """The sign-in form, as a person fills it in."""
    return sign_in(client, email, password, next=next_path)


def code_step(client: TestClient, code: str) -> Response:
    return client.post(STEP, data={"code": code})


def start_setup(client: TestClient) -> str:
    """Begin the set-up; the secret as the page shows it to type in."""
    token = csrf_token(client, SECURITY)
    assert client.post(f"{SECURITY}/setup", data={"csrf_token": token}).status_code == 303
    shown = soup(client.get(SECURITY)).select_one(".otp-secret")
    assert shown is not None
    return shown.get_text().replace(" ", "")


def turn_on(client: TestClient) -> tuple[pyotp.TOTP, list[str]]:
    """Set up two-factor with a current code; the authenticator and the recovery codes shown."""
    totp = pyotp.TOTP(start_setup(client))
    token = csrf_token(client, SECURITY)
    response = client.post(f"{SECURITY}/enable", data={"csrf_token": token, "code": totp.now()})
    assert response.status_code == 200, response.text
    codes = [item.get_text() for item in soup(response).select(".recovery-codes li")]
    return totp, codes


def later_code(totp: pyotp.TOTP) -> str:
    """The next step's code: still accepted (clocks drift) and never used before."""
    return totp.at(time.time() + 30)


def test_setup_shows_the_secret_as_text_and_as_an_inline_qr(
    manager_client: TestClient, world: World
) -> None:
    page = soup(manager_client.get(SECURITY))
    assert "Off." in page.get_text()
    secret = start_setup(manager_client)
    page = soup(manager_client.get(SECURITY))
    svg = page.select_one(".otp-qr svg")
    assert svg is not None
    assert not page.select("img")  # the CSP allows no image from elsewhere
    expected = render_svg(provisioning_uri(secret=secret, email=world.owner_email)).decode()
    assert (
        svg.select_one("path")["d"]
        == BeautifulSoup(expected, "html.parser").select_one("path")["d"]
    )
    assert provisioning_uri(secret=secret, email=world.owner_email).startswith(
        "otpauth://totp/Tellus:"
    )


def test_turning_on_needs_a_current_code_and_shows_ten_recovery_codes_once(
    manager_client: TestClient, session: Session, world: World
) -> None:
    secret = start_setup(manager_client)
    token = csrf_token(manager_client, SECURITY)
    wrong = manager_client.post(f"{SECURITY}/enable", data={"csrf_token": token, "code": "000000"})
    assert wrong.status_code == 422
    assert WRONG_CODE_TEXT in wrong.text
    right = manager_client.post(
        f"{SECURITY}/enable", data={"csrf_token": token, "code": pyotp.TOTP(secret).now()}
    )
    codes = [item.get_text() for item in soup(right).select(".recovery-codes li")]
    assert len(set(codes)) == 10
    reread(session)
    stored = session.exec(select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10
    assert not {code.replace("-", "") for code in codes} & set(stored)  # only hashes are kept
    again = soup(manager_client.get(SECURITY))
    assert not again.select(".recovery-codes")
    assert "10 unused recovery codes left." in again.get_text()


def test_sign_in_asks_for_a_code_before_any_session_exists(
    client: TestClient, app: FastAPI, session: Session, world: World
) -> None:
    password_step(client, world.owner_email, world.password)
    totp, _ = turn_on(client)
    reread(session)
    sessions_before = len(session.exec(select(UserSession)).all())
    client.cookies.clear()
    response = password_step(client, world.owner_email, world.password, next_path="/admin/codes")
    assert response.status_code == 303
    assert response.headers["location"] == STEP
    assert "tellus_session" not in client.cookies
    assert client.get("/inbox").status_code == 303  # the password alone opens nothing
    reread(session)
    assert len(session.exec(select(UserSession)).all()) == sessions_before
    assert "Code from your authenticator app" in client.get(STEP).text
    done = code_step(client, later_code(totp))
    assert done.status_code == 303
    assert done.headers["location"] == "/admin/codes"
    assert client.get("/inbox").status_code == 200
    # The half-finished sign-in is spent: it cannot be finished a second time.
    assert code_step(client, totp.now()).headers["location"] == "/login"


def test_a_code_is_never_taken_twice(client: TestClient, world: World) -> None:
    password_step(client, world.owner_email, world.password)
    totp = pyotp.TOTP(start_setup(client))
    used_at_setup = totp.now()
    enable = {"csrf_token": csrf_token(client, SECURITY), "code": used_at_setup}
    assert client.post(f"{SECURITY}/enable", data=enable).status_code == 200
    client.cookies.clear()
    password_step(client, world.owner_email, world.password)
    refused = code_step(client, used_at_setup)
    assert refused.status_code == 400, "a code used to turn two-factor on signed in again"
    assert WRONG_CODE_TEXT in refused.text
    code = later_code(totp)
    assert code_step(client, code).status_code == 303
    client.cookies.clear()
    password_step(client, world.owner_email, world.password)
    assert code_step(client, code).status_code == 400


def test_a_recovery_code_works_once(client: TestClient, world: World) -> None:
    password_step(client, world.owner_email, world.password)
    _, codes = turn_on(client)
    client.cookies.clear()
    password_step(client, world.owner_email, world.password)
    assert code_step(client, codes[3].upper()).status_code == 303  # as read back from paper
    assert "9 unused recovery codes left." in client.get(SECURITY).text
    client.cookies.clear()
    password_step(client, world.owner_email, world.password)
    assert code_step(client, codes[3]).status_code == 400
    assert code_step(client, codes[4]).status_code == 303


def test_wrong_codes_are_throttled_like_passwords(client: TestClient, world: World) -> None:
    password_step(client, world.owner_email, world.password)
    totp, _ = turn_on(client)
    client.cookies.clear()
    password_step(client, world.owner_email, world.password)
    for _ in range(6):
        assert (
            code_step(client, "123456" if totp.now() != "123456" else "654321").status_code == 400
        )
    paused = code_step(client, later_code(totp))
    assert paused.status_code == 429
    assert int(paused.headers["Retry-After"]) > 0
    # A right password again does not clear the count of wrong codes.
    password_step(client, world.owner_email, world.password)
    assert code_step(client, later_code(totp)).status_code == 429


def test_new_recovery_codes_replace_the_old_ones(client: TestClient, world: World) -> None:
    password_step(client, world.owner_email, world.password)
    totp, old_codes = turn_on(client)
    token = csrf_token(client, SECURITY)
    refused = client.post(f"{SECURITY}/recovery-codes", data={"csrf_token": token, "code": "1"})
    assert refused.status_code == 422
    made = client.post(
        f"{SECURITY}/recovery-codes", data={"csrf_token": token, "code": old_codes[0]}
    )
    new_codes = [item.get_text() for item in soup(made).select(".recovery-codes li")]
    assert len(new_codes) == 10
    assert not set(new_codes) & set(old_codes)
    client.cookies.clear()
    password_step(client, world.owner_email, world.password)
    assert code_step(client, old_codes[1]).status_code == 400
    assert code_step(client, new_codes[1]).status_code == 303


def test_turning_off_needs_a_current_code(
    client: TestClient, session: Session, world: World
) -> None:
    password_step(client, world.owner_email, world.password)
    totp, codes = turn_on(client)
    token = csrf_token(client, SECURITY)
    refused = client.post(f"{SECURITY}/disable", data={"csrf_token": token, "code": "000000"})
    assert refused.status_code == 422
    assert "On:" in soup(client.get(SECURITY)).get_text()
    off = client.post(f"{SECURITY}/disable", data={"csrf_token": token, "code": later_code(totp)})
    assert off.status_code == 303
    reread(session)
    assert session.get(TwoFactor, world.owner.id) is None
    assert not session.exec(select(RecoveryCode)).all()
    client.cookies.clear()
    assert password_step(client, world.owner_email, world.password).headers["location"] == "/inbox"


def test_no_second_step_without_a_right_password(client: TestClient) -> None:
    assert client.get(STEP).headers["location"] == "/login"
    assert code_step(client, "123456").headers["location"] == "/login"
    client.cookies.set("tellus_pending", "forged")
    assert code_step(client, "123456").headers["location"] == "/login"


def test_the_session_id_is_rotated_at_the_second_step(client: TestClient, world: World) -> None:
    password_step(client, world.owner_email, world.password)
    totp, codes = turn_on(client)
    before = client.cookies["tellus_session"]
    password_step(client, world.owner_email, world.password)
    assert client.cookies["tellus_session"] == before  # not yet: the password alone changes nothing
    code_step(client, codes[0])
    after = client.cookies["tellus_session"]
    assert after != before
    client.cookies.clear()
    client.cookies.set("tellus_session", before)
    assert client.get("/inbox").status_code == 303
