"""WCAG 2.2 AA: axe-core on every page customers and managers see; a card sent by keyboard alone.

axe-core is vendored (tests/browser/vendor/axe-core, see its README) so every machine runs the same
rules offline. Our Content-Security-Policy rightly refuses an injected script: only the contexts
that run axe bypass it; the keyboard test runs under the real policy.
"""

import hashlib
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from api.models import Card
from tests.browser.conftest import DESKTOP, PHONE, ROOT, BrowserProblems, NewContext
from tests.browser.test_screens import seed_inbox
from tests.factories import World, make_world, reread

pytestmark = pytest.mark.browser

AXE = ROOT / "tests" / "browser" / "vendor" / "axe-core" / "axe.min.js"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
# WCAG 2.0, 2.1 and 2.2 at levels A and AA: every rule with these tags, none disabled.
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
EXTREME_ACCENTS = ["#ffff00", "#000000", "#777777", "#00ff00"]
SETTINGS = [("light", "en-US"), ("dark", "en-US"), ("light", "ar"), ("dark", "ar")]


@pytest.fixture(scope="module")
def axe_source() -> str:
    source = AXE.read_bytes()
    assert hashlib.sha256(source).hexdigest() == AXE_SHA256, f"{AXE} is not axe-core 4.14.1"
    return source.decode()


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        lines.append(f"  {violation['helpUrl']}")
        for node in violation["nodes"]:
            lines.append(f"    at {' '.join(map(str, node['target']))}: {node['html'][:160]}")
            for line in str(node["failureSummary"]).splitlines():
                lines.append(f"      {line}")
    return "\n".join(lines)


def assert_accessible(page: Page, axe_source: str, what: str) -> None:
    """No WCAG 2.2 A or AA violation that axe-core can find on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source)
    results = page.evaluate(
        "options => axe.run(document, options)",
        {"runOnly": {"type": "tag", "values": WCAG_AA}, "resultTypes": ["violations"]},
    )
    violations = results["violations"]
    assert not violations, f"axe-core: {what} ({page.url}):\n{describe(violations)}"


def set_accent(session: Session, world: World, accent: str) -> None:
    world.organisation.accent_colour = accent
    world.organisation.review_links = [{"label": "Our reviews", "url": "https://reviews.example/"}]
    session.add(world.organisation)
    session.commit()


@pytest.mark.parametrize(("scheme", "locale"), SETTINGS, ids=[f"{s}-{lo}" for s, lo in SETTINGS])
def test_customer_and_manager_pages_pass_axe(
    live_db: Session,
    new_context: NewContext,
    browser_problems: BrowserProblems,
    axe_source: str,
    scheme: str,
    locale: str,
) -> None:
    world = make_world(live_db, name=f"Axe Café {scheme} {locale}")
    seed_inbox(live_db, world)
    set_accent(live_db, world, "#2f6f5e")
    context = new_context(**PHONE, color_scheme=scheme, locale=locale, bypass_csp=True)
    page = context.new_page()

    page.goto(f"/c/{world.counter_code.token}")
    expect(page.locator("html")).to_have_attribute("lang", "ar" if locale == "ar" else "en")
    assert_accessible(page, axe_source, "the card page")
    page.locator(".languages summary").click()
    assert_accessible(page, axe_source, "the card page with the language switcher open")
    page.locator(".languages summary").click()
    page.locator("label.face").nth(3).click()
    page.locator(".contact summary").click()
    assert_accessible(page, axe_source, "the card page, a face chosen, contact details open")

    # Sent with no face and a bad email: the errors, as the server shows them.
    page.evaluate("document.querySelectorAll('.face-input').forEach(i => i.checked = false)")
    page.locator("#contact_email").fill("not an address")
    page.locator("button.send").click()
    expect(page.locator("#rating-error")).to_be_visible()
    assert_accessible(page, axe_source, "the card page with errors")

    page.locator("label.face").first.click()
    page.locator("#contact_email").fill("ana@example.com")
    page.locator("button.send").click()
    expect(page.locator(".thanks h1")).to_be_visible()
    assert_accessible(page, axe_source, "the thank-you page")

    page.goto("/login")
    assert_accessible(page, axe_source, "the sign-in page")
    page.locator("#email").fill(world.owner_email)
    page.locator("#password").fill(world.password)
    page.locator("form button[type=submit]").click()
    expect(page.locator(".card-row").first).to_be_visible()
    assert_accessible(page, axe_source, "the inbox")
    page.locator(".card-row.rating-1 a").first.click()
    expect(page.locator("blockquote.comment")).to_be_visible()
    assert_accessible(page, axe_source, "a card in the inbox")

    # The one error expected: the browser logs the 422 of the card sent with mistakes.
    unexpected = [text for text in browser_problems.messages if "status of 422" not in text]
    assert unexpected == []


@pytest.mark.parametrize("accent", EXTREME_ACCENTS)
def test_any_accent_colour_stays_readable(
    live_db: Session, new_context: NewContext, axe_source: str, accent: str
) -> None:
    world = make_world(live_db, name=f"Accent {accent}")
    set_accent(live_db, world, accent)
    for scheme in ("light", "dark"):
        page = new_context(**PHONE, color_scheme=scheme, bypass_csp=True).new_page()
        page.goto(f"/c/{world.counter_code.token}")
        page.locator("label.face").nth(4).click()
        page.locator(".contact summary").click()
        page.locator("#wants_reply").check()
        assert_accessible(page, axe_source, f"the card page, accent {accent}, {scheme}")
        # The selected face is marked by a ring that shows on this page (checked by its own test
        # in tests/setup/test_accent_colours.py): here, that the page really draws it.
        ring = page.locator("label.face").nth(4).evaluate("e => getComputedStyle(e).boxShadow")
        assert "none" not in ring
        page.locator("#contact_email").fill("ana@example.com")
        page.locator("button.send").click()
        expect(page.locator(".reviews a")).to_be_visible()
        assert_accessible(page, axe_source, f"the thank-you page, accent {accent}, {scheme}")


def focused(page: Page) -> str:
    return str(page.evaluate("document.activeElement.id || document.activeElement.tagName"))


def assert_focus_is_visible(page: Page, selector: str) -> None:
    outline = page.locator(selector).evaluate(
        "e => { const s = getComputedStyle(e); return [s.outlineStyle, s.outlineWidth] }"
    )
    assert outline[0] != "none", (selector, outline)
    assert float(outline[1].removesuffix("px")) >= 2, (selector, outline)


def test_a_card_is_sent_with_the_keyboard_alone(
    live_db: Session, new_context: NewContext, browser_problems: BrowserProblems
) -> None:
    world = make_world(live_db, name="Keyboard Café")
    page = new_context(**DESKTOP).new_page()
    page.goto(f"/c/{world.counter_code.token}")
    keyboard = page.keyboard

    keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('.languages') !== null")
    keyboard.press("Tab")  # the five faces are one stop: a radio group
    assert focused(page) == "rating-1"
    assert_focus_is_visible(page, "label[for=rating-1]")
    for _ in range(3):
        keyboard.press("ArrowRight")
    assert focused(page) == "rating-4"
    expect(page.get_by_role("radio", name="Good", exact=True)).to_be_checked()
    assert_focus_is_visible(page, "label[for=rating-4]")
    keyboard.press("ArrowLeft")
    expect(page.get_by_role("radio", name="Okay", exact=True)).to_be_checked()
    keyboard.press("ArrowRight")

    keyboard.press("Tab")
    assert focused(page) == "comment"
    keyboard.type("Typed without a mouse")
    keyboard.press("Tab")
    assert focused(page) == "employee_id"
    keyboard.press("ArrowDown")
    expect(page.locator("#employee_id")).to_have_value(str(world.maya.id))
    keyboard.press("Tab")
    assert page.evaluate("document.activeElement.matches('.contact summary')")
    assert_focus_is_visible(page, ".contact summary")
    keyboard.press("Enter")
    keyboard.press("Tab")
    assert focused(page) == "contact_name"
    keyboard.type("Ana")
    keyboard.press("Tab")
    keyboard.type("ana@example.com")
    keyboard.press("Tab")
    assert focused(page) == "contact_phone"
    keyboard.press("Tab")
    assert focused(page) == "wants_reply"
    keyboard.press("Space")
    # A compliment may be shared on the kudos wall: the consent and the name come next.
    keyboard.press("Tab")
    assert focused(page) == "share_publicly"
    assert_focus_is_visible(page, "#share_publicly")
    keyboard.press("Space")
    keyboard.press("Tab")
    assert focused(page) == "share_name"
    keyboard.type("A.")
    keyboard.press("Tab")
    assert page.evaluate("document.activeElement.matches('button.send')")
    assert_focus_is_visible(page, "button.send")
    keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you!")
    reread(live_db)
    [card] = live_db.exec(select(Card).where(Card.code_id == world.counter_code.id)).all()
    assert (card.rating, card.comment) == (4, "Typed without a mouse")
    assert card.employee_id == world.maya.id
    assert (card.contact_name, card.contact_email) == ("Ana", "ana@example.com")
    assert card.wants_reply is True
    assert (card.share_publicly, card.share_name) == (True, "A.")
    assert browser_problems.messages == []


def test_arrow_keys_follow_the_faces_as_drawn_right_to_left(
    live_db: Session, new_context: NewContext
) -> None:
    """In Arabic the faces run from the right: the arrow pointing left goes to the next one."""
    world = make_world(live_db, name="Keyboard Café RTL")
    page = new_context(**PHONE, locale="ar").new_page()
    page.goto(f"/c/{world.counter_code.token}")
    first = page.locator("label[for=rating-1]").bounding_box()
    last = page.locator("label[for=rating-5]").bounding_box()
    assert first is not None
    assert last is not None
    assert first["x"] > last["x"], "in right-to-left the first face is on the right"
    page.locator("#rating-1").focus()
    page.keyboard.press("ArrowLeft")
    assert focused(page) == "rating-2"
    page.keyboard.press("ArrowRight")
    assert focused(page) == "rating-1"


def test_reduced_motion_is_respected(live_db: Session, new_context: NewContext) -> None:
    world = make_world(live_db, name="Calm Café")
    path = f"/c/{world.counter_code.token}"
    durations = {}
    for motion in ("no-preference", "reduce"):
        page = new_context(**PHONE, reduced_motion=motion).new_page()
        page.goto(path)
        durations[motion] = page.locator("label.face").first.evaluate(
            "e => getComputedStyle(e).transitionDuration"
        )
    assert durations["reduce"] == "0s"
    assert durations["no-preference"] != "0s"


def test_axe_is_the_vendored_release() -> None:
    assert re.match(r"/\*! axe v4\.14\.1", AXE.read_text()[:40])
    assert Path(AXE.parent / "LICENSE").read_text().startswith("Mozilla Public License")
