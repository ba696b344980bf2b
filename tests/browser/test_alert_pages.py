"""The owner's alert pages in Chromium, on a phone and a desktop: usable, no sideways scroll.

Set TELLUS_SCREENSHOTS=1 to keep the screenshots in test-artifacts/screens/<engine>/.
"""

import os
import uuid

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.engine import make_url
from sqlmodel import Session

from api.models import AlertChannel, AlertDelivery, AlertKind, DeliveryStatus
from tests.browser.conftest import DESKTOP, PHONE, ROOT, BrowserProblems, LiveServer, NewContext
from tests.browser.helpers import sign_in
from tests.factories import World, make_card, make_manager, make_world

pytestmark = pytest.mark.browser


@pytest.fixture
def world(live_db: Session) -> World:
    world = make_world(live_db, name=f"Harbour Café {uuid.uuid4().hex[:4]}")
    make_manager(live_db, world=world, email=f"dana.{uuid.uuid4().hex[:4]}@example.com")
    card = make_card(live_db, code=world.counter_code, rating=1, comment="Cold soup")
    assert world.organisation.id is not None
    live_db.add(
        AlertDelivery(
            organisation_id=world.organisation.id,
            card_id=card.id,
            kind=AlertKind.negative,
            channel=AlertChannel.email,
            address=world.owner_email,
            idempotency_key=f"screens-{uuid.uuid4().hex}",
            status=DeliveryStatus.parked,
            attempts=8,
            last_error="Could not reach the mail server at mail.example.com:587 (timed out).",
        )
    )
    live_db.commit()
    return world


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_alert_pages_on_a_phone_and_a_desktop(
    device: str,
    new_context: NewContext,
    live_server: LiveServer,
    world: World,
    browser_problems: BrowserProblems,
) -> None:
    page = new_context(**(PHONE if device == "phone" else DESKTOP)).new_page()
    sign_in(page, world.owner_email, world.password, next="/admin/alerts")
    engine = make_url(live_server.database_url).get_backend_name()
    keep = (
        ROOT / "test-artifacts" / "screens" / engine
        if os.environ.get("TELLUS_SCREENSHOTS")
        else None
    )

    page.get_by_label("Tell the owners when a negative card").fill("15")
    page.get_by_role("button", name="Save").first.click()
    expect(page.get_by_label("Tell the owners when a negative card")).to_have_value("15")
    shoot(page, keep, f"alerts-routing-{device}")

    page.get_by_role("link", name="Webhooks").click()
    page.get_by_label("Name").fill("Kitchen Slack")
    page.get_by_label("Address (https://…)").fill("https://hooks.example.com/T000/B000")
    page.get_by_label("Format").select_option("slack")
    page.get_by_role("button", name="Add webhook").click()
    expect(page.locator(".new-key code")).to_contain_text("whsec_")
    shoot(page, keep, f"alerts-webhooks-{device}")

    page.get_by_role("link", name="Failed deliveries").click()
    expect(page.get_by_text("Could not reach the mail server")).to_be_visible()
    shoot(page, keep, f"alerts-deliveries-{device}")
    assert browser_problems.messages == []


def shoot(page: Page, keep: object, name: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size
    assert viewport is not None
    assert width <= viewport["width"], f"{name} scrolls sideways: {width} px"
    if keep is not None:
        from pathlib import Path

        assert isinstance(keep, Path)
        keep.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=keep / f"{name}.png", full_page=True, animations="disabled")
