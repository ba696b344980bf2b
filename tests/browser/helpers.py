"""What a person does in Chromium, shared by the browser tests: sign in, send a card."""

import re

from playwright.sync_api import Page, expect


def fill_in_sign_in(page: Page, email: str, password: str) -> None:
    """Fill in the sign-in form the page shows and send it."""
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def sign_in(page: Page, email: str, password: str, *, next: str | None = None) -> None:
    """Open the sign-in form and send it; with `next`, the form is opened as a redirect from that
    page opens it (`/login?next=…`), and this waits until that page is back."""
    page.goto(f"/login?next={next}" if next else "/login")
    fill_in_sign_in(page, email, password)
    if next:
        expect(page).to_have_url(re.compile(re.escape(next) + "$"))


def send_card(page: Page, token: str, *, face: str, comment: str) -> None:
    """A customer's card from the card page: a face, a comment, Send, then the thank-you page."""
    page.goto(f"/c/{token}")
    page.get_by_role("radio", name=face, exact=True).check()
    page.get_by_label("Tell us more").fill(comment)
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you!")
