"""The leaderboard, a certificate's page and Customer Service Week in Chromium: axe finds
nothing, nothing scrolls sideways at phone or desktop width, in English and in Arabic."""

import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from api.models import Organisation, Role
from api.recognition.periods import service_week
from api.recognition.service import pass_on_compliment
from api.tenancy import Tenant
from tests.browser.conftest import DESKTOP, PHONE, ROOT, BrowserProblems, NewContext
from tests.browser.helpers import sign_in
from tests.browser.test_accessibility import assert_accessible, axe_source  # noqa: F401
from tests.browser.test_screens import Screenshots
from tests.factories import World, make_card, make_world

pytestmark = pytest.mark.browser
WEEK = service_week(2026)
DURING = datetime(2026, 10, 6, 10, 0, tzinfo=UTC)


def thanked_week(session: Session, world: World) -> None:
    """Maya 3 compliments, Sam 3: a tie at the top; both with words to quote."""
    tenant = Tenant(organisation_id=world.organisation.id or 0, role=Role.owner)
    for code, employee_id, words in (
        (world.maya_code, world.maya.id, "Maya remembered my usual and had it ready"),
        (world.terrace_code, world.sam.id, "Sam found us a table in the shade"),
    ):
        for number in range(3):
            card = make_card(
                session,
                code=code,
                rating=5,
                employee_id=employee_id,
                comment=f"{words} ({number + 1}). A long word: Kundenzufriedenheitsumfrage.",
                created_at=DURING,
            )
            pass_on_compliment(session=session, tenant=tenant, card_id=card.id or 0, note="!")


# The pages' layout and accessibility, on one engine: tests/recognition runs their data on both.
@pytest.mark.parametrize("live_database_url", ["sqlite"], indirect=True)
def test_the_pages_pass_axe_and_fit_a_phone_and_a_desktop(
    live_db: Session,
    new_context: NewContext,
    browser_problems: BrowserProblems,
    axe_source: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    world = make_world(live_db, name="Harbour Café")
    thanked_week(live_db, world)
    keep = ROOT / "test-artifacts" / "screens" / "leaderboard"
    shots = Screenshots(tmp_path, keep if os.environ.get("TELLUS_SCREENSHOTS") else None)
    pages = {
        "leaderboard": f"/inbox/leaderboard?{WEEK.query}",
        "certificate": f"/inbox/certificates/{world.maya.id}?{WEEK.query}",
        "service-week": f"/inbox/service-week?{WEEK.query}",
    }
    for size, viewport, locales in (
        ("phone", PHONE, ("en-US", "ar")),
        ("desktop", DESKTOP, ("en-US",)),
    ):
        for locale in locales:
            page = new_context(**viewport, locale=locale, bypass_csp=True).new_page()
            page.goto("/login")
            page.locator("#email").fill(world.owner_email)
            page.locator("#password").fill(world.password)
            page.locator("form button[type=submit]").click()
            expect(page).to_have_url(re.compile("/inbox$"))
            for name, url in pages.items():
                page.goto(url)
                expect(page.locator("h1")).to_be_visible()
                assert_accessible(page, axe_source, f"{name} at {size} in {locale}")
                width = viewport["viewport"]["width"]
                scrolled = page.evaluate("document.documentElement.scrollWidth")
                assert scrolled <= width, f"{name} scrolls sideways at {size} in {locale}"
                shots.take(page, f"{name}-{size}-{locale}")
            if locale == "ar":
                expect(page.locator("html")).to_have_attribute("dir", "rtl")
    # The tie, as a person reads it.
    page = new_context(**DESKTOP).new_page()
    sign_in(page, world.owner_email, world.password)
    page.goto(pages["service-week"])
    expect(page.locator("table.standings tbody tr")).to_have_count(2)
    expect(page.locator("table.standings .rank")).to_have_text(["1", "1"])
    # Signing a certificate under the real CSP: two quotes ticked, signed, downloads offered.
    page.goto(pages["certificate"])
    boxes = page.locator("input[name=quote]")
    boxes.nth(1).check()
    page.get_by_role("button", name="Sign with my name").click()
    expect(page.locator("#downloads [role=status]")).to_contain_text("Signed by")
    expect(page.locator("input[name=quote]:checked")).to_have_count(2)
    organisation = live_db.get_one(Organisation, world.organisation.id)
    assert organisation.leaderboard_minimum == 3
    assert browser_problems.messages == []
