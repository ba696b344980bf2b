"""Two-factor sign-in in a real browser: the security page and the second step, on two widths."""

import re

import pyotp
import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from tests.browser.conftest import DESKTOP, PHONE, BrowserProblems, NewContext
from tests.browser.helpers import sign_in
from tests.browser.test_screens import Screenshots, assert_no_horizontal_scroll, screenshots
from tests.factories import PASSWORD, make_manager, make_world

pytestmark = pytest.mark.browser
__all__ = ["screenshots"]  # the fixture, shared with test_screens


def test_setting_up_and_signing_in_with_a_code(
    live_db: Session,
    new_context: NewContext,
    browser_problems: BrowserProblems,
    screenshots: Screenshots,
) -> None:
    world = make_world(live_db, name="Harbour Café")
    manager_email = "manager@harbour.example"
    make_manager(live_db, world=world, email=manager_email)
    for device, options, email in (
        ("phone", PHONE, world.owner_email),
        ("desktop", DESKTOP, manager_email),
    ):
        page = new_context(**options).new_page()
        sign_in(page, email, PASSWORD)
        page.get_by_role("link", name="Security").click()
        page.get_by_role("button", name="Set up two-factor sign-in").click()
        expect(page.locator(".otp-qr svg")).to_be_visible()
        screenshots.take(page, f"security-setup-{device}")
        totp = pyotp.TOTP(page.locator(".otp-secret").inner_text().replace(" ", ""))
        page.get_by_label("Enter the 6-digit code the app shows").fill(totp.now())
        page.get_by_role("button", name="Turn on").click()
        expect(page.locator(".recovery-codes li")).to_have_count(10)
        recovery = page.locator(".recovery-codes li").first.inner_text()
        screenshots.take(page, f"security-codes-{device}")
        if device == "phone":
            assert_no_horizontal_scroll(page)

        second = new_context(**options).new_page()
        sign_in(second, email, PASSWORD)
        expect(second.get_by_role("heading", level=1)).to_have_text("Two-factor sign-in")
        screenshots.take(second, f"two-factor-step-{device}")
        second.get_by_label("Code from your authenticator app").fill("000000")
        second.get_by_role("button", name="Sign in").click()
        expect(second.get_by_role("alert")).to_contain_text("That code is not right.")
        second.get_by_label("Code from your authenticator app").fill(recovery)
        second.get_by_role("button", name="Sign in").click()
        expect(second).to_have_url(re.compile(r"/inbox$"))
        if device == "phone":
            assert_no_horizontal_scroll(second)
        second.goto("/account/security")
        screenshots.take(second, f"security-on-{device}")

    # The wrong code's 400 answer is the only problem the browser may report.
    wrong_code = "status of 400 (Bad Request) ({'url': '"
    assert [
        message
        for message in browser_problems.messages
        if not (wrong_code in message and "/login/two-factor'" in message)
    ] == []
