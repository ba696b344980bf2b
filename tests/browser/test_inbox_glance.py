"""The inbox at a glance in Chromium: on a phone the cards come first, two lines of each comment
show, nothing scrolls sideways, and the title counts the unread cards as they come live."""

import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from api.models import CardStatus, utcnow
from tests.browser import test_screens
from tests.browser.conftest import DESKTOP, PHONE, BrowserProblems, NewContext
from tests.browser.helpers import send_card, sign_in
from tests.browser.test_screens import Screenshots, assert_no_horizontal_scroll, seed_inbox
from tests.factories import World, make_card, make_world

pytestmark = pytest.mark.browser
screenshots = test_screens.screenshots

# Measured at 390x844: the menu bar, the heading and one bar of search and Filters put the first
# card 163 px down (it was 730 px with the menu, search, filters and bulk bar stacked).
FIRST_CARD_ON_A_PHONE = 200
FIRST_CARD_ON_A_DESKTOP = 220
LONG_WORD = "Unacceptable" * 40

LINES_SHOWN = """e => {
    const style = getComputedStyle(e);
    return Math.round(e.getBoundingClientRect().height / parseFloat(style.lineHeight));
}"""
FONT_WEIGHT = "e => Number(getComputedStyle(e).fontWeight)"


def seed_long_comments(session: Session, world: World) -> None:
    """Two more cards: a word too long for any line, then a long comment, the newest."""
    make_card(
        session,
        code=world.counter_code,
        rating=1,
        comment=LONG_WORD,
        status=CardStatus.seen,
        created_at=utcnow() - timedelta(days=2),
    )
    make_card(
        session,
        code=world.terrace_code,
        rating=2,
        comment="We waited twenty minutes for two flat whites while the staff chatted behind the "
        "counter, and when they came they were lukewarm. I come here every morning and it "
        "has never been like this. Please call me.",
        created_at=utcnow() - timedelta(minutes=2),
        contact_email="sam@example.com",
        wants_reply=True,
    )


def top_of_first_card(page: Page) -> float:
    box = page.locator(".card-row").first.bounding_box()
    assert box is not None
    return box["y"]


def open_seeded_inbox(session: Session, new_context: NewContext, device: dict[str, Any]) -> Page:
    """The owner's inbox on this device, over the usual cards and two very long comments."""
    world = make_world(session, name="Harbour Café")
    seed_inbox(session, world)
    seed_long_comments(session, world)
    page = new_context(**device).new_page()
    sign_in(page, world.owner_email, world.password)
    expect(page.locator(".card-row")).to_have_count(7)
    return page


def test_a_phone_shows_the_cards_first_two_lines_each(
    live_db: Session,
    new_context: NewContext,
    browser_problems: BrowserProblems,
    screenshots: Screenshots,  # noqa: F811  (the fixture above)
) -> None:
    page = open_seeded_inbox(live_db, new_context, PHONE)
    screenshots.take(page, "inbox-glance-phone")

    assert top_of_first_card(page) <= FIRST_CARD_ON_A_PHONE
    assert_no_horizontal_scroll(page)
    # The site's menu is one line.
    menu = page.locator(".topbar").bounding_box()
    assert menu is not None
    assert menu["height"] <= 56

    # Two lines of a long comment, and of a word longer than the line; one of a short one.
    long_comment = page.locator(".card-row", has_text="lukewarm").locator(".row-comment")
    assert long_comment.evaluate(LINES_SHOWN) == 2
    assert long_comment.evaluate("e => e.scrollHeight > e.clientHeight"), "clamped, not all"
    long_word = page.locator(".card-row", has_text="Unacceptable").locator(".row-comment")
    assert long_word.evaluate(LINES_SHOWN) == 2
    short = page.locator(".card-row", has_text="(no comment)").locator(".row-comment")
    assert short.evaluate(LINES_SHOWN) == 1

    # Its age, place and mark; unread cards stand out.
    newest = page.locator(".card-row").first
    expect(newest.locator(".row-age")).to_have_text(re.compile(r"^[1-3] min$"))
    expect(newest.locator(".row-where")).to_have_text("Terrace")
    expect(newest.locator(".mark")).to_have_text("Wants a reply")
    expect(page.locator(".card-row", has_text="Unacceptable").locator(".row-age")).to_have_text(
        "2 days"
    )
    read = page.locator(".card-row", has_text="Unacceptable").locator(".row-comment")
    assert newest.locator(".row-comment").evaluate(FONT_WEIGHT) >= 600
    assert read.evaluate(FONT_WEIGHT) < 600

    # Filters and bulk actions wait until asked for.
    expect(page.locator(".filter-panel")).to_be_hidden()
    expect(page.locator(".bulk-bar")).to_be_hidden()
    page.locator(".card-row input[type=checkbox]").nth(1).check()
    page.locator(".card-row input[type=checkbox]").nth(2).check()
    bar = page.locator(".bulk-bar summary")
    expect(bar).to_be_visible()
    expect(bar).to_have_text("With the selected cards")
    # It waits at the foot of the screen, over the list.
    box = bar.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= PHONE["viewport"]["height"]
    assert_no_horizontal_scroll(page)
    screenshots.take(page, "inbox-glance-selected-phone")
    page.locator(".card-row input[type=checkbox]").nth(1).uncheck()
    page.locator(".card-row input[type=checkbox]").nth(2).uncheck()
    expect(page.locator(".bulk-bar")).to_be_hidden()

    page.locator(".more-filters summary").click()
    expect(page.locator("#f-location")).to_be_visible()
    assert_no_horizontal_scroll(page)
    screenshots.take(page, "inbox-glance-filters-phone")
    page.keyboard.press("Escape")
    expect(page.locator(".filter-panel")).to_be_hidden()

    # A card's page gives the comment the screen's width, and the header is not squeezed.
    page.locator(".card-row", has_text="lukewarm").locator("a").click()
    comment = page.locator("blockquote.comment").bounding_box()
    meta = page.locator(".detail-head .row-meta").bounding_box()
    assert comment is not None
    assert meta is not None
    assert comment["width"] >= 0.85 * PHONE["viewport"]["width"]
    assert meta["width"] >= 0.85 * PHONE["viewport"]["width"]
    assert_no_horizontal_scroll(page)
    screenshots.take(page, "inbox-glance-card-phone")
    assert browser_problems.messages == []


def test_the_desktop_inbox_starts_with_the_cards(
    live_db: Session,
    new_context: NewContext,
    browser_problems: BrowserProblems,
    screenshots: Screenshots,  # noqa: F811
) -> None:
    page = open_seeded_inbox(live_db, new_context, DESKTOP)
    assert top_of_first_card(page) <= FIRST_CARD_ON_A_DESKTOP
    long_comment = page.locator(".card-row", has_text="Unacceptable").locator(".row-comment")
    assert long_comment.evaluate(LINES_SHOWN) == 2
    screenshots.take(page, "inbox-glance-desktop")
    assert browser_problems.messages == []


BADGES = """
window.badges = [];
Object.defineProperty(Navigator.prototype, "setAppBadge", {
    configurable: true, value(count) { window.badges.push(count); return Promise.resolve(); } });
Object.defineProperty(Navigator.prototype, "clearAppBadge", {
    configurable: true, value() { window.badges.push(0); return Promise.resolve(); } });
"""


def test_the_title_and_the_app_badge_count_unread_cards_live(
    live_db: Session, new_context: NewContext, browser_problems: BrowserProblems
) -> None:
    name = f"Corner Deli {uuid.uuid4().hex[:6]}"
    world = make_world(live_db, name=name)
    first = make_card(live_db, code=world.counter_code, comment="Unread already")
    context = new_context(**DESKTOP)
    context.add_init_script(BADGES)
    inbox = context.new_page()
    sign_in(inbox, world.owner_email, world.password, next="/inbox")
    expect(inbox).to_have_title(f"(1) Inbox — {name}")
    expect(inbox.locator("[data-live-state]")).to_have_text("Live: new cards appear here")
    assert inbox.evaluate("window.badges") == [1]

    send_card(new_context(**PHONE).new_page(), world.terrace_code.token, face="Bad", comment="Hi")
    expect(inbox).to_have_title(f"(2) Inbox — {name}", timeout=10_000)
    expect(inbox.locator("[data-unread-number]")).to_have_text("2")
    assert inbox.evaluate("window.badges") == [1, 2]

    # Opened elsewhere (another tab of the same manager): one fewer, here too. Its row here is
    # ticked for a bulk action, and stays ticked as it changes.
    inbox.locator(f"#card-{first.id} .row-select input").check()
    other = context.new_page()
    other.goto(f"/inbox/{first.id}")
    expect(other.locator(".detail-head .badge")).to_have_text("seen")
    expect(inbox).to_have_title(f"(1) Inbox — {name}", timeout=10_000)
    expect(inbox.locator(f"#card-{first.id}")).not_to_have_class(re.compile(r"\bunread\b"))
    expect(inbox.locator(f"#card-{first.id} .row-select input")).to_be_checked()
    assert inbox.evaluate("window.badges")[-1] == 1
    assert browser_problems.messages == []
