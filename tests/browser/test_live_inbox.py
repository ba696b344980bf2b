"""The live inbox in Chromium: a card sent from a phone appears in an open inbox, no reload."""

import uuid

import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from tests.browser.conftest import DESKTOP, PHONE, BrowserProblems, LiveServer, NewContext
from tests.browser.helpers import send_card, sign_in
from tests.factories import make_world

pytestmark = pytest.mark.browser
# The live inbox wakes differently on each engine (PostgreSQL's NOTIFY).
BOTH_ENGINES = True


def test_a_card_sent_from_a_phone_appears_in_the_open_inbox(
    live_server: LiveServer,
    live_db: Session,
    new_context: NewContext,
    browser_problems: BrowserProblems,
) -> None:
    world = make_world(live_db, name=f"Harbour Café {uuid.uuid4().hex[:6]}")
    comment = f"Nobody came to the terrace ({uuid.uuid4().hex[:8]})"

    inbox = new_context(**DESKTOP).new_page()
    sign_in(inbox, world.owner_email, world.password, next="/inbox")
    expect(inbox.locator("[data-live-state]")).to_have_text("Live: new cards appear here")
    expect(inbox.locator(".empty")).to_be_visible()
    # Anything kept on the page object survives only if the page is never reloaded.
    inbox.evaluate("window.stillTheSamePage = true")

    send_card(
        new_context(**PHONE).new_page(), world.terrace_code.token, face="Bad", comment=comment
    )

    row = inbox.locator(".card-row").first
    expect(row).to_contain_text(comment, timeout=10_000)
    expect(row.locator(".badge")).to_have_text("new")
    expect(inbox.locator("[role=status][aria-live=polite]")).to_contain_text(
        "New card: Rating 2/5 · Terrace"
    )
    expect(inbox.locator(".empty")).to_have_count(0)
    assert inbox.evaluate("window.stillTheSamePage") is True

    # Opening the card marks it seen (the page's script POSTs), and the inbox shows it.
    row.get_by_role("link").click()
    expect(inbox.locator(".detail-head .badge")).to_have_text("seen")
    expect(inbox.get_by_role("button", name="Mark read")).to_have_count(0)
    inbox.reload()
    expect(inbox.locator(".detail-head .badge")).to_have_text("seen")
    inbox.get_by_role("button", name="Acknowledge").click()
    expect(inbox.locator(".detail-head .badge")).to_have_text("acknowledged")
    expect(inbox.locator(".steps")).to_contain_text(f"Acknowledged by {world.owner_email}")

    assert browser_problems.messages == []


def test_the_inbox_fits_a_phone(
    live_server: LiveServer, live_db: Session, new_context: NewContext
) -> None:
    world = make_world(live_db, name=f"Corner Deli {uuid.uuid4().hex[:6]}")
    page = new_context(**PHONE).new_page()
    send_card(page, world.terrace_code.token, face="Bad", comment="A long comment " * 30)
    sign_in(page, world.owner_email, world.password, next="/inbox")
    expect(page.locator(".card-row")).to_have_count(1)
    overflow = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    assert page.evaluate(overflow) <= 0
    page.locator(".card-row a").click()
    expect(page.get_by_role("button", name="Dismiss")).to_be_visible()
    assert page.evaluate(overflow) <= 0
    manifest = page.locator("link[rel=manifest]").get_attribute("href")
    assert manifest is not None
    assert manifest.startswith("/static/inbox.webmanifest?v=")
