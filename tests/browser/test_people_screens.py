"""The People and Email pages, and the invitation page, in Chromium at phone and desktop widths.

TELLUS_SCREENSHOTS=1 keeps the PNGs in test-artifacts/screens/<engine>/ (see test_screens).
"""

import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from tests.browser.conftest import DESKTOP, PHONE, BrowserProblems, NewContext
from tests.browser.helpers import sign_in
from tests.browser.test_screens import Screenshots, assert_no_horizontal_scroll, screenshots
from tests.factories import make_manager, make_world

pytestmark = pytest.mark.browser
__all__ = ["screenshots"]  # the fixture, shared with test_screens


def test_people_mail_and_invitation_pages(
    live_db: Session,
    new_context: NewContext,
    browser_problems: BrowserProblems,
    screenshots: Screenshots,
) -> None:
    world = make_world(live_db, name="Harbour Café")
    assert world.counter.id is not None
    make_manager(
        live_db, world=world, email="ana@example.com", location_ids=frozenset({world.counter.id})
    )
    links: list[str] = []
    for device, options in (("phone", PHONE), ("desktop", DESKTOP)):
        page = new_context(**options).new_page()
        sign_in(page, world.owner_email, world.password)
        expect(page).to_have_url("/inbox")
        page.goto("/admin/people")
        page.get_by_label("Email", exact=True).fill(f"lee.{device}@example.com")
        page.get_by_label("Role").first.select_option("manager")
        page.get_by_role("button", name="Invite").click()
        link = page.locator(".new-key code")
        expect(link).to_contain_text("/invitations/")
        links.append(link.inner_text())
        screenshots.take(page, f"people-{device}")
        page.goto("/admin/mail")
        page.get_by_label("Server (host name)").fill("mail.harbour.example")
        page.get_by_label("User name").fill("cards")
        page.get_by_label("Password").fill("an smtp password")
        page.get_by_label("Send as").fill("Harbour Café <cards@harbour.example>")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("•••• set")).to_be_visible()
        screenshots.take(page, f"mail-{device}")
        if device == "phone":
            assert_no_horizontal_scroll(page)
            page.goto("/admin/people")
            assert_no_horizontal_scroll(page)

    guest = new_context(**PHONE).new_page()
    guest.goto(links[0])
    expect(guest.get_by_role("heading", name="Join Harbour Café")).to_be_visible()
    screenshots.take(guest, "invitation-phone")
    assert_no_horizontal_scroll(guest)
    guest.get_by_label("Your name").fill("Lee")
    guest.get_by_label("Password", exact=True).fill("a kettle sings at dawn")
    guest.get_by_label("The same password again").fill("a kettle sings at dawn")
    guest.get_by_role("button", name="Join and sign in").click()
    expect(guest).to_have_url("/inbox")

    assert browser_problems.messages == []
