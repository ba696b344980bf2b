"""The compliment loop in Chromium, as in the demo: a customer praises Maya from her badge, a
manager thanks her from a phone, the email reaches her, and the customer's open follow-up page
says it reached her."""

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from api.models import Employee
from tests.browser.conftest import (
    PHONE,
    ROOT,
    BrowserProblems,
    LiveServer,
    NewContext,
    run_live_server,
)
from tests.browser.helpers import sign_in
from tests.browser.test_screens import Screenshots, assert_no_horizontal_scroll
from tests.factories import make_world
from tests.smtp import SmtpServer

pytestmark = pytest.mark.browser
NOTE = "Maya, this is exactly the welcome we want. Thank you! Your next break is on me."


@pytest.fixture(scope="module")
def mail() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def live_server(
    live_database_url: str, tmp_path_factory: pytest.TempPathFactory, mail: SmtpServer
) -> Iterator[LiveServer]:
    """The module's server, with a mail server: the pass-on email really leaves."""
    settings = {"TELLUS_SMTP_URL": mail.url, "TELLUS_OUTBOUND_ALLOW": "127.0.0.1"}
    with run_live_server(
        live_database_url, tmp_path_factory.mktemp("uvicorn"), extra_env=settings
    ) as server:
        yield server


def test_a_compliment_is_passed_on_from_a_phone_and_the_customer_sees_it_reached_maya(
    live_db: Session,
    new_context: NewContext,
    browser_problems: BrowserProblems,
    mail: SmtpServer,
    tmp_path: Path,
) -> None:
    world = make_world(live_db, name="Harbour Café")
    maya = live_db.get_one(Employee, world.maya.id)
    maya.email = f"maya.{uuid.uuid4().hex[:6]}@example.com"
    live_db.add(maya)
    live_db.commit()
    keep = ROOT / "test-artifacts" / "screens" / "recognition"
    shots = Screenshots(tmp_path, keep if os.environ.get("TELLUS_SCREENSHOTS") else None)

    customer = new_context(**PHONE).new_page()
    customer.goto(f"/c/{world.maya_code.token}")
    customer.get_by_role("radio", name="Excellent", exact=True).check()
    customer.get_by_label("Tell us more").fill("Maya remembered my usual. Made my morning!")
    customer.get_by_role("button", name="Send").click()
    expect(customer.get_by_role("heading", level=1)).to_have_text("Thank you!")
    customer.locator("a[data-follow-up]").click()
    expect(customer).to_have_url(re.compile(r"/f/[A-Za-z0-9_-]{32}$"))
    expect(customer.locator("#follow-state")).to_contain_text("Not read yet")

    manager = new_context(**PHONE).new_page()
    sign_in(manager, world.owner_email, world.password, next="/inbox")
    row = manager.locator(".card-row").first
    expect(row).to_contain_text("Thank & pass on")
    row.get_by_role("link").click()
    expect(manager.get_by_role("heading", name="Thank & pass on to Maya")).to_be_visible()
    manager.get_by_label("Your note of thanks").fill(NOTE)
    assert_no_horizontal_scroll(manager)
    shots.take(manager, "pass-on-phone")
    manager.get_by_role("button", name="Thank & pass on").click()

    expect(manager.get_by_role("heading", name="Passed on to Maya")).to_be_visible()
    expect(manager.get_by_text(f"Emailed to {maya.email}.")).to_be_visible()
    assert_no_horizontal_scroll(manager)
    shots.take(manager, "passed-on-phone")
    [message] = [m for m in mail.inbox.wait_for(1) if m["To"] == maya.email]
    assert NOTE in message.get_content()
    # The customer's page, open all along, learns it without a reload.
    expect(customer.locator(".step-passed-on")).to_contain_text(
        "Your compliment was passed on to Maya, with their manager's thanks."
    )
    shots.take(customer, "follow-up-passed-on-phone")
    assert browser_problems.messages == []
