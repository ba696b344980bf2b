"""Working cards in a real Chromium: filters, a bulk action, and a card's notes, tags and trail.

Set TELLUS_SCREENSHOTS=1 to keep the screenshots in test-artifacts/screens/<engine>/.
"""

import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from tests.browser import test_screens
from tests.browser.conftest import DESKTOP, PHONE, BrowserProblems, NewContext
from tests.browser.helpers import sign_in
from tests.browser.test_screens import Screenshots, assert_no_horizontal_scroll, seed_inbox
from tests.factories import make_world

pytestmark = pytest.mark.browser
# The same fixture as the other screenshots, kept in the same folder.
screenshots = test_screens.screenshots


def test_filter_select_bulk_tag_then_work_a_card(
    live_db: Session,
    new_context: NewContext,
    browser_problems: BrowserProblems,
    screenshots: Screenshots,  # noqa: F811  (the fixture above)
) -> None:
    world = make_world(live_db, name="Harbour Café")
    seed_inbox(live_db, world)
    for device, options in (("phone", PHONE), ("desktop", DESKTOP)):
        page = new_context(**options).new_page()
        sign_in(page, world.owner_email, world.password)
        expect(page.locator(".card-row")).to_have_count(5)
        # The terrace's cards, found, selected and tagged in one go.
        page.locator(".more-filters summary").click()
        page.locator("#f-location").select_option(label="Terrace")
        page.get_by_role("button", name="Filter").click()
        expect(page.locator(".card-row")).to_have_count(2)
        assert "location=" in page.url
        boxes = page.locator(".card-row input[type=checkbox]")
        boxes.nth(0).check()
        boxes.nth(1).check()
        page.locator(".bulk-bar summary").click()
        page.locator("#bulk-action").select_option("tag")
        page.locator(".bulk-fields input[name=tag]").fill(f"follow-up-{device}")
        screenshots.take(page, f"inbox-work-{device}")
        if device == "phone":
            assert_no_horizontal_scroll(page)
        page.get_by_role("button", name="Apply").click()
        expect(page.locator(f".card-row .tag:text-is('follow-up-{device}')")).to_have_count(2)
        assert "location=" in page.url

        page.locator(".card-row.rating-1 a").click()
        page.locator("#note-body").fill("Phoned Priya, offered a free coffee next visit.")
        page.get_by_role("button", name="Add note").click()
        page.get_by_placeholder("New tag").fill("terrace")
        page.get_by_role("button", name="Add tag").click()
        page.locator("form[action$='/assign'] select").select_option(label=world.owner_email)
        page.get_by_role("button", name="Assign", exact=True).click()
        # The second device finds the card acknowledged by the first.
        step, moved = (
            ("Acknowledge", "seen → acknowledged")
            if device == "phone"
            else ("Mark resolved", "acknowledged → resolved")
        )
        page.get_by_role("button", name=step).click()
        expect(page.locator(".note-body").last).to_have_text(
            "Phoned Priya, offered a free coffee next visit."
        )
        history = page.locator(".history li")
        expect(history.last).to_contain_text(f"status {moved}")
        expect(history.filter(has_text="added tag terrace")).to_have_count(1)
        expect(history.filter(has_text=f"assignee nobody → {world.owner_email}")).to_have_count(1)
        screenshots.take(page, f"inbox-card-work-{device}")
        if device == "phone":
            assert_no_horizontal_scroll(page)
    assert browser_problems.messages == []
