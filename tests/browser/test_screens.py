"""Screenshots of the main pages, and the layout facts a careless page would break.

Set TELLUS_SCREENSHOTS=1 to keep a copy in test-artifacts/screens/<engine>/ for a person to look at.
"""

import os
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect
from sqlalchemy.engine import make_url
from sqlmodel import Session

from api.customer.follow_up.service import follow_up_hash
from api.inbox.card_work import add_note
from api.inbox.replies.service import add_reply
from api.models import CardStatus, Role, utcnow
from api.tenancy import Tenant
from tests.browser.conftest import DESKTOP, PHONE, ROOT, BrowserProblems, LiveServer, NewContext
from tests.browser.helpers import fill_in_sign_in, sign_in
from tests.factories import World, make_card, make_world

pytestmark = pytest.mark.browser

PHONE_WIDTH = PHONE["viewport"]["width"]
MIN_TOUCH_TARGET = 44  # CSS px: WCAG 2.5.5 and Apple's guideline


class Screenshots:
    """Full-page PNGs in a temporary folder, copied for people when TELLUS_SCREENSHOTS is set."""

    def __init__(self, folder: Path, keep_in: Path | None) -> None:
        self.folder = folder
        self.keep_in = keep_in

    def take(self, page: Page, name: str) -> Path:
        path = self.folder / f"{name}.png"
        try:
            page.screenshot(path=path, full_page=True, animations="disabled")
        except PlaywrightError as error:
            # Headless Chromium sometimes has no frame to capture yet on a busy machine
            # ("Unable to capture screenshot"): wait for one to be drawn, then once more.
            if "Unable to capture screenshot" not in error.message:
                raise
            page.evaluate("new Promise(done => requestAnimationFrame(() => done()))")
            page.screenshot(path=path, full_page=True, animations="disabled")
        assert path.stat().st_size > 1000, f"{name}: an empty screenshot"
        if self.keep_in is not None:
            self.keep_in.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, self.keep_in / path.name)
        return path


@pytest.fixture
def screenshots(tmp_path: Path, live_server: LiveServer) -> Screenshots:
    engine = make_url(live_server.database_url).get_backend_name()
    keep = ROOT / "test-artifacts" / "screens" / engine
    return Screenshots(tmp_path, keep if os.environ.get("TELLUS_SCREENSHOTS") else None)


def assert_no_horizontal_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{page.url} scrolls sideways: {width} px wide at {PHONE_WIDTH}"


def assert_fully_visible(page: Page, selector: str) -> None:
    """Shown, inside the viewport's width, and its own text not clipped."""
    element = page.locator(selector)
    expect(element).to_be_visible()
    box = element.bounding_box()
    assert box is not None
    assert box["x"] >= 0, f"{selector} overflows on the left: {box}"
    assert box["x"] + box["width"] <= PHONE_WIDTH, f"{selector} overflows on the right: {box}"
    clipped = element.evaluate(
        "e => e.scrollWidth > e.clientWidth || e.scrollHeight > e.clientHeight"
    )
    assert not clipped, f"{selector}: its text does not fit"


def seed_inbox(session: Session, world: World) -> None:
    """A morning's worth of cards, oldest first, in every state."""
    now = utcnow()
    cards = [
        (world.terrace_code, 2, "Waited twenty minutes for a table outside.", CardStatus.resolved),
        (world.counter_code, 5, "Best cinnamon bun in town. Maya remembered my order!", None),
        (world.maya_code, 4, "", CardStatus.seen),
        (
            world.terrace_code,
            1,
            "The terrace tables were sticky and nobody came to clear them, even after we asked "
            "twice. We had to move inside with the children and the pram. Not what we expected.",
            None,
        ),
        (world.counter_code, 3, "Coffee fine, a bit pricey for the size.", None),
    ]
    for minutes_ago, (code, rating, comment, status) in zip(
        (180, 95, 60, 22, 4), cards, strict=True
    ):
        make_card(
            session,
            code=code,
            rating=rating,
            comment=comment,
            status=status or CardStatus.new,
            created_at=now - timedelta(minutes=minutes_ago),
            contact_name="Priya" if rating == 1 else "",
            contact_email="priya@example.com" if rating == 1 else "",
            wants_reply=rating == 1,
        )


def test_customer_pages_fit_a_phone(
    live_db: Session,
    new_context: NewContext,
    browser_problems: BrowserProblems,
    screenshots: Screenshots,
) -> None:
    world = make_world(live_db, name="Harbour Café")
    for scheme in ("light", "dark"):
        page = new_context(**PHONE, color_scheme=scheme).new_page()
        page.goto(f"/c/{world.counter_code.token}")
        screenshots.take(page, f"card-phone-{scheme}")
        # The inlined stylesheet really applied (an HTML-escaped one silently falls back to serif).
        assert "Segoe UI" in page.evaluate("getComputedStyle(document.body).fontFamily")
        assert_no_horizontal_scroll(page)
        faces = page.locator("label.face")
        expect(faces).to_have_count(5)
        for face in faces.all():
            box = face.bounding_box()
            assert box is not None
            size = f"face {face.inner_text()!r} is {box['width']}x{box['height']} px"
            assert box["width"] >= MIN_TOUCH_TARGET, size
            assert box["height"] >= MIN_TOUCH_TARGET, size
        assert_fully_visible(page, "button.send")

    # The contact details, open: still one column, no overflow.
    page.locator(".contact summary").click()
    assert_no_horizontal_scroll(page)
    screenshots.take(page, "card-phone-dark-contact")

    desktop = new_context(**DESKTOP).new_page()
    desktop.goto(f"/c/{world.maya_code.token}")
    screenshots.take(desktop, "card-desktop")

    page = new_context(**PHONE).new_page()
    page.goto(f"/c/{world.counter_code.token}")
    page.locator("label.face").filter(has_text="Excellent").tap()
    page.get_by_role("button", name="Send").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you!")
    assert_no_horizontal_scroll(page)
    screenshots.take(page, "thanks-phone")

    assert browser_problems.messages == []


def test_manager_pages_fit_a_phone_and_a_desktop(
    live_db: Session,
    new_context: NewContext,
    browser_problems: BrowserProblems,
    screenshots: Screenshots,
) -> None:
    world = make_world(live_db, name="Harbour Café")
    seed_inbox(live_db, world)
    for device, options in (("phone", PHONE), ("desktop", DESKTOP)):
        page = new_context(**options).new_page()
        page.goto("/login")
        screenshots.take(page, f"login-{device}")
        fill_in_sign_in(page, world.owner_email, world.password)
        expect(page.locator(".card-row")).to_have_count(5)
        screenshots.take(page, f"inbox-{device}")
        page.locator(".card-row.rating-1 a").click()
        expect(page.locator("blockquote.comment")).to_contain_text("sticky")
        screenshots.take(page, f"inbox-card-{device}")
        if device == "phone":
            assert_no_horizontal_scroll(page)
            page.goto("/inbox")
            assert_no_horizontal_scroll(page)
            page.goto("/login")
            assert_no_horizontal_scroll(page)

    dark = new_context(**DESKTOP, color_scheme="dark").new_page()
    sign_in(dark, world.owner_email, world.password)
    expect(dark.locator(".card-row")).to_have_count(5)
    screenshots.take(dark, "inbox-desktop-dark")

    assert browser_problems.messages == []


def test_the_api_docs_render_from_this_origin_under_the_csp(
    new_context: NewContext,
    live_server: LiveServer,
    browser_problems: BrowserProblems,
    screenshots: Screenshots,
) -> None:
    page = new_context(**DESKTOP).new_page()
    other_origins: list[str] = []
    page.on(
        "request",
        lambda request: (
            None
            if request.url.startswith(live_server.base_url) or request.url.startswith("data:")
            else other_origins.append(request.url)
        ),
    )
    page.goto("/api/docs")

    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible()
    documented = page.request.get("/api/v1/openapi.json").json()["paths"]
    assert operations.count() == sum(len(methods) for methods in documented.values())
    expect(page.locator(".info .title")).to_contain_text("Tellus")
    screenshots.take(page, "api-docs-desktop")
    assert not other_origins, other_origins
    assert not browser_problems.messages, browser_problems.messages


def test_words_without_spaces_wrap_wherever_a_customers_text_shows(
    live_db: Session, new_context: NewContext, browser_problems: BrowserProblems
) -> None:
    """One comment of 3,990 characters without a space, a long address and a long link."""
    world = make_world(live_db, name="Harbour Café")
    email = "a" * 70 + "@" + "b" * 70 + ".example.com"
    link = "https://example.com/" + "x" * 300
    token = "L" * 32
    card = make_card(
        live_db,
        code=world.counter_code,
        rating=1,
        comment="W" * 3990,
        contact_name="N" * 120,
        contact_email=email,
        wants_reply=True,
        follow_up_hash=follow_up_hash(token),
    )
    assert world.organisation.id is not None
    tenant = Tenant(organisation_id=world.organisation.id, role=Role.owner, user_id=world.owner.id)
    add_reply(session=live_db, tenant=tenant, card_id=card.id, body=f"Read this: {link}")
    add_note(session=live_db, tenant=tenant, card_id=card.id, body=link)

    too_wide = []
    for options in (PHONE, DESKTOP):
        width = options["viewport"]["width"]
        page = new_context(**options).new_page()
        sign_in(page, world.owner_email, world.password)
        for path in ("/inbox", f"/inbox/{card.id}", f"/f/{token}"):
            page.goto(path)
            wide = page.evaluate("document.documentElement.scrollWidth")
            if wide > width:
                too_wide.append(f"{path} is {wide} px wide at {width}")

    assert too_wide == []
    assert browser_problems.messages == []
