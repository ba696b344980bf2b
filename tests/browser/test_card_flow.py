"""A customer sends a card from a phone; the owner finds it in the inbox and resolves it."""

import re
import uuid

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from api.models import Card
from tests.browser.conftest import DESKTOP, PHONE, BrowserProblems, LiveServer, NewContext
from tests.browser.helpers import fill_in_sign_in
from tests.factories import make_world, reread

pytestmark = pytest.mark.browser


def test_card_from_a_phone_reaches_the_inbox_and_is_resolved(
    live_server: LiveServer,
    live_db: Session,
    new_context: NewContext,
    browser_problems: BrowserProblems,
) -> None:
    world = make_world(live_db, name="Harbour Café")
    comment = f"The flat white was perfect, thank you ({uuid.uuid4().hex[:8]})"

    phone = new_context(**PHONE).new_page()
    phone.goto(f"/c/{world.counter_code.token}")
    expect(phone.get_by_role("heading", level=1)).to_have_text("How was your visit to Counter?")
    phone.locator("label.face").filter(has_text=re.compile(r"^\s*Good\s*$")).tap()
    expect(phone.get_by_role("radio", name="Good", exact=True)).to_be_checked()
    phone.get_by_label("Tell us more").fill(comment)
    phone.get_by_label("Who helped you?").select_option(label="Maya")
    phone.get_by_role("button", name="Send").tap()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Thank you!")
    expect(phone.get_by_role("status")).to_contain_text("Your card was sent to Harbour Café.")

    manager = new_context(**DESKTOP).new_page()
    manager.goto("/inbox")
    expect(manager).to_have_url(re.compile(r"/login\?next=/inbox$"))
    fill_in_sign_in(manager, world.owner_email, world.password)
    expect(manager).to_have_url(re.compile(r"/inbox$"))
    row = manager.locator(".card-row").filter(has_text=comment)
    expect(row).to_have_count(1)
    expect(row.locator(".badge")).to_have_text("new")
    row.get_by_role("link").click()

    expect(manager.locator("blockquote.comment")).to_have_text(comment)
    expect(manager.get_by_role("heading", level=1)).to_have_text("Rating 4/5")
    expect(manager.locator(".detail-head .row-meta")).to_contain_text("Counter · Maya")
    manager.get_by_role("button", name="Mark resolved").click()
    expect(manager.locator(".steps .step-resolved")).to_contain_text("Resolved")
    expect(manager.locator(".detail-head .badge")).to_have_text("resolved")
    expect(manager.get_by_role("button", name="Mark resolved")).to_have_count(0)

    assert browser_problems.messages == []


def test_card_can_be_sent_without_javascript(
    live_server: LiveServer, live_db: Session, new_context: NewContext
) -> None:
    world = make_world(live_db, name="Corner Deli")
    page = new_context(**PHONE, java_script_enabled=False).new_page()
    page.goto(f"/c/{world.terrace_code.token}")

    # No face chosen: the server, not a script, says what is missing and keeps the comment.
    page.get_by_label("Tell us more").fill("Slow service on the terrace")
    page.get_by_role("button", name="Send").tap()
    expect(page.get_by_text("Please choose a face from 1 to 5.")).to_be_visible()
    expect(page.get_by_label("Tell us more")).to_have_value("Slow service on the terrace")

    page.locator("label.face").filter(has_text="Okay").tap()
    page.get_by_role("button", name="Send").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you!")

    reread(live_db)
    cards = live_db.exec(select(Card).where(Card.code_id == world.terrace_code.id)).all()
    assert [(card.rating, card.comment) for card in cards] == [(3, "Slow service on the terrace")]
