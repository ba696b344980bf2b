"""What a phone downloads for a card, counted in Chromium: requests and bytes, never time.

The proxy in front of the server counts every byte and request that crosses the network, the
service worker's included; the timings (first paint under throttling) are in bench/card_budget.py.
"""

import re

import httpx
import pytest
from playwright.sync_api import Page, Request, expect
from sqlmodel import Session

from tests.browser.conftest import PHONE, BrowserProblems, LiveServer, NewContext
from tests.browser.tcp_proxy import TcpProxy
from tests.factories import make_world

pytestmark = pytest.mark.browser

KB = 1024
REQUESTS_BY_LOAD = 4
FIRST_VISIT_BYTES = 30 * KB
# After a navigation into its scope the browser asks, when it chooses (a second or more later),
# whether the service worker changed: its own request, not the page's, and it may fall in any
# step of a visit.
UPDATE_CHECK = "GET /sw.js"


@pytest.fixture(scope="module")
def live_server(proxied_live_server: LiveServer) -> LiveServer:
    """Every browser in this module reaches the server through the counting proxy."""
    return proxied_live_server


@pytest.fixture
def proxy(tcp_proxy: TcpProxy) -> TcpProxy:
    tcp_proxy.restore()
    tcp_proxy.reset_counts()
    return tcp_proxy


def page_requests(proxy: TcpProxy) -> list[str]:
    """The requests that crossed the proxy, but the browser's update check of its worker."""
    return [request for request in proxy.requests if request != UPDATE_CHECK]


def open_and_settle(page: Page, path: str) -> list[Request]:
    """Open a page; return the requests it made before its load event, once its worker runs."""
    before_load: list[Request] = []
    made: list[Request] = []
    page.on("request", lambda request: made.append(request))
    page.once("load", lambda: before_load.extend(made))
    page.goto(path)
    # Installed (with its precache) and active: what the first visit downloads is done.
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    return before_load


def test_first_visit_fits_the_request_and_byte_budgets(
    proxy: TcpProxy,
    live_server: LiveServer,
    live_db: Session,
    new_context: NewContext,
    browser_problems: BrowserProblems,
) -> None:
    world = make_world(live_db, name="Harbour Café")
    page = new_context(**PHONE).new_page()
    proxy.reset_counts()

    before_load = open_and_settle(page, f"/c/{world.counter_code.token}")

    assert len(before_load) <= REQUESTS_BY_LOAD, [request.url for request in before_load]
    assert all(request.url.startswith(live_server.base_url) for request in before_load)
    assert proxy.bytes_to_browser <= FIRST_VISIT_BYTES, proxy.requests
    assert "GET /sw.js" in proxy.requests  # the first visit installs the worker
    assert browser_problems.messages == []


def test_repeat_visit_downloads_only_the_html_and_sending_is_one_request(
    proxy: TcpProxy, live_db: Session, new_context: NewContext, browser_problems: BrowserProblems
) -> None:
    world = make_world(live_db, name="Corner Deli")
    path = f"/c/{world.counter_code.token}"
    context = new_context(**PHONE)
    open_and_settle(context.new_page(), path)

    proxy.reset_counts()
    page = context.new_page()
    page.goto(path)
    page.wait_for_load_state("networkidle")
    assert page_requests(proxy) == [f"GET {path}"]

    proxy.reset_counts()
    page.locator("label.face").filter(has_text=re.compile(r"^\s*Excellent\s*$")).tap()
    page.get_by_role("button", name="Send").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you!")
    page.wait_for_load_state("networkidle")
    assert page_requests(proxy) == [f"POST {path}"]
    assert browser_problems.messages == []


def test_the_check_for_a_new_worker_downloads_no_script_when_it_is_unchanged(
    proxy: TcpProxy,
    live_server: LiveServer,
    live_db: Session,
    new_context: NewContext,
    browser_problems: BrowserProblems,
) -> None:
    world = make_world(live_db, name="Quay Books")
    page = new_context(**PHONE).new_page()
    open_and_settle(page, f"/c/{world.counter_code.token}")
    script = httpx.get(live_server.url("/sw.js"), headers={"Accept-Encoding": "gzip"})

    proxy.reset_counts()
    page.evaluate("() => navigator.serviceWorker.ready.then(registration => registration.update())")

    assert proxy.requests == [UPDATE_CHECK]
    # A 304: the answer's headers, not the script's gzipped bytes.
    assert proxy.bytes_to_browser < script.num_bytes_downloaded, proxy.bytes_to_browser
    assert browser_problems.messages == []
