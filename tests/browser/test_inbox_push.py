"""Get alerts on this device, in Chromium, up to the browser's call to its push service.

Headless Chromium cannot reach a real push service, so `PushManager.prototype.subscribe` is
replaced in the page by one that records its arguments and returns a subscription-shaped object;
everything else is real: the service worker's registration and scope, the page's POST with its
CSRF token, the row in the database. (The server's side is tested to the bytes in
tests/inbox/test_inbox_push.py.)
"""

import json
import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from api.alerts.channels.webpush import vapid_keys
from api.config import Settings
from api.models import PushSubscription
from tests.browser.conftest import DESKTOP, PHONE, ROOT, BrowserProblems, LiveServer, NewContext
from tests.browser.helpers import sign_in
from tests.browser.test_screens import (
    MIN_TOUCH_TARGET,
    Screenshots,
    assert_fully_visible,
    assert_no_horizontal_scroll,
)
from tests.factories import make_world, reread
from tests.push import BrowserKeys

pytestmark = pytest.mark.browser

# The browser's subscribe() call, answered without a push service: what it was asked is kept.
FAKE_PUSH_SERVICE = """
(() => {
  const fake = %s;
  window.pushCalls = [];
  let current = null;
  PushManager.prototype.subscribe = async function (options) {
    const key = new Uint8Array(options.applicationServerKey);
    window.pushCalls.push({
      userVisibleOnly: options.userVisibleOnly,
      key: btoa(String.fromCharCode(...key)).replace(/\\+/g, "-").replace(/\\//g, "_")
        .replace(/=+$/, ""),
    });
    current = {
      endpoint: fake.endpoint,
      options: { userVisibleOnly: true, applicationServerKey: key.buffer },
      toJSON: () => ({ ...fake, expirationTime: null }),
      unsubscribe: async () => { current = null; return true; },
    };
    return current;
  };
  PushManager.prototype.getSubscription = async function () { return current; };
})();
"""


@pytest.fixture
def screenshots(tmp_path: Path, live_server: LiveServer) -> Screenshots:
    engine = make_url(live_server.database_url).get_backend_name()
    keep = ROOT / "test-artifacts" / "screens" / engine
    return Screenshots(tmp_path, keep if os.environ.get("TELLUS_SCREENSHOTS") else None)


def devices(live_db: Session) -> list[PushSubscription]:
    reread(live_db)
    return list(live_db.exec(select(PushSubscription)))


def fake_push_service(page: Page, endpoint: str) -> None:
    subscription = BrowserKeys().subscription(endpoint)
    page.add_init_script(FAKE_PUSH_SERVICE % json.dumps(subscription))


def test_the_inbox_subscribes_this_device_and_stops(
    live_server: LiveServer,
    live_db: Session,
    new_context: NewContext,
    browser_problems: BrowserProblems,
    screenshots: Screenshots,
) -> None:
    world = make_world(live_db, name=f"Harbour Café {uuid.uuid4().hex[:6]}")
    endpoint = f"https://push.example.com/send/{uuid.uuid4().hex}"
    page = new_context(**PHONE).new_page()
    fake_push_service(page, endpoint)
    sign_in(page, world.owner_email, world.password, next="/inbox")

    button = page.get_by_role("button", name="Get alerts on this device")
    expect(button).to_be_visible()
    assert_fully_visible(page, "[data-push-subscribe]")
    assert_no_horizontal_scroll(page)
    box = button.bounding_box()
    assert box is not None
    assert box["height"] >= MIN_TOUCH_TARGET
    screenshots.take(page, "inbox-alerts-phone")

    button.click()

    expect(page.locator("[data-push-state]")).to_have_text("Alerts are on for this device.")
    expect(page.get_by_role("button", name="Send a test notification")).to_be_visible()
    expect(button).to_be_hidden()
    server_key = vapid_keys(
        engine=live_server.engine,
        settings=Settings(_env_file=None),  # type: ignore[call-arg]
    ).public_key_b64
    assert page.evaluate("window.pushCalls") == [{"userVisibleOnly": True, "key": server_key}]
    registration = page.evaluate(
        """navigator.serviceWorker.getRegistration("/inbox").then((registration) => ({
             scope: registration.scope, script: registration.active.scriptURL }))"""
    )
    assert registration == {
        "scope": live_server.url("/inbox"),
        "script": live_server.url("/inbox/sw.js"),
    }
    (device,) = devices(live_db)
    assert (device.endpoint, device.user_id, device.language) == (endpoint, world.owner.id, "en")
    screenshots.take(page, "inbox-alerts-on-phone")

    page.get_by_role("button", name="Stop alerts on this device").click()

    expect(button).to_be_visible()
    assert devices(live_db) == []
    assert browser_problems.messages == []


def test_the_alerts_panel_at_desktop_width(
    live_server: LiveServer, live_db: Session, new_context: NewContext, screenshots: Screenshots
) -> None:
    world = make_world(live_db, name=f"Corner Deli {uuid.uuid4().hex[:6]}")
    page = new_context(**DESKTOP).new_page()
    sign_in(page, world.owner_email, world.password, next="/inbox")
    expect(page.get_by_role("button", name="Get alerts on this device")).to_be_visible()
    screenshots.take(page, "inbox-alerts-desktop")


# The badge the worker puts on the app's icon, recorded (headless Chromium shows none).
WORKER_BADGES = """() => {
  self.badges = [];
  Object.defineProperty(WorkerNavigator.prototype, "setAppBadge", {
    configurable: true, value(count) { self.badges.push(count); return Promise.resolve(); } });
  Object.defineProperty(WorkerNavigator.prototype, "clearAppBadge", {
    configurable: true, value() { self.badges.push(0); return Promise.resolve(); } });
}"""
NOTIFICATIONS = """navigator.serviceWorker.getRegistration("/inbox")
  .then((registration) => registration.getNotifications())
  .then((shown) => shown.map((note) => ({
    title: note.title, body: note.body, tag: note.tag, url: note.data.url })))"""


def test_the_service_worker_shows_a_pushed_alert(
    live_server: LiveServer, live_db: Session, new_context: NewContext
) -> None:
    """A push message delivered to the inbox's worker (through the DevTools protocol, as a push
    service would) becomes a notification with the card's title, text and link."""
    world = make_world(live_db, name=f"Quay Bistro {uuid.uuid4().hex[:6]}")
    context = new_context(**PHONE)
    context.grant_permissions(["notifications"])
    page = context.new_page()
    fake_push_service(page, f"https://push.example.com/send/{uuid.uuid4().hex}")
    sign_in(page, world.owner_email, world.password, next="/inbox")
    devtools = context.new_cdp_session(page)
    registrations: list[dict[str, str]] = []
    devtools.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(event["registrations"]),
    )
    devtools.send("ServiceWorker.enable")
    page.get_by_role("button", name="Get alerts on this device").click()
    # The service worker installs, subscribes and is stored first: longer than 5 s on a busy CI.
    expect(page.locator("[data-push-state]")).to_have_text(
        "Alerts are on for this device.", timeout=15_000
    )
    (registration_id,) = {
        registration["registrationId"]
        for registration in registrations
        if registration["scopeURL"] == live_server.url("/inbox")
    }
    alert = {
        "title": "New card: 1/5 · Terrace",
        "body": "Cold soup",
        "url": "/inbox/5",
        "tag": "card-5",
        "unread": 3,
    }

    # A push reaches only an active worker: wait for it, as a push service's message would.
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    (worker,) = [w for w in context.service_workers if w.url == live_server.url("/inbox/sw.js")]
    worker.evaluate(WORKER_BADGES)

    def push(message: dict[str, object], arrived: Callable[[], object]) -> None:
        """Deliver a message as a push service would, until `arrived` is true (the DevTools
        protocol may drop one under load; the same tag replaces a notification, so a repeat
        never shows twice)."""
        for _ in range(3):
            devtools.send(
                "ServiceWorker.deliverPushMessage",
                {
                    "origin": live_server.base_url,
                    "registrationId": registration_id,
                    "data": json.dumps(message),
                },
            )
            deadline = time.monotonic() + 5.0
            while not arrived() and time.monotonic() < deadline:
                page.wait_for_timeout(100)
            if arrived():
                return

    push(alert, lambda: page.evaluate(NOTIFICATIONS))
    assert page.evaluate(NOTIFICATIONS) == [
        {"title": alert["title"], "body": "Cold soup", "tag": "card-5", "url": "/inbox/5"}
    ]
    # With the inbox closed too, the app's icon counts the unread cards the message names.
    assert set(worker.evaluate("self.badges")) == {3}
    # A card read meanwhile everywhere: its alert takes the badge off.
    push({**alert, "tag": "card-6", "unread": 0}, lambda: 0 in worker.evaluate("self.badges"))
    assert worker.evaluate("self.badges")[-1] == 0
