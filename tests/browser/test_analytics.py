"""The analytics dashboard in Chromium, on a phone and a desktop: readable, accessible, no
sideways scrolling, and every chart's numbers a tap away."""

import os
import random
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from api.models import CardStatus
from tests.browser.conftest import DESKTOP, PHONE, ROOT, BrowserProblems, NewContext
from tests.browser.helpers import sign_in
from tests.browser.test_accessibility import assert_accessible, axe_source  # noqa: F401
from tests.browser.test_screens import Screenshots
from tests.factories import World, make_card, make_world, step_card

pytestmark = pytest.mark.browser
COMMENTS = {
    1: ["The coffee was cold and the wait was long", "Long wait, cold coffee", "Dirty table"],
    2: ["Slow service at lunch", "The music was too loud", "Long wait at the counter"],
    3: ["Fine", "Busy but fine"],
    4: ["Friendly staff", "Lovely cake"],
    5: ["Maya was wonderful", "Great coffee, friendly staff", "Lovely terrace"],
}


def seed(session: Session, world: World) -> None:
    """Five weeks of cards at opening hours, the concerns handled within minutes or hours."""
    rng = random.Random(18)
    now = datetime.now(UTC)
    codes = [world.counter_code, world.terrace_code, world.maya_code]
    for _ in range(70):
        rating = rng.choices([1, 2, 3, 4, 5], weights=[1, 1, 1, 3, 4])[0]
        created = (now - timedelta(days=rng.randint(0, 34))).replace(
            hour=rng.randint(8, 20), minute=rng.randint(0, 59)
        )
        if created > now:
            created -= timedelta(days=1)
        card = make_card(
            session,
            code=rng.choice(codes),
            rating=rating,
            comment=rng.choice(COMMENTS[rating]),
            created_at=created,
        )
        if rating <= 2 and rng.random() < 0.8:
            step_card(
                session,
                card,
                CardStatus.acknowledged,
                created + timedelta(minutes=rng.randint(2, 40)),
            )
            if rng.random() < 0.7:
                step_card(
                    session,
                    card,
                    CardStatus.resolved,
                    created + timedelta(minutes=rng.randint(45, 600)),
                )


def test_the_dashboard_on_a_phone_and_a_desktop(
    live_db: Session,
    new_context: NewContext,
    browser_problems: BrowserProblems,
    tmp_path: Path,
    axe_source: str,  # noqa: F811
) -> None:
    world = make_world(live_db, name="Harbour Café")
    seed(live_db, world)
    keep = ROOT / "test-artifacts" / "screens" / "analytics"
    shots = Screenshots(tmp_path, keep if os.environ.get("TELLUS_SCREENSHOTS") else None)
    axe = axe_source

    for name, device, width in (("phone", PHONE, 390), ("desktop", DESKTOP, 1280)):
        page = new_context(**device).new_page()
        sign_in(page, world.owner_email, world.password, next="/analytics?range=30d")
        expect(page.get_by_role("heading", level=1)).to_have_text("Analytics")
        expect(page.get_by_role("img", name="Cards and average rating per day")).to_be_visible()
        expect(page.get_by_role("img", name="Concerns (1–2) by weekday and hour")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shots.take(page, f"dashboard-{name}")
        # A chart's numbers open under it, readable without the chart.
        series = page.locator("section", has=page.get_by_role("img", name="Cards by rating"))
        series.get_by_text("The numbers").click()
        expect(series.get_by_role("table")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert_accessible(page, axe, f"the dashboard's numbers on a {name}")
    # What customers talk about: a topic opens the inbox searching for it, in the same days.
    topic = page.locator(".topics a").first
    term = topic.evaluate("a => a.firstChild.textContent.trim()")
    topic.click()
    expect(page).to_have_url(re.compile(r"/inbox\?q="))
    expect(page.get_by_label("Search comments")).to_have_value(term)
    expect(page.locator(".card-row").first).to_contain_text(term.split()[0], ignore_case=True)
    assert not browser_problems.messages
