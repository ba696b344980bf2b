"""The loop back to the customer in Chromium: a reply reaches their follow-up page, live."""

import os
import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, Route, expect
from sqlalchemy.engine import make_url
from sqlmodel import Session

from api.customer.follow_up.service import follow_up_hash
from api.models import ReplyTemplate
from api.security import new_secret
from tests.browser.conftest import DESKTOP, PHONE, ROOT, BrowserProblems, LiveServer, NewContext
from tests.browser.helpers import send_card, sign_in
from tests.factories import make_card, make_world

pytestmark = pytest.mark.browser
# The follow-up page's stream wakes differently on each engine (PostgreSQL's NOTIFY).
BOTH_ENGINES = True
REPLY = "So sorry! We have put a heater on the terrace. Your next coffee is on us."


def shoot(page: Page, live_server: LiveServer, name: str, tmp_path: Path) -> None:
    """A full-page screenshot; kept in test-artifacts/screens/<engine>/ with TELLUS_SCREENSHOTS."""
    engine = make_url(live_server.database_url).get_backend_name()
    keep = ROOT / "test-artifacts" / "screens" / engine
    path = (keep if os.environ.get("TELLUS_SCREENSHOTS") else tmp_path) / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=path, full_page=True, animations="disabled")
    assert path.stat().st_size > 1000


def test_the_customer_sees_the_managers_reply_and_resolved_live(
    live_server: LiveServer,
    live_db: Session,
    new_context: NewContext,
    browser_problems: BrowserProblems,
    tmp_path: Path,
) -> None:
    world = make_world(live_db, name=f"Harbour Café {uuid.uuid4().hex[:6]}")
    comment = f"Cold on the terrace ({uuid.uuid4().hex[:8]})"
    inbox = new_context(**DESKTOP).new_page()
    sign_in(inbox, world.owner_email, world.password, next="/inbox")
    expect(inbox.locator("[data-live-state]")).to_have_text("Live: new cards appear here")

    customer = new_context(**PHONE).new_page()
    send_card(customer, world.terrace_code.token, face="Bad", comment=comment)
    link = customer.get_by_role("link", name="Follow your card")
    expect(link).to_have_attribute("href", re.compile(r"/f/[A-Za-z0-9_-]{32}$"))
    shoot(customer, live_server, "thanks-follow-up-phone", tmp_path)
    link.click()
    expect(customer).to_have_url(re.compile(r"/f/[A-Za-z0-9_-]{32}$"))
    expect(customer.locator("#follow-state")).to_contain_text("Not read yet")
    expect(customer.get_by_text("This page updates by itself.")).to_be_visible()
    customer.evaluate("window.stillTheSamePage = true")

    # The manager opens the new card from the live inbox: the customer sees it was read.
    inbox.locator(".card-row").first.get_by_role("link").click()
    expect(inbox.locator(".detail-head .badge")).to_have_text("seen")
    expect(customer.locator("#follow-state")).to_contain_text("Seen by a manager")

    inbox.get_by_label("Your reply").fill(REPLY)
    inbox.get_by_role("button", name="Send reply").click()
    expect(inbox.locator(".reply").first).to_contain_text(REPLY)
    expect(inbox.locator(".reply").first).to_contain_text("Shown on the customer's follow-up page.")
    expect(customer.locator(".reply-body")).to_have_text(REPLY)
    shoot(inbox, live_server, "reply-section-desktop", tmp_path)

    inbox.get_by_role("button", name="Mark resolved").click()
    expect(customer.locator("#follow-state")).to_contain_text("Resolved")
    assert customer.evaluate("window.stillTheSamePage") is True
    shoot(customer, live_server, "follow-up-phone-light", tmp_path)

    # The card page on this phone offers the earlier card's private link again.
    follow_up_url = customer.url
    customer.goto(f"/c/{world.terrace_code.token}")
    earlier = customer.locator("#earlier-cards a")
    expect(earlier).to_have_count(1)
    assert earlier.get_attribute("href") == follow_up_url

    assert browser_problems.messages == []


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_thank_you_page_links_the_follow_up_page_in_words(
    live_server: LiveServer,
    live_db: Session,
    new_context: NewContext,
    browser_problems: BrowserProblems,
    tmp_path: Path,
    language: str,
) -> None:
    world = make_world(live_db, name=f"Harbour Café {uuid.uuid4().hex[:6]}")
    customer = new_context(**PHONE, locale=language).new_page()
    customer.goto(f"/c/{world.counter_code.token}?lang={language}")
    customer.locator("input[name=rating][value='4']").check()
    customer.locator("button.send").click()
    expect(customer.locator(".thanks h1")).to_be_visible()
    link = customer.locator("a[data-follow-up]")
    words = {"en": "Follow your card", "ar": "تابع بطاقتك"}[language]
    expect(link).to_have_text(words)
    href = link.get_attribute("href")
    assert href is not None
    assert re.search(r"/f/[A-Za-z0-9_-]{32}$", href)
    # The address itself stays on the page, whole, in a field to copy: not a line broken in two.
    address = customer.locator("input.follow-address")
    expect(address).to_have_value(href)
    expect(address).to_have_attribute("readonly", "")
    assert customer.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]
    box = link.bounding_box()
    assert box is not None
    assert box["height"] < 80, "the link's words fit on one or two lines"
    address.focus()  # one tap selects the whole address, to copy
    selected = "[document.activeElement.selectionStart, document.activeElement.selectionEnd]"
    assert customer.evaluate(selected) == [0, len(href)]
    shoot(customer, live_server, f"thanks-follow-link-{language}", tmp_path)
    link.click()
    expect(customer).to_have_url(href)
    assert browser_problems.messages == []


def test_a_template_fills_the_reply_and_pages_fit(
    live_server: LiveServer,
    live_db: Session,
    new_context: NewContext,
    browser_problems: BrowserProblems,
    tmp_path: Path,
) -> None:
    world = make_world(live_db, name=f"Corner Deli {uuid.uuid4().hex[:6]}")
    live_db.add(
        ReplyTemplate(
            organisation_id=world.organisation.id,
            title="Apology",
            body="We are sorry about your visit.",
        )
    )
    live_db.commit()
    customer = new_context(**PHONE, color_scheme="dark", locale="ar").new_page()
    customer.goto(f"/c/{world.terrace_code.token}?lang=ar")
    customer.locator("input[name=rating][value='2']").check()
    customer.locator("button.send").click()
    follow_up = customer.locator("a[data-follow-up]").get_attribute("href")
    assert follow_up is not None

    manager = new_context(**PHONE).new_page()
    sign_in(manager, world.owner_email, world.password, next="/inbox")
    manager.locator(".card-row").first.get_by_role("link").click()
    manager.get_by_label("Start from a template").select_option(label="Apology")
    expect(manager.get_by_label("Your reply")).to_have_value("We are sorry about your visit.")
    expect(manager.get_by_role("button", name="Use template")).to_be_hidden()
    manager.get_by_role("button", name="Send reply").click()
    expect(manager.locator(".reply")).to_have_count(1)
    width = "document.documentElement.scrollWidth"
    assert manager.evaluate(width) <= PHONE["viewport"]["width"]
    shoot(manager, live_server, "reply-section-phone", tmp_path)

    customer.goto(follow_up)
    expect(customer.locator("html")).to_have_attribute("dir", "rtl")
    expect(customer.locator(".reply-body")).to_have_text("We are sorry about your visit.")
    assert customer.evaluate(width) <= PHONE["viewport"]["width"]
    shoot(customer, live_server, "follow-up-phone-dark-ar", tmp_path)
    assert browser_problems.messages == []


def test_the_live_note_moves_nothing_when_it_appears(
    live_db: Session, new_context: NewContext, browser_problems: BrowserProblems
) -> None:
    """The note that the page is live shows once its stream opens, on a line kept for it: the
    links under it stay where they were (a customer reaching for "Erase my card" would tap
    something else)."""
    world = make_world(live_db, name=f"Harbour Café {uuid.uuid4().hex[:6]}")
    token = new_secret(24)
    make_card(live_db, code=world.counter_code, follow_up_hash=follow_up_hash(token))
    customer = new_context(**PHONE).new_page()
    held: list[Route] = []
    # The stream waits until the test lets it through.
    customer.route(re.compile(r"/f/[^/]+/stream"), lambda route: held.append(route))
    customer.goto(f"/f/{token}")
    note = customer.get_by_text("This page updates by itself.")
    erase = customer.get_by_role("link", name="Erase my card")
    expect(note).to_be_hidden()
    before = erase.bounding_box()
    while not held:
        customer.wait_for_timeout(50)
    held[0].continue_()
    expect(note).to_be_visible()
    assert erase.bounding_box() == before
    assert browser_problems.messages == []
