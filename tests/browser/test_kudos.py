"""The kudos wall and its TV screen in Chromium: the card's consent travels through the offline
outbox, the TV picks up a newly approved compliment within its poll, keeps what it shows while the
network is down and goes blank when its link is revoked; both pages pass axe and fit a phone, a
desktop and a 1920x1080 screen."""

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from api.kudos.screens import create_screen, revoke_screen
from api.kudos.service import approve_share
from api.models import Card, KudosScreen, Role
from api.tenancy import Tenant
from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    ROOT,
    BrowserProblems,
    LiveServer,
    NewContext,
    run_live_server,
)
from tests.browser.test_accessibility import assert_accessible, axe_source  # noqa: F401
from tests.browser.test_offline import (
    WITHOUT_BACKGROUND_SYNC,
    assert_only_failed_requests,
    eventually,
    stored_cards,
)
from tests.browser.test_screens import Screenshots
from tests.factories import World, make_card, make_world

pytestmark = pytest.mark.browser
TV: dict[str, object] = {"viewport": {"width": 1920, "height": 1080}}
SIZES = {"phone": PHONE, "desktop": DESKTOP, "tv": TV}
FIRST = "Maya talked me through every coffee on the menu and drew a heart in my flat white."
SECOND = "Sam found us a table in the shade on the busiest day of the summer."


@pytest.fixture(scope="module")
def live_database_url(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> str:
    """SQLite only: the wall's gate is tested on both engines in tests/kudos; here the browser."""
    path = tmp_path_factory.mktemp("browser") / "tellus.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="module")
def live_server(
    live_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A TV that polls every second and turns every two: the test takes seconds, not minutes."""
    settings = {"TELLUS_KUDOS_TV_POLL_SECONDS": "1", "TELLUS_KUDOS_TV_ROTATE_SECONDS": "2"}
    with run_live_server(
        live_database_url, tmp_path_factory.mktemp("uvicorn"), extra_env=settings
    ) as server:
        yield server


def owner(world: World) -> Tenant:
    return Tenant(organisation_id=world.organisation.id or 0, role=Role.owner)


def shared(session: Session, world: World, comment: str, **fields: object) -> Card:
    return make_card(
        session,
        code=world.counter_code,
        rating=5,
        comment=comment,
        share_publicly=True,
        **fields,
    )


def fits(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size
    assert viewport is not None
    assert width <= viewport["width"], f"{page.url} scrolls sideways: {width} px"


def test_the_consent_travels_through_the_offline_outbox(
    live_db: Session, new_context: NewContext, browser_problems: BrowserProblems
) -> None:
    world = make_world(live_db, name="Tunnel Café")
    context = new_context(**PHONE)
    context.add_init_script(WITHOUT_BACKGROUND_SYNC)
    page = context.new_page()
    page.goto(f"/c/{world.counter_code.token}")
    page.get_by_text("Excellent", exact=True).tap()
    page.get_by_label("Tell us more").fill("Lovely staff, sent from the tunnel")
    page.get_by_label("You may share my compliment publicly").check()
    page.get_by_label("Name to show with it").fill("Lena")
    context.set_offline(True)
    page.get_by_role("button", name="Send").tap()
    expect(page.locator("#card-saved")).to_be_visible()
    context.set_offline(False)
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you!")
    [card] = eventually(page, lambda: stored_cards(live_db, world.counter_code))
    assert (card.share_publicly, card.share_name) == (True, "Lena")
    assert_only_failed_requests(browser_problems)


def test_the_tv_picks_up_an_approval_keeps_its_words_offline_and_goes_blank_when_revoked(
    live_db: Session, new_context: NewContext, browser_problems: BrowserProblems
) -> None:
    world = make_world(live_db, name="Harbour Café")
    first = shared(live_db, world, FIRST, employee_id=world.maya.id)
    second = shared(live_db, world, SECOND, employee_id=world.sam.id, share_name="R.")
    approve_share(session=live_db, tenant=owner(world), card_id=first.id or 0)
    token = create_screen(session=live_db, tenant=owner(world), location_id=None)
    context = new_context(**TV)
    page = context.new_page()
    page.goto(f"/tv/{token}")
    current = page.locator(".tv-item.current")
    expect(current).to_contain_text(FIRST)

    approve_share(session=live_db, tenant=owner(world), card_id=second.id or 0)
    # Polled every second, shown at once: well within two polls.
    expect(current).to_contain_text(SECOND, timeout=2500)
    expect(page.locator(".tv-item")).to_have_count(2)

    context.set_offline(True)
    page.wait_for_timeout(2500)  # two failed polls and a turn
    expect(page.locator(".tv-item")).to_have_count(2)
    expect(current).to_be_visible()
    expect(current).to_contain_text(re.compile(f"{FIRST[:20]}|{SECOND[:20]}"))
    context.set_offline(False)

    screen = live_db.exec(
        select(KudosScreen).where(KudosScreen.organisation_id == world.organisation.id)
    ).one()
    revoke_screen(session=live_db, tenant=owner(world), screen_id=screen.id or 0)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "This screen’s link no longer works.", timeout=2500
    )
    expect(page.locator(".tv-item")).to_have_count(0)
    assert_only_failed_requests(browser_problems)


def test_the_wall_and_the_tv_pass_axe_and_fit_every_screen(
    live_db: Session,
    new_context: NewContext,
    browser_problems: BrowserProblems,
    axe_source: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    world = make_world(live_db, name="Harbour Café")
    for comment, employee, name in ((FIRST, world.maya.id, "Lena"), (SECOND, world.sam.id, "")):
        card = shared(live_db, world, comment, employee_id=employee, share_name=name)
        approve_share(session=live_db, tenant=owner(world), card_id=card.id or 0)
    token = create_screen(session=live_db, tenant=owner(world), location_id=None)
    keep = os.environ.get("TELLUS_SCREENSHOTS")
    shots = Screenshots(tmp_path, ROOT / "test-artifacts" / "screens" / "kudos" if keep else None)
    # Without the TV's fade, axe never measures a compliment halfway in.
    page = new_context(bypass_csp=True, reduced_motion="reduce").new_page()
    for name, path in (("wall", f"/kudos/{world.organisation.slug}"), ("tv", f"/tv/{token}")):
        page.goto(path)
        expect(page.get_by_text(FIRST)).to_be_visible()
        for size, options in SIZES.items():
            page.set_viewport_size(options["viewport"])  # type: ignore[arg-type]
            fits(page)
            assert_accessible(page, axe_source, f"the kudos {name} at {size}")
            if keep:
                shots.take(page, f"kudos-{name}-{size}")
    page.goto(f"/kudos/{world.organisation.slug}?lang=ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    fits(page)
    assert_accessible(page, axe_source, "the kudos wall in Arabic")
    assert browser_problems.messages == []
