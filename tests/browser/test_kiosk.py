"""A kiosk in Chromium at tablet size: customer after customer, nothing of one left for the next,
offline cards that arrive once, the way out for staff, and a revoked kiosk that stops.

One engine: the kiosk's data (tokens, limits, revoking) is tested on both in
tests/customer/test_kiosk.py; here the server is reached through a proxy a test can cut, and the
kiosk starts again after seconds, not a minute.
"""

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, col, select

from api.models import Card, Code, Role
from api.setup.kiosks import open_kiosk, revoke_kiosk
from api.tenancy import Tenant
from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    BrowserProblems,
    LiveServer,
    NewContext,
    run_live_server,
)
from tests.browser.helpers import sign_in
from tests.browser.tcp_proxy import TcpProxy
from tests.browser.test_accessibility import AXE, assert_accessible
from tests.browser.test_offline import assert_only_failed_requests, eventually, saved_on_phone
from tests.factories import World, make_world, reread
from tests.sockets import bound_socket, port_of

pytestmark = pytest.mark.browser

PORTRAIT: dict[str, Any] = {"viewport": {"width": 820, "height": 1180}, "has_touch": True}
LANDSCAPE: dict[str, Any] = {"viewport": {"width": 1180, "height": 820}, "has_touch": True}
RESET_SECONDS = 2
IDLE_SECONDS = 4
SAVED = "Your card is saved — it will be sent when you're back online."


@pytest.fixture(scope="module")
def axe() -> str:
    """The vendored axe-core (tests/browser/test_accessibility.py checks which release)."""
    return AXE.read_text()


@pytest.fixture(scope="module")
def live_database_url(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> str:
    path = tmp_path_factory.mktemp("kiosk") / "tellus.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="module")
def proxy_socket() -> Iterator[Any]:
    with bound_socket() as sock:
        yield sock


@pytest.fixture(scope="module")
def module_proxy(proxy_socket: Any) -> Iterator[TcpProxy]:
    proxy = TcpProxy(target_port=port_of(proxy_socket))
    proxy.start()
    yield proxy
    proxy.stop()


@pytest.fixture(scope="module")
def live_server(
    live_database_url: str,
    tmp_path_factory: pytest.TempPathFactory,
    proxy_socket: Any,
    module_proxy: TcpProxy,
) -> Iterator[LiveServer]:
    """The app behind the proxy, its kiosks starting again after seconds."""
    with run_live_server(
        live_database_url,
        tmp_path_factory.mktemp("uvicorn"),
        sock=proxy_socket,
        public_url=f"http://127.0.0.1:{module_proxy.port}",
        extra_env={
            "TELLUS_KIOSK_RESET_SECONDS": str(RESET_SECONDS),
            "TELLUS_KIOSK_IDLE_SECONDS": str(IDLE_SECONDS),
        },
    ) as server:
        yield server


@pytest.fixture
def proxy(module_proxy: TcpProxy) -> Iterator[TcpProxy]:
    module_proxy.restore()
    yield module_proxy
    module_proxy.restore()


def owner(world: World) -> Tenant:
    return Tenant(organisation_id=world.organisation.id or 0, role=Role.owner)


def make_kiosk(session: Session, world: World) -> tuple[int, str]:
    """A kiosk on the counter's card, opened through the owner's service: its id and path."""
    secret, kiosk = open_kiosk(
        session=session, tenant=owner(world), code_id=world.counter_code.id or 0, name="Till"
    )
    return kiosk.id or 0, f"/k/{secret}"


def open_tablet(page: Page, path: str) -> None:
    """Open the kiosk, wait for its service worker, and open it once more through the worker,
    which keeps its copy for offline use."""
    page.goto(path)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.reload()
    expect(page.get_by_role("button", name="Send")).to_be_visible()


def stored(session: Session, code: Code) -> list[Card]:
    reread(session)
    return list(session.exec(select(Card).where(Card.code_id == code.id).order_by(col(Card.id))))


def local_storage(page: Page) -> list[str]:
    return page.evaluate("Object.keys(localStorage)")


def assert_fits(page: Page) -> None:
    width = page.viewport_size["width"] if page.viewport_size else 0
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def fill(page: Page, *, face: str, comment: str, email: str = "") -> None:
    page.get_by_role("radio", name=face, exact=True).check()
    page.get_by_label("Tell us more").fill(comment)
    if email:
        page.locator(".contact summary").click()
        page.get_by_label("Email").fill(email)


def test_set_up_then_customer_after_customer_with_nothing_left_behind(
    live_db: Session,
    new_context: NewContext,
    axe: str,
) -> None:
    world = make_world(live_db, name="Quay Bakery")
    manager = new_context(**DESKTOP, bypass_csp=True).new_page()
    sign_in(manager, world.owner_email, world.password, next="/admin/kiosks")
    manager.get_by_label("Where does the tablet stand?").fill("By the door")
    manager.get_by_label("Card it shows").select_option(label="Counter")
    manager.get_by_role("button", name="Open a kiosk").click()
    link = manager.locator(".new-kiosk code").inner_text()
    assert_accessible(manager, axe, "the kiosks page with a new kiosk's link")
    assert_fits(manager)
    manager.set_viewport_size(PHONE["viewport"])
    assert_fits(manager)

    page = new_context(**PORTRAIT, bypass_csp=True).new_page()
    open_tablet(page, link)
    assert_accessible(page, axe, "the kiosk card, portrait")
    assert_fits(page)
    fill(page, face="Bad", comment="The till was slow", email="first@example.com")
    expect(page.get_by_text("Only used to answer you.")).to_be_visible()
    page.get_by_role("button", name="Send").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you!")
    assert page.locator("a[href*='/f/']").count() == 0
    # A few seconds later the card starts again, empty, for the next customer.
    expect(page.get_by_role("button", name="Send")).to_be_visible(timeout=RESET_SECONDS * 4000)
    expect(page.get_by_label("Tell us more")).to_have_value("")
    text = page.locator("body").inner_text()
    assert "The till was slow" not in text
    assert "first@example.com" not in text
    assert local_storage(page) == []
    assert saved_on_phone(page) == []
    [card] = stored(live_db, world.counter_code)
    assert (card.rating, card.contact_email, card.held) == (2, "first@example.com", False)

    # Landscape, and a customer who walks away: after the idle time the card is empty again.
    page.set_viewport_size(LANDSCAPE["viewport"])
    assert_fits(page)
    key = page.locator("input[name=idempotency_key]").input_value()
    fill(page, face="Good", comment="Half a thought")
    expect(page.get_by_label("Tell us more")).to_have_value("", timeout=IDLE_SECONDS * 3000)
    assert page.locator("input[name=idempotency_key]").input_value() != key
    assert len(stored(live_db, world.counter_code)) == 1
    page.set_viewport_size(PHONE["viewport"])  # a kiosk on a phone still fits
    assert_fits(page)


def test_offline_cards_on_a_kiosk_arrive_once(
    proxy: TcpProxy, live_db: Session, new_context: NewContext, browser_problems: BrowserProblems
) -> None:
    world = make_world(live_db, name="Ferry Kiosk")
    _, path = make_kiosk(live_db, world)
    page = new_context(**LANDSCAPE).new_page()
    open_tablet(page, path)
    proxy.cut()
    for number in (1, 2):
        fill(page, face="Good", comment=f"Offline customer {number}")
        page.get_by_role("button", name="Send").tap()
        expect(page.get_by_text(SAVED)).to_be_visible()
        # The service worker's copy starts the card again for the next customer.
        expect(page.get_by_role("button", name="Send")).to_be_visible(timeout=RESET_SECONDS * 4000)
        expect(page.get_by_label("Tell us more")).to_have_value("")
    assert len(saved_on_phone(page)) == 2
    assert stored(live_db, world.counter_code) == []

    proxy.restore()
    page.reload()  # the next page sends what waits (Background Sync may beat it: still once)
    eventually(page, lambda: saved_on_phone(page) == [])
    eventually(page, lambda: len(stored(live_db, world.counter_code)) == 2)
    page.reload()
    expect(page.get_by_role("button", name="Send")).to_be_visible()
    cards = stored(live_db, world.counter_code)
    assert sorted(card.comment for card in cards) == ["Offline customer 1", "Offline customer 2"]
    assert not any(card.held for card in cards)
    # Nothing of theirs is shown to whoever stands at the tablet now.
    assert "Offline customer" not in page.locator("body").inner_text()
    assert_only_failed_requests(browser_problems)  # the requests the cut proxy dropped


def test_staff_leave_by_holding_the_bar_and_signing_in(
    live_db: Session, new_context: NewContext, browser_problems: BrowserProblems
) -> None:
    world = make_world(live_db, name="Harbour Deli")
    _, path = make_kiosk(live_db, world)
    page = new_context(**PORTRAIT).new_page()
    page.goto(path)
    dialog = page.get_by_role("dialog", name="For staff")
    page.locator(".org-bar").tap()  # a customer's tap opens nothing
    page.wait_for_timeout(300)
    expect(dialog).to_be_hidden()
    bar = page.locator(".org-name").bounding_box()
    assert bar is not None
    page.mouse.move(bar["x"] + 10, bar["y"] + 10)
    page.mouse.down()
    page.wait_for_timeout(2300)
    page.mouse.up()
    expect(dialog).to_be_visible()
    back = dialog.get_by_role("button", name="Back to the card")
    expect(back).to_be_focused()  # the safe way, for a customer who held the bar by chance
    back.click()
    expect(dialog).to_be_hidden()

    page.mouse.move(bar["x"] + 10, bar["y"] + 10)
    page.mouse.down()
    page.wait_for_timeout(2300)
    page.mouse.up()
    dialog.get_by_role("link", name="Sign in as a manager").click()
    expect(page).to_have_url(re.compile(r"/login\?next=/admin/kiosks$"))
    page.get_by_label("Email").fill(world.owner_email)
    page.get_by_label("Password").fill(world.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/admin/kiosks$"))
    assert browser_problems.messages == []  # no CSP violation nor script error on the way


def test_a_revoked_kiosk_stops_and_asks_for_a_manager(
    live_db: Session,
    new_context: NewContext,
    axe: str,
) -> None:
    world = make_world(live_db, name="Pier Café")
    kiosk_id, path = make_kiosk(live_db, world)
    page = new_context(**PORTRAIT, bypass_csp=True).new_page()
    page.goto(path)
    expect(page.get_by_role("button", name="Send")).to_be_visible()
    revoke_kiosk(session=live_db, tenant=owner(world), kiosk_id=kiosk_id)
    # Untouched, it starts again after the idle time, and finds itself revoked.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Please ask a manager", timeout=IDLE_SECONDS * 3000
    )
    expect(page.locator("form.card-form")).to_have_count(0)
    assert_accessible(page, axe, "a revoked kiosk")
    assert_fits(page)


@pytest.mark.parametrize(
    ("locale", "hint"),
    [
        ("ar", "يُستخدم فقط للرد عليك."),
        ("zh-CN", "仅用于回复您。"),
        ("de-DE", "Nur verwendet, um Ihnen zu antworten."),
    ],
)
def test_the_kiosk_speaks_the_customers_language(
    live_db: Session,
    new_context: NewContext,
    axe: str,
    locale: str,
    hint: str,
) -> None:
    world = make_world(live_db, name=f"Dock Café {locale}")
    _, path = make_kiosk(live_db, world)
    page = new_context(**LANDSCAPE, locale=locale, bypass_csp=True).new_page()
    page.goto(path)
    page.locator(".contact summary").click()
    expect(page.locator(".kiosk-hint")).to_contain_text(hint)
    assert_fits(page)
    if locale == "ar":  # right to left: the one layout of its own
        assert_accessible(page, axe, f"the kiosk card in {locale}")
