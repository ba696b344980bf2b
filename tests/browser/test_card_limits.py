"""A card refused with a 429 (too many from one network just now) is kept by the card page's
script and sent again after Retry-After: the customer sees it arrive without doing anything. The
pages of the limits and of the time trap pass axe."""

import re
import uuid
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, col, select

from api.models import Card, Code
from tests.browser.conftest import PHONE, BrowserProblems, LiveServer, NewContext, run_live_server
from tests.browser.test_accessibility import assert_accessible, axe_source  # noqa: F401
from tests.factories import make_world, reread

pytestmark = pytest.mark.browser
# The card limits keep their counts in memory on SQLite and in the database on PostgreSQL.
BOTH_ENGINES = True

CONFIRM = "One more tap to send your card"
WAITING = "Lots of cards are arriving just now. Yours is saved on this phone and will be sent"


@pytest.fixture(scope="module")
def live_server(
    live_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A server that takes one card per client and code every 10 seconds, and asks every card
    sent within a minute of its page opening (every card here) to confirm. The window is wide
    enough for a busy machine to write the next card inside it."""
    with run_live_server(
        live_database_url,
        tmp_path_factory.mktemp("uvicorn"),
        extra_env={"TELLUS_CARD_LIMIT": "1/10 seconds", "TELLUS_CARD_MIN_FILL_SECONDS": "60"},
    ) as server:
        yield server


def stored_comments(session: Session, code: Code) -> list[str]:
    reread(session)
    cards = session.exec(select(Card).where(Card.code_id == code.id).order_by(col(Card.id)))
    return [card.comment for card in cards]


def write_card(page: Page, token: str, comment: str) -> None:
    page.goto(f"/c/{token}")
    page.locator("label.face").filter(has_text=re.compile(r"^\s*Good\s*$")).tap()
    page.get_by_label("Tell us more").fill(comment)
    page.get_by_role("button", name="Send").tap()


def only_refusals(problems: BrowserProblems) -> list[str]:
    """What the browser complained of, but the 429s the tests cause."""
    return [message for message in problems.messages if "Failed to load resource" not in message]


def test_the_card_page_sends_a_refused_card_again_after_retry_after(
    live_db: Session,
    new_context: NewContext,
    browser_problems: BrowserProblems,
    axe_source: str,  # noqa: F811
) -> None:
    world = make_world(live_db, name=f"Lunch Rush {uuid.uuid4().hex[:6]}")
    page = new_context(**PHONE, bypass_csp=True).new_page()
    write_card(page, world.counter_code.token, "First at the table")
    expect(page.get_by_role("heading", level=1)).to_have_text(CONFIRM)
    assert_accessible(page, axe_source, "the confirmation")
    page.get_by_role("button", name="Send my card").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you!")

    write_card(page, world.counter_code.token, "Second, just after")
    page.get_by_role("button", name="Send my card").tap()
    # The server said to wait: the card is kept, and the page says so; then it goes.
    expect(page.locator("#card-waiting")).to_contain_text(WAITING)
    expect(page.get_by_role("button", name="Send my card")).to_be_hidden()
    assert_accessible(page, axe_source, "the card waiting on the phone")
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you!", timeout=20_000)

    assert stored_comments(live_db, world.counter_code) == [
        "First at the table",
        "Second, just after",
    ]
    assert only_refusals(browser_problems) == []


def test_without_the_script_the_form_asks_to_wait_keeping_the_card(
    live_server: LiveServer,
    live_db: Session,
    new_context: NewContext,
    browser_problems: BrowserProblems,
    axe_source: str,  # noqa: F811
) -> None:
    world = make_world(live_db, name=f"Plain Café {uuid.uuid4().hex[:6]}")
    token = world.counter_code.token
    page = new_context(**PHONE, bypass_csp=True).new_page()
    page.goto(f"/c/{token}")
    page.locator("label.face").first.tap()
    page.get_by_label("Tell us more").fill("Posted as plain HTML")
    # form.submit() skips the page's script: the browser posts as it does without one.
    page.evaluate("document.querySelector('form.card-form').submit()")
    expect(page.get_by_role("heading", level=1)).to_have_text(CONFIRM)
    # The confirmation takes no turn; a card sent just now takes this address's one turn.
    taken = httpx.post(
        live_server.url(f"/api/v1/codes/{token}/cards"),
        json={"rating": 5},
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    assert taken.status_code == 201
    page.evaluate("document.querySelector('form.card-form').submit()")
    expect(page.locator(".error-summary")).to_contain_text("Lots of cards are arriving")
    expect(page.get_by_label("Tell us more")).to_have_value("Posted as plain HTML")
    assert_accessible(page, axe_source, "the card form that asks to wait (429)")
    assert stored_comments(live_db, world.counter_code) == [""]
    assert only_refusals(browser_problems) == []
