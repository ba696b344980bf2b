"""A card sent while the server is unreachable is kept on the phone and stored exactly once.

Chromium reaches the live server through a local TCP proxy that a test cuts and restores:
Playwright's offline mode does not reach the service worker, a dead connection does.
"""

import re
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs

import pytest
from playwright.sync_api import CDPSession, Page, expect
from sqlmodel import Session, select

from api.models import Card, Code
from tests.browser.conftest import PHONE, BrowserProblems, LiveServer, NewContext
from tests.browser.tcp_proxy import TcpProxy
from tests.factories import make_world, reread

pytestmark = pytest.mark.browser

SAVED = "Your card is saved — it will be sent when you're back online."
SYNC_TAG = "send-cards"
# Chromium's Background Sync is hidden from the page, as on Safari and iOS, which have none.
WITHOUT_BACKGROUND_SYNC = """
if (self.ServiceWorkerRegistration) delete ServiceWorkerRegistration.prototype.sync;
delete self.SyncManager;
"""


@pytest.fixture(scope="module")
def live_server(proxied_live_server: LiveServer) -> LiveServer:
    """Every browser in this module reaches the server through the proxy."""
    return proxied_live_server


@pytest.fixture
def proxy(tcp_proxy: TcpProxy) -> Iterator[TcpProxy]:
    tcp_proxy.restore()
    yield tcp_proxy
    tcp_proxy.restore()


def eventually(page: Page, check: Callable[[], Any], *, seconds: float = 15.0) -> Any:
    """Poll until `check()` is truthy and return it: generous, since nothing here is timed.

    It waits through the page, so that Playwright meanwhile delivers the DevTools events.
    """
    deadline = time.monotonic() + seconds
    while not (result := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"still not true after {seconds:.0f} s (last: {result!r})")
        page.wait_for_timeout(100)
    return result


def open_card(page: Page, code: Code) -> str:
    """Open the card page, wait until its service worker controls it; return its idempotency key."""
    page.goto(f"/c/{code.token}")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    return page.locator("input[name=idempotency_key]").input_value()


def fill_card(page: Page, comment: str) -> None:
    page.locator("label.face").filter(has_text=re.compile(r"^\s*Good\s*$")).tap()
    page.get_by_label("Tell us more").fill(comment)


def saved_on_phone(page: Page) -> list[dict[str, Any]]:
    """The cards waiting in the page's IndexedDB outbox."""
    cards: list[dict[str, Any]] = page.evaluate(
        """() => new Promise((resolve, reject) => {
            const opening = indexedDB.open("tellus", 1);
            opening.onerror = () => reject(opening.error);
            opening.onsuccess = () => {
                const request = opening.result.transaction("outbox").objectStore("outbox").getAll();
                request.onsuccess = () => { opening.result.close(); resolve(request.result); };
            };
        })"""
    )
    return cards


def stored_cards(session: Session, code: Code) -> list[Card]:
    reread(session)
    return list(session.exec(select(Card).where(Card.code_id == code.id)).all())


def send_offline(page: Page, proxy: TcpProxy, key: str, comment: str) -> None:
    """Send with the server unreachable: the page says the card is saved, and it is, once."""
    proxy.cut()
    page.get_by_role("button", name="Send").tap()
    expect(page.get_by_role("status")).to_have_text(SAVED)
    expect(page.get_by_role("button", name="Send")).to_be_hidden()
    [saved] = saved_on_phone(page)
    fields = parse_qs(saved["body"])
    assert saved["key"] == key
    assert fields["idempotency_key"] == [key]
    assert fields["form_token"][0]
    assert fields["comment"] == [comment]
    assert fields["rating"] == ["4"]


def sync_registration(page: Page, cdp: CDPSession) -> dict[str, str]:
    """The page's service worker registration, as the DevTools protocol names it."""
    registrations: dict[str, dict[str, str]] = {}

    def update(event: dict[str, Any]) -> None:
        for registration in event["registrations"]:
            registrations[registration["registrationId"]] = registration

    cdp.on("ServiceWorker.workerRegistrationUpdated", update)
    cdp.send("ServiceWorker.enable")
    [registration] = eventually(page, lambda: list(registrations.values()))
    return registration


def fire_background_sync(page: Page, live_server: LiveServer) -> None:
    """What the browser does when it thinks the network is back, asked for through DevTools."""
    cdp = page.context.new_cdp_session(page)
    registration = sync_registration(page, cdp)
    cdp.send(
        "ServiceWorker.dispatchSyncEvent",
        {
            "origin": live_server.base_url,
            "registrationId": registration["registrationId"],
            "tag": SYNC_TAG,
            "lastChance": False,
        },
    )


def assert_only_failed_requests(problems: BrowserProblems) -> None:
    """Failed requests (and 4xx/5xx answers) are the test's doing; a CSP or script error is not."""
    assert [
        message for message in problems.messages if "Failed to load resource" not in message
    ] == []


def test_online_a_form_to_fix_comes_back_in_place_then_the_card_is_sent_once(
    proxy: TcpProxy, live_db: Session, new_context: NewContext, browser_problems: BrowserProblems
) -> None:
    world = make_world(live_db, name="Garden Centre")
    comment = f"Forgot the face at first ({uuid.uuid4().hex[:8]})"
    page = new_context(**PHONE).new_page()
    key = open_card(page, world.counter_code)
    page.get_by_label("Tell us more").fill(comment)

    proxy.reset_counts()
    page.get_by_role("button", name="Send").tap()
    expect(page.get_by_text("Please choose a face from 1 to 5.")).to_be_visible()
    expect(page.get_by_label("Tell us more")).to_have_value(comment)
    assert proxy.requests == [f"POST /c/{world.counter_code.token}"]  # a fetch, not a navigation
    fill_card(page, comment)
    page.get_by_role("button", name="Send").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you!")

    [card] = stored_cards(live_db, world.counter_code)
    assert (card.rating, card.comment, card.idempotency_key) == (4, comment, key)
    assert saved_on_phone(page) == []
    assert_only_failed_requests(browser_problems)  # the 422 of the form to fix


def test_background_sync_sends_the_saved_card_once(
    proxy: TcpProxy,
    live_server: LiveServer,
    live_db: Session,
    new_context: NewContext,
    browser_problems: BrowserProblems,
) -> None:
    world = make_world(live_db, name="Basement Bar")
    comment = f"No signal down here ({uuid.uuid4().hex[:8]})"
    page = new_context(**PHONE).new_page()
    key = open_card(page, world.counter_code)
    fill_card(page, comment)

    send_offline(page, proxy, key, comment)
    assert stored_cards(live_db, world.counter_code) == []

    proxy.restore()
    fire_background_sync(page, live_server)
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you!")
    eventually(page, lambda: saved_on_phone(page) == [])
    [card] = stored_cards(live_db, world.counter_code)
    assert (card.rating, card.comment, card.idempotency_key) == (4, comment, key)

    # However many times it is tried again, it stays one card.
    fire_background_sync(page, live_server)
    page.goto(f"/c/{world.counter_code.token}")
    expect(page.get_by_role("button", name="Send")).to_be_visible()
    assert len(stored_cards(live_db, world.counter_code)) == 1
    assert_only_failed_requests(browser_problems)


def test_without_background_sync_the_online_event_sends_it_once(
    proxy: TcpProxy,
    live_db: Session,
    new_context: NewContext,
    browser_problems: BrowserProblems,
) -> None:
    world = make_world(live_db, name="Tunnel Café")
    comment = f"Sent when the train came out ({uuid.uuid4().hex[:8]})"
    context = new_context(**PHONE)
    context.add_init_script(WITHOUT_BACKGROUND_SYNC)
    page = context.new_page()
    key = open_card(page, world.terrace_code)
    assert page.evaluate("() => 'sync' in ServiceWorkerRegistration.prototype") is False
    fill_card(page, comment)

    send_offline(page, proxy, key, comment)
    proxy.restore()
    # With no Background Sync and no `online` event, nothing is sent on its own.
    page.wait_for_timeout(1000)
    assert stored_cards(live_db, world.terrace_code) == []

    context.set_offline(True)
    context.set_offline(False)  # the phone is back online: the page hears `online`
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you!")
    eventually(page, lambda: saved_on_phone(page) == [])
    [card] = stored_cards(live_db, world.terrace_code)
    assert (card.comment, card.idempotency_key) == (comment, key)
    assert_only_failed_requests(browser_problems)


def test_without_background_sync_the_next_page_load_sends_it_once(
    proxy: TcpProxy,
    live_db: Session,
    new_context: NewContext,
    browser_problems: BrowserProblems,
) -> None:
    world = make_world(live_db, name="Cellar Books")
    comment = f"Sent from the next page ({uuid.uuid4().hex[:8]})"
    context = new_context(**PHONE)
    context.add_init_script(WITHOUT_BACKGROUND_SYNC)
    page = context.new_page()
    key = open_card(page, world.counter_code)
    fill_card(page, comment)

    send_offline(page, proxy, key, comment)
    proxy.restore()
    page.goto(f"/c/{world.maya_code.token}")
    eventually(page, lambda: saved_on_phone(page) == [])
    [card] = stored_cards(live_db, world.counter_code)
    assert (card.comment, card.idempotency_key) == (comment, key)

    page.reload()
    expect(page.get_by_role("button", name="Send")).to_be_visible()
    assert len(stored_cards(live_db, world.counter_code)) == 1
    assert stored_cards(live_db, world.maya_code) == []
    assert_only_failed_requests(browser_problems)


def test_answer_lost_after_the_card_was_stored_is_replayed_not_doubled(
    proxy: TcpProxy,
    live_server: LiveServer,
    live_db: Session,
    new_context: NewContext,
    browser_problems: BrowserProblems,
) -> None:
    world = make_world(live_db, name="Lift Lobby")
    comment = f"The doors closed mid-send ({uuid.uuid4().hex[:8]})"
    page = new_context(**PHONE).new_page()
    key = open_card(page, world.counter_code)
    fill_card(page, comment)

    proxy.drop_answers()  # the request reaches the server; its answer never comes back
    page.get_by_role("button", name="Send").tap()
    expect(page.get_by_role("status")).to_have_text(SAVED)
    [card] = eventually(page, lambda: stored_cards(live_db, world.counter_code))
    assert card.idempotency_key == key
    assert [saved["key"] for saved in saved_on_phone(page)] == [key]

    proxy.restore()
    fire_background_sync(page, live_server)
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you!")
    eventually(page, lambda: saved_on_phone(page) == [])
    [card] = stored_cards(live_db, world.counter_code)
    assert (card.comment, card.idempotency_key) == (comment, key)
    assert_only_failed_requests(browser_problems)


def test_a_card_page_opened_before_opens_offline_with_a_key_of_its_own(
    proxy: TcpProxy,
    live_server: LiveServer,
    live_db: Session,
    new_context: NewContext,
    browser_problems: BrowserProblems,
) -> None:
    world = make_world(live_db, name="Mountain Hut")
    comment = f"Written with no network at all ({uuid.uuid4().hex[:8]})"
    page = new_context(**PHONE).new_page()
    open_card(page, world.counter_code)
    page.reload()  # opened again, now through the service worker, which keeps a copy
    first_key = page.locator("input[name=idempotency_key]").input_value()

    proxy.cut()
    page.reload()  # no network: the service worker answers with its copy
    expect(page.get_by_role("button", name="Send")).to_be_visible()
    key = page.locator("input[name=idempotency_key]").input_value()
    assert key != first_key
    fill_card(page, comment)
    send_offline(page, proxy, key, comment)

    proxy.restore()
    fire_background_sync(page, live_server)
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you!")
    [card] = eventually(page, lambda: stored_cards(live_db, world.counter_code))
    assert (card.comment, card.idempotency_key) == (comment, key)
    assert_only_failed_requests(browser_problems)


def test_a_reverse_proxy_answering_502_is_an_unreachable_server_too(
    proxy: TcpProxy,
    live_server: LiveServer,
    live_db: Session,
    new_context: NewContext,
    browser_problems: BrowserProblems,
) -> None:
    world = make_world(live_db, name="Station Kiosk")
    comment = f"Sent while the app was restarting ({uuid.uuid4().hex[:8]})"
    page = new_context(**PHONE).new_page()
    open_card(page, world.maya_code)
    page.reload()  # kept by the service worker

    proxy.bad_gateway()
    page.reload()  # the card, not the 502 page: the service worker's copy
    expect(page.get_by_role("heading", level=1)).to_have_text("How was your visit with Maya?")
    key = page.locator("input[name=idempotency_key]").input_value()
    fill_card(page, comment)
    page.get_by_role("button", name="Send").tap()
    expect(page.get_by_role("status")).to_have_text(SAVED)
    assert [saved["key"] for saved in saved_on_phone(page)] == [key]
    assert stored_cards(live_db, world.maya_code) == []

    proxy.restore()
    fire_background_sync(page, live_server)
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you!")
    [card] = eventually(page, lambda: stored_cards(live_db, world.maya_code))
    assert (card.comment, card.idempotency_key) == (comment, key)
    assert_only_failed_requests(browser_problems)


def test_card_page_is_installable(
    proxy: TcpProxy, live_db: Session, new_context: NewContext, browser_problems: BrowserProblems
) -> None:
    world = make_world(live_db, name="Night Market")
    page = new_context(**PHONE).new_page()
    open_card(page, world.terrace_code)

    cdp = page.context.new_cdp_session(page)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["url"].endswith(f"/c/{world.terrace_code.token}/manifest.webmanifest")
    assert manifest["errors"] == []
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    # Playwright's contexts are off-the-record profiles, where nothing installs: nothing else.
    assert [error["errorId"] for error in errors] in ([], ["in-incognito"])
    assert browser_problems.messages == []


def test_a_saved_card_the_server_refuses_comes_back_to_fix_not_lost(
    proxy: TcpProxy,
    live_db: Session,
    new_context: NewContext,
    browser_problems: BrowserProblems,
) -> None:
    """A card kept too long (its form token expired) reappears with what was written."""
    world = make_world(live_db, name="Quay Bikes")
    comment = f"Kept through a refusal ({uuid.uuid4().hex[:8]})"
    context = new_context(**PHONE)
    context.add_init_script(WITHOUT_BACKGROUND_SYNC)
    page = context.new_page()
    key = open_card(page, world.counter_code)
    fill_card(page, comment)
    send_offline(page, proxy, key, comment)
    # As if the phone stayed offline past the form's lifetime: the server will refuse it.
    page.evaluate(
        """() => new Promise((resolve, reject) => {
            const opening = indexedDB.open("tellus", 1);
            opening.onsuccess = () => {
                const db = opening.result;
                const store = db.transaction("outbox", "readwrite").objectStore("outbox");
                const all = store.getAll();
                all.onsuccess = () => {
                    const card = all.result[0];
                    card.body = card.body.replace(/form_token=[^&]*/, "form_token=1.forged");
                    store.put(card).onsuccess = () => { opening.result.close(); resolve(); };
                };
            };
            opening.onerror = () => reject(opening.error);
        })"""
    )
    proxy.restore()
    page.goto(f"/c/{world.maya_code.token}")
    expect(page.get_by_text("please send it again")).to_be_visible()
    expect(page.get_by_label("Tell us more")).to_have_value(comment)
    assert stored_cards(live_db, world.counter_code) == []
    eventually(page, lambda: saved_on_phone(page) == [])

    page.get_by_role("button", name="Send").tap()
    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    [card] = stored_cards(live_db, world.counter_code)
    assert (card.comment, card.idempotency_key) == (comment, key)
    assert_only_failed_requests(browser_problems)
