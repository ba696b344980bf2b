"""The demo's staff loop in Chromium: with no mail server, the manager shows Maya a one-time
sign-in QR code; her phone follows it and she reads the compliment passed on to her, with her
manager's note, and nothing else; her certificate to download, and the leaderboard the owner
shares with staff."""

import base64
import io
import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect
from sqlmodel import Session

from api.app_settings import load_secret_key
from api.models import Organisation
from api.setup.demo import (
    DEMO_EMAIL,
    PASSED_ON_NOTE,
    SAMPLE_CARDS,
    celebrate_service_week,
    create_demo,
    pass_on_sample,
    send_sample_cards,
)
from tests.browser.conftest import DESKTOP, PHONE, ROOT, BrowserProblems, LiveServer, NewContext
from tests.browser.helpers import sign_in
from tests.browser.test_accessibility import assert_accessible, axe_source  # noqa: F401
from tests.browser.test_screens import Screenshots, assert_no_horizontal_scroll
from tests.helpers import settings_for_tests

pytestmark = pytest.mark.browser
PASSED_ON_PRAISE = SAMPLE_CARDS[0][2].comment
WAITING_PRAISE = SAMPLE_CARDS[1][2].comment
COMPLAINT = SAMPLE_CARDS[3][2].comment


def test_maya_signs_in_by_her_managers_qr_code_and_reads_her_compliment(
    live_server: LiveServer,
    live_db: Session,
    new_context: NewContext,
    browser_problems: BrowserProblems,
    axe_source: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    settings = settings_for_tests(live_server.database_url)
    demo = create_demo(session=live_db)
    secret = load_secret_key(engine=live_server.engine, settings=settings)
    send_sample_cards(engine=live_server.engine, demo=demo, secret=secret)
    pass_on_sample(engine=live_server.engine, demo=demo, settings=settings, secret=secret)
    today = datetime.now(UTC).date()
    celebrate_service_week(engine=live_server.engine, demo=demo, secret=secret, today=today)
    # The owner shares the leaderboard with staff, counting every passed-on compliment.
    live_db.rollback()  # a fresh snapshot: the demo's writes came through other connections
    organisation = live_db.get_one(Organisation, demo.organisation.id)
    organisation.leaderboard_for_staff = True
    organisation.leaderboard_minimum = 1
    live_db.add(organisation)
    live_db.commit()
    keep = ROOT / "test-artifacts" / "screens" / "staff"
    shots = Screenshots(tmp_path, keep if os.environ.get("TELLUS_SCREENSHOTS") else None)

    manager = new_context(**PHONE).new_page()
    sign_in(manager, DEMO_EMAIL, demo.password, next="/inbox")
    manager.get_by_role("link", name="Staff sign-in").click()
    expect(manager.get_by_text("No mail server is set up")).to_be_visible()
    assert_no_horizontal_scroll(manager)
    assert_accessible(manager, axe_source, "the staff sign-in list")
    shots.take(manager, "staff-list-phone")
    manager.set_viewport_size(DESKTOP["viewport"])
    maya_row = manager.locator(".staff-list li", has_text="Maya")
    maya_row.get_by_role("button", name="Show a sign-in QR code").click()
    code = manager.locator("img.sign-in-qr")
    expect(code).to_be_visible()
    assert_accessible(manager, axe_source, "the manager's sign-in QR code")
    shots.take(manager, "sign-in-code-desktop")
    source = str(code.get_attribute("src"))
    png = base64.b64decode(source.removeprefix("data:image/png;base64,"))
    [barcode] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert barcode.text.startswith(f"{live_server.base_url}/staff/link/")

    phone = new_context(**PHONE).new_page()
    phone.goto(barcode.text)
    expect(phone.get_by_text("Sign in to Harbour Café as maya@demo.tellus.invalid")).to_be_visible()
    assert_no_horizontal_scroll(phone)
    phone.get_by_role("button", name="Sign in").click()
    expect(phone).to_have_url(f"{live_server.base_url}/staff")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Thank you, Maya")
    # The sample compliment passed on to her, besides Customer Service Week's.
    compliment = phone.locator("article.compliment", has_text=PASSED_ON_PRAISE)
    expect(compliment).to_have_count(1)
    expect(compliment).to_contain_text(PASSED_ON_NOTE)
    page_text = phone.locator("main").inner_text()
    for hidden in (WAITING_PRAISE, COMPLAINT, "ada@example.com"):
        assert hidden not in page_text
    expect(phone.locator(".staff-badge img")).to_be_visible()
    expect(phone.get_by_role("link", name="PDF (A4)")).to_have_attribute(
        "href", re.compile(r"^/staff/certificates/\d+\.pdf\?paper=a4$")
    )
    expect(phone.locator(".staff-standings tr[aria-current]")).to_contain_text("Maya")
    assert_no_horizontal_scroll(phone)
    assert_accessible(phone, axe_source, "the staff page")
    shots.take(phone, "staff-page-phone")
    phone.set_viewport_size(DESKTOP["viewport"])
    assert phone.evaluate("document.documentElement.scrollWidth") <= DESKTOP["viewport"]["width"]
    shots.take(phone, "staff-page-desktop")

    sign_in_page = new_context(**PHONE).new_page()
    sign_in_page.goto("/staff/sign-in")
    assert_no_horizontal_scroll(sign_in_page)
    assert_accessible(sign_in_page, axe_source, "the staff sign-in page")
    assert not browser_problems.messages, browser_problems.messages
