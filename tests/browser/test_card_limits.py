"""A card refused with a 429 (too many from one network just now) is kept by the card page's
script and sent again after Retry-After: the customer sees it arrive without doing anything."""

import re
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, col, select

from api.models import Card, Code
from tests.browser.conftest import PHONE, BrowserProblems, LiveServer, NewContext, run_live_server
from tests.factories import make_world, reread

pytestmark = pytest.mark.browser

WAITING = "Lots of cards are arriving just now. Yours is saved on this phone and will be sent"


@pytest.fixture(scope="module")
def live_server(
    live_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A server that takes one card per client and code every 3 seconds."""
    with run_live_server(
        live_database_url,
        tmp_path_factory.mktemp("uvicorn"),
        extra_env={"TELLUS_CARD_LIMIT": "1/3 seconds"},
    ) as server:
        yield server


def stored_comments(session: Session, code: Code) -> list[str]:
    reread(session)
    cards = session.exec(select(Card).where(Card.code_id == code.id).order_by(col(Card.id)))
    return [card.comment for card in cards]


def test_the_card_page_sends_a_refused_card_again_after_retry_after(
    live_db: Session, new_context: NewContext, browser_problems: BrowserProblems
) -> None:
    world = make_world(live_db, name=f"Lunch Rush {uuid.uuid4().hex[:6]}")
    page = new_context(**PHONE).new_page()
    for comment in ("First at the table", "Second, just after"):
        page.goto(f"/c/{world.counter_code.token}")
        page.locator("label.face").filter(has_text=re.compile(r"^\s*Good\s*$")).tap()
        page.get_by_label("Tell us more").fill(comment)
        page.get_by_role("button", name="Send").tap()
        if comment.startswith("Second"):
            # The server said to wait: the card is kept, and the page says so.
            expect(page.locator("#card-waiting")).to_contain_text(WAITING)
            expect(page.get_by_role("button", name="Send")).to_be_hidden()
        expect(page.get_by_role("heading", level=1)).to_have_text("Thank you!", timeout=10_000)

    assert stored_comments(live_db, world.counter_code) == [
        "First at the table",
        "Second, just after",
    ]
    assert [
        message for message in browser_problems.messages if "Failed to load resource" not in message
    ] == []
