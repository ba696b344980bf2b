"""The Data page, a customer's cards, deleting the organisation, and the customer's own erasure,
in Chromium at phone and desktop widths: no overflow, axe clean, no console or CSP errors.

TELLUS_SCREENSHOTS=1 keeps the PNGs in test-artifacts/screens/<engine>/ (see test_screens).
"""

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from api.customer.follow_up.service import follow_up_hash
from api.security import new_secret
from tests.browser.conftest import DESKTOP, PHONE, BrowserProblems, NewContext
from tests.browser.helpers import sign_in
from tests.browser.test_accessibility import assert_accessible, axe_source
from tests.browser.test_screens import Screenshots, screenshots
from tests.factories import make_card, make_world

pytestmark = pytest.mark.browser
__all__ = ["axe_source", "screenshots"]  # the fixtures, shared with their modules

EMAIL = "ada@example.com"


def test_data_pages_and_the_customers_erasure(
    live_db: Session,
    new_context: NewContext,
    browser_problems: BrowserProblems,
    screenshots: Screenshots,
    axe_source: str,
) -> None:
    world = make_world(live_db, name="Harbour Café")
    token = new_secret(24)
    make_card(
        live_db,
        code=world.counter_code,
        rating=2,
        comment="The soup was cold, and nobody came back to the table for twenty minutes.",
        contact_name="Ada Lovelace",
        contact_email=EMAIL,
        contact_phone="+44 20 7946 0958",
        follow_up_hash=follow_up_hash(token),
    )
    for device, options in (("phone", PHONE), ("desktop", DESKTOP)):
        page = new_context(**options).new_page()
        sign_in(page, world.owner_email, world.password)
        expect(page).to_have_url("/inbox")
        page.goto("/admin/data")
        expect(page.get_by_text("Proposed, not yet confirmed")).to_be_visible()
        check(page, screenshots, axe_source, f"data-{device}")
        page.get_by_label("Email address").fill(EMAIL)
        page.get_by_role("button", name="Find their cards").click()
        expect(page.get_by_text("Ada Lovelace")).to_be_visible()
        check(page, screenshots, axe_source, f"rights-{device}")
        page.goto("/admin/data/delete")
        check(page, screenshots, axe_source, f"delete-{device}")

        customer = new_context(**options).new_page()
        customer.goto(f"/f/{token}")
        customer.get_by_role("link", name="Erase my card").click()
        expect(customer.get_by_role("heading", name="Erase your card")).to_be_visible()
        check(customer, screenshots, axe_source, f"erase-{device}")
        if device == "desktop":
            customer.get_by_role("button", name="Yes, erase my card").click()
            expect(customer.get_by_role("heading", name="Your card is erased")).to_be_visible()
            check(customer, screenshots, axe_source, "erased-desktop")
    assert browser_problems.messages == []


def check(page: Page, screenshots: Screenshots, axe_source: str, name: str) -> None:
    """No sideways scrolling at the page's width, axe clean, and a screenshot."""
    page.wait_for_load_state()
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{page.url} scrolls sideways: {width}"
    assert_accessible(page, axe_source, name)
    screenshots.take(page, name)
