"""The page walk: every page of the app, opened by the role that sees it, at phone and desktop
width, in each language, with usual, long and empty data; a page fails on sideways scrolling, a
form control without a label, a console error or CSP violation, any axe-core WCAG 2.2 AA
violation, and (on translated pages) a raw message key or text left untranslated.

Every GET route the app's route table has (outside the JSON API under /api/v1) must be in PAGES
or in NOT_PAGES, or `test_every_page_is_walked` fails. To add a page, add its route to PAGES:

    "/admin/things/{thing_id}": (Visit("owner", "/admin/things/{thing_id}"),),

- the key is the route's path as FastAPI declares it (convertors left out: `{card_id}`);
- a Visit has the role that opens it ("customer" for no sign-in, "staff", "manager", "owner",
  "two-factor" for a password given and the code still to come), the URL to open, and
  `translated=True` once the page is in the catalogues; `{names}` in the URL come from the data's
  `ids` (tests/browser/walk_data.py: add a row there for a new kind of id). A visit whose URL
  names an id the data has not got is skipped for that data (the empty organisation has no card);
- `then` acts on the page before the checks (to reach the page a form answers with);
- `walks` limits the page to the walks with these ids (to keep the walk's time in check).
A GET route that answers with no page (a stream, a file, a redirect) goes to NOT_PAGES, with why;
a visit sent on to another address fails (a staff page that sends its visitor to sign in).

Languages: every page in English and Arabic at both widths; the translated pages at phone width
in German, Chinese and a test-only pseudo-language (tests/browser/pseudo_locale.py) where every
message reads "[Ťéšť]", so English left on a page shows (see WALKS for the other languages).

TELLUS_SCREENS=1 also saves the gallery (docs/screens/, see tests/browser/gallery.py) and the
README's picture, docs/screenshot.png.
"""

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import fastapi.routing
import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, Page, StorageState, expect
from sqlmodel import Session

from api.config import Settings
from api.main import create_app
from tests.browser.conftest import DESKTOP, PHONE, BrowserProblems, LiveServer, run_live_server
from tests.browser.gallery import Gallery
from tests.browser.pseudo_locale import PSEUDO_TAG
from tests.browser.test_accessibility import axe_source
from tests.browser.walk_checks import (
    axe_violations,
    back_arrows,
    overflow,
    unlabelled_controls,
    untranslated,
)
from tests.browser.walk_data import WalkData, empty_data, long_data, usual_data
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser
__all__ = ["axe_source"]  # the fixture, shared with test_accessibility


def send_card(page: Page) -> None:
    """A face and Send: the thank-you page."""
    page.locator("label.face").nth(3).click()
    page.locator("button.send").click()
    expect(page.locator(".thanks h1")).to_be_visible()


def faded_in(page: Page) -> None:
    """The TV's compliment has faded in (half-faded text has too little contrast for axe)."""
    page.evaluate("() => Promise.all(document.getAnimations().map(a => a.finished))")


@dataclass(frozen=True)
class Visit:
    role: str
    url: str
    translated: bool = False
    then: Callable[[Page], None] | None = None
    # The ids of the only walks that open the page (none: every walk that opens its kind).
    walks: tuple[str, ...] = ()


PAGES: dict[str, tuple[Visit, ...]] = {
    "/c/{token}": (
        Visit("customer", "/c/{counter_token}", translated=True),
        Visit("customer", "/c/{send_token}", translated=True, then=send_card),
    ),
    "/f/{token}": (Visit("customer", "/f/{follow_up_token}", translated=True),),
    "/f/{token}/erase": (Visit("customer", "/f/{follow_up_token}/erase", translated=True),),
    "/k/{token}": (Visit("customer", "/k/{kiosk_token}", translated=True),),
    # The wall and the TV speak the language of their address (?lang=), not the browser's.
    "/kudos/{slug}": (Visit("customer", "/kudos/{slug}?lang={lang}", translated=True),),
    "/kudos/{slug}/{location_id}": (
        Visit("customer", "/kudos/{slug}/{location_id}?lang={lang}", translated=True),
    ),
    "/tv/{token}": (
        Visit("customer", "/tv/{tv_token}?lang={lang}", translated=True, then=faded_in),
    ),
    "/staff/sign-in": (Visit("customer", "/staff/sign-in", translated=True),),
    "/staff/sign-in/sent": (Visit("customer", "/staff/sign-in/sent", translated=True),),
    "/staff/link/{token}": (Visit("customer", "/staff/link/{staff_link_token}", True),),
    "/staff": (Visit("staff", "/staff", translated=True),),
    "/login": (Visit("customer", "/login", translated=True),),
    "/login/two-factor": (Visit("two-factor", "/login/two-factor", translated=True),),
    "/forgot-password": (Visit("customer", "/forgot-password", translated=True),),
    "/forgot-password/sent": (Visit("customer", "/forgot-password/sent", translated=True),),
    "/password-reset/{token}": (Visit("customer", "/password-reset/{reset_token}", True),),
    "/account/security": (Visit("manager", "/account/security", translated=True),),
    "/account/security/password": (Visit("manager", "/account/security/password", True),),
    "/account/security/email": (Visit("manager", "/account/security/email", True),),
    "/account/email/confirm/{token}": (
        Visit("customer", "/account/email/confirm/{email_token}", translated=True),
    ),
    "/account/email/changed": (Visit("customer", "/account/email/changed", translated=True),),
    "/inbox": (Visit("manager", "/inbox", translated=True),),
    "/inbox/{card_id}": (Visit("manager", "/inbox/{card_id}", translated=True),),
    "/inbox/templates": (Visit("manager", "/inbox/templates", translated=True),),
    "/inbox/leaderboard": (Visit("manager", "/inbox/leaderboard", translated=True),),
    "/inbox/service-week": (Visit("manager", "/inbox/service-week", translated=True),),
    "/inbox/certificates/{employee_id}": (
        Visit("manager", "/inbox/certificates/{employee_id}", translated=True),
    ),
    "/inbox/staff-sign-in": (Visit("manager", "/inbox/staff-sign-in", translated=True),),
    "/analytics": (Visit("manager", "/analytics", translated=True),),
    "/invitations/{token}": (Visit("customer", "/invitations/{invitation_token}", True),),
    "/unsubscribe/{token}": (Visit("customer", "/unsubscribe/{unsubscribe_token}", True),),
    "/admin/organisation": (Visit("owner", "/admin/organisation", translated=True),),
    "/admin/locations": (Visit("owner", "/admin/locations", translated=True),),
    "/admin/employees": (Visit("owner", "/admin/employees", translated=True),),
    "/admin/codes": (Visit("owner", "/admin/codes", translated=True),),
    "/admin/codes/{code_id}": (Visit("owner", "/admin/codes/{code_id}", translated=True),),
    "/admin/codes/{code_id}/revoke": (
        Visit("owner", "/admin/codes/{code_id}/revoke", translated=True),
    ),
    "/admin/codes/{code_id}/replace": (
        Visit("owner", "/admin/codes/{code_id}/replace", translated=True),
    ),
    "/admin/locations/{location_id}/archive": (
        Visit("owner", "/admin/locations/{location_id}/archive", translated=True),
    ),
    "/admin/employees/{employee_id}/archive": (
        Visit("owner", "/admin/employees/{employee_id}/archive", translated=True),
    ),
    "/admin/print": (Visit("owner", "/admin/print", translated=True),),
    "/admin/card-texts": (Visit("owner", "/admin/card-texts", translated=True),),
    "/admin/api-keys": (Visit("owner", "/admin/api-keys", translated=True),),
    "/admin/people": (Visit("owner", "/admin/people", translated=True),),
    "/admin/mail": (Visit("owner", "/admin/mail", translated=True),),
    "/admin/alerts": (Visit("owner", "/admin/alerts", translated=True),),
    "/admin/alerts/deliveries": (Visit("owner", "/admin/alerts/deliveries", translated=True),),
    "/admin/alerts/webhooks": (Visit("owner", "/admin/alerts/webhooks", translated=True),),
    "/admin/kiosks": (Visit("owner", "/admin/kiosks", translated=True),),
    "/admin/kudos": (Visit("owner", "/admin/kudos", translated=True),),
    "/admin/data": (Visit("owner", "/admin/data", translated=True),),
    "/admin/data/delete": (Visit("owner", "/admin/data/delete", translated=True),),
}

NOT_PAGES: dict[str, str] = {
    "/": "sends a signed-in person to /inbox",
    "/admin": "sends an owner to /admin/codes",
    "/C/{token}": "the card page again, in capitals (a QR code's alphanumeric mode)",
    "/healthz": "the health check's JSON",
    "/sw.js": "the card's service worker",
    "/inbox/sw.js": "the inbox's service worker",
    "/c/{token}/manifest.webmanifest": "the card's web app manifest",
    "/C/{token}/manifest.webmanifest": "the card's web app manifest, in capitals",
    "/qr/{token}.{extension}": "a QR code's image",
    "/logo/{slug}.png": "an organisation's logo",
    "/f/{token}/stream": "the follow-up page's event stream",
    "/inbox/stream": "the inbox's event stream",
    "/inbox/export.csv": "the cards as CSV",
    "/admin/print/sheet.pdf": "the sheet of codes as PDF",
    "/admin/print/preview.png": "the sheet's preview image",
    "/k/{token}/manifest.webmanifest": "the kiosk's web app manifest",
    "/tv/{token}/kudos.json": "the TV's compliments as JSON, for its polling",
    "/inbox/certificates/{employee_id}/certificate.pdf": "a certificate as PDF",
    "/inbox/service-week/certificates.pdf": "Customer Service Week's certificates as PDF",
    "/inbox/service-week/poster.pdf": "Customer Service Week's poster as PDF",
    "/staff/certificates/{certificate_id}.pdf": "a staff member's own certificate as PDF",
    "/analytics/export.csv": "the analytics' figures as CSV",
    "/api/v1/openapi.json": "the API's schema",
    "/api/docs": "Swagger UI's page: its markup is not ours (axe-core finds contrast, nesting and "
    "target-size faults in it); test_screens checks that it renders under the CSP",
}


DEVICES = {"phone": PHONE, "desktop": DESKTOP}


@dataclass(frozen=True)
class Walk:
    language: str  # the browser's locale: its Accept-Language
    width: str  # "phone" or "desktop"
    data: str  # "usual", "long" or "empty"
    axe: bool = False
    translated_only: bool = False

    @property
    def tag(self) -> str:
        """The language's tag in the app: "zh-Hans" for zh-CN, "de" for de-DE."""
        if self.language in ("zh-CN", PSEUDO_TAG):
            return "zh-Hans" if self.language == "zh-CN" else PSEUDO_TAG
        return self.language.split("-")[0]

    @property
    def id(self) -> str:
        return f"{self.language}-{self.width}-{self.data}"


# axe-core takes most of a visit's time: it runs on every page as usual in English at both
# widths and in Arabic on a phone (right to left), and on the empty organisation's; long text is
# checked for what it breaks, the layout. The other languages check their translated pages on a
# phone: German (the longest words), Chinese (no spaces to wrap at) and the pseudo-language
# (English left in a template). Every catalogue is checked for completeness without a browser
# (tests/test_i18n.py) and the card page in every language (tests/browser/test_languages.py);
# TELLUS_WALK_EVERY_LANGUAGE=1 walks French, Spanish and Portuguese too.
WALK_LANGUAGES = ("de-DE", "zh-CN", PSEUDO_TAG)
if os.environ.get("TELLUS_WALK_EVERY_LANGUAGE") == "1":
    WALK_LANGUAGES += ("fr-FR", "es-ES", "pt-BR")
WALKS = [
    *(Walk("en-US", width, "usual", axe=True) for width in DEVICES),
    Walk("ar", "phone", "usual", axe=True),
    Walk("ar", "desktop", "usual"),
    Walk("en-US", "phone", "empty", axe=True),
    *(Walk("en-US", width, "long") for width in DEVICES),
    Walk("ar", "phone", "long"),
    *(Walk(language, "phone", "usual", translated_only=True) for language in WALK_LANGUAGES),
]


def get_paths(app: FastAPI) -> set[str]:
    """The path of every GET route in the app's route table."""
    # Newer FastAPI keeps included routers as groups in app.routes; this flattens them.
    flatten = getattr(fastapi.routing, "iter_route_contexts", None)
    routes = list(flatten(app.routes)) if flatten else list(app.routes)
    return {
        re.sub(r":\w+}", "}", str(getattr(route, "path", "")))
        for route in routes
        if "GET" in (getattr(route, "methods", None) or ())
    }


def test_every_page_is_walked() -> None:
    gets = get_paths(create_app(Settings(environment="test")))
    unwalked = {path for path in gets if not path.startswith("/api/v1/")} - PAGES.keys()
    unwalked -= NOT_PAGES.keys()
    assert not unwalked, (
        f"Pages the page walk does not visit: {sorted(unwalked)}. Add each to PAGES in "
        f"{__name__} with the role that opens it (see the module's docstring), or to "
        "NOT_PAGES with the reason it is not a page."
    )
    stale = (PAGES.keys() | NOT_PAGES.keys()) - gets
    assert not stale, f"The walk lists routes the app no longer has: {sorted(stale)}"


@pytest.fixture(scope="module")
def walk_server(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """One server on SQLite for the whole walk, speaking the pseudo-language too."""
    path = tmp_path_factory.mktemp("walk") / "tellus.db"
    path.write_bytes(sqlite_template.read_bytes())
    with run_live_server(
        f"sqlite:///{path}",
        tmp_path_factory.mktemp("uvicorn"),
        app=("--factory", "tests.browser.pseudo_locale:create_app"),
    ) as server:
        yield server


@pytest.fixture(scope="module")
def walk_data(walk_server: LiveServer) -> dict[str, WalkData]:
    with Session(walk_server.engine, expire_on_commit=False) as session:
        return {
            "usual": usual_data(session, walk_server),
            "long": long_data(session),
            "empty": empty_data(session),
        }


@pytest.fixture(scope="module")
def signed_in(
    chromium: Browser, walk_server: LiveServer, walk_data: dict[str, WalkData]
) -> Callable[[str, str], StorageState]:
    """A browser's cookies after signing in as a role of an organisation (made once)."""
    states: dict[tuple[str, str], StorageState] = {}

    def state(data: str, role: str) -> StorageState:
        if (data, role) not in states:
            context = chromium.new_context(base_url=walk_server.base_url)
            page = context.new_page()
            if role == "staff":
                page.goto(f"/staff/link/{walk_data[data].staff_sign_in}")
            else:
                page.goto("/login")
                page.locator("#email").fill(walk_data[data].emails[role])
                page.locator("#password").fill(PASSWORD)
            with page.expect_navigation():
                page.locator("form button[type=submit]").click()
            states[(data, role)] = context.storage_state()
            context.close()
        return states[(data, role)]

    return state


@pytest.fixture(scope="module")
def gallery(chromium: Browser, walk_server: LiveServer) -> Iterator[Gallery | None]:
    if not os.environ.get("TELLUS_SCREENS"):
        yield None
        return
    shots = Gallery(chromium, walk_server)
    yield shots
    shots.finish()


# Dates in a right-to-left page, not isolated from the words around them.
MIXED_TIMES = """[...document.querySelectorAll('time')]
    .some(t => !getComputedStyle(t).unicodeBidi.match(/isolate|plaintext/))"""


def check_page(page: Page, visit: Visit, walk: Walk, data: WalkData, axe: str) -> list[str]:
    problems = overflow(page) + unlabelled_controls(page) + back_arrows(page)
    # Every page speaks the visitor's language (a signed-in one, their account's or their
    # browser's); a set-up page not in the catalogues yet shows English words inside it.
    language = walk.tag
    if page.locator("html").get_attribute("lang") != language:
        problems.append(f"<html lang> is {page.locator('html').get_attribute('lang')!r}")
    if walk.language == "ar" and page.evaluate(MIXED_TIMES):
        problems.append("a <time> is not isolated: beside Latin text its digits change places")
    if walk.axe:
        problems += axe_violations(page, axe)
    if visit.translated:
        problems += untranslated(page, language=walk.language, data=data.data_text)
    return problems


def walk_urls(walk: Walk, data: WalkData) -> Iterator[tuple[str, Visit, str]]:
    """(route, visit, URL) of each page this walk opens."""
    ids = {**data.ids, "follow_up_token": data.follow_ups.get(walk.tag), "lang": walk.tag}
    known = {name: value for name, value in ids.items() if value is not None}
    for route, visits in PAGES.items():
        for visit in visits:
            if walk.translated_only and not visit.translated:
                continue
            if visit.walks and walk.id not in visit.walks:
                continue
            if visit.role != "customer" and visit.role not in data.emails:
                continue  # nobody of this organisation has this role
            try:
                yield route, visit, visit.url.format(**known)
            except KeyError:
                continue  # this organisation has no such row (the empty one has no card)


@pytest.mark.parametrize("walk", WALKS, ids=[walk.id for walk in WALKS])
def test_page_walk(
    walk: Walk,
    chromium: Browser,
    walk_server: LiveServer,
    walk_data: dict[str, WalkData],
    signed_in: Callable[[str, str], StorageState],
    axe_source: str,
    gallery: Gallery | None,
) -> None:
    data = walk_data[walk.data]
    problems: list[str] = []
    browser_problems = BrowserProblems()
    pages: dict[str, Page] = {}
    for route, visit, url in walk_urls(walk, data):
        if visit.role not in pages:
            context = chromium.new_context(
                base_url=walk_server.base_url,
                locale=walk.language,
                storage_state=None
                if visit.role == "customer"
                else signed_in(walk.data, visit.role),
                **DEVICES[walk.width],
            )
            context.set_default_timeout(10_000)
            if walk.axe:
                context.add_init_script(axe_source)
            browser_problems.watch(context)
            pages[visit.role] = context.new_page()
        page = pages[visit.role]
        before = len(browser_problems.messages)
        response = page.goto(url)
        assert response is not None
        found = []
        if response.status != 200 or "text/html" not in response.headers["content-type"]:
            found.append(f"answered {response.status} {response.headers['content-type']}")
        if urlsplit(response.url).path != urlsplit(url).path:
            found.append(f"sent on to {response.url}")
        if visit.then:
            visit.then(page)
        found += check_page(page, visit, walk, data, axe_source)
        found += browser_problems.messages[before:]
        problems += [f"{route} ({visit.role}, {url}): {problem}" for problem in found]
        if gallery is not None:
            gallery.take(
                page, url=visit.url, width=walk.width, language=walk.language, data=walk.data
            )
    for page in pages.values():
        page.context.close()
    assert not problems, f"{walk.id}: {len(problems)} problems:\n" + "\n".join(problems)
