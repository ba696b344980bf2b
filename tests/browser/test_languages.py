"""The card in every language on a phone: right-to-left Arabic, Chinese, long German words.

Set TELLUS_SCREENSHOTS=1 to keep the screenshots in test-artifacts/screens/<engine>/.
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from api.models import Card
from tests.browser.conftest import PHONE, ROOT, BrowserProblems, LiveServer, NewContext
from tests.browser.test_screens import (
    MIN_TOUCH_TARGET,
    Screenshots,
    assert_fully_visible,
    assert_no_horizontal_scroll,
)
from tests.factories import make_world, reread

pytestmark = pytest.mark.browser

LOCALES = ["ar", "zh-CN", "de-DE", "fr-FR", "es-ES", "pt-BR"]


@pytest.fixture
def shots(tmp_path: Path, live_server: LiveServer) -> Screenshots:
    engine = make_url(live_server.database_url).get_backend_name()
    keep = ROOT / "test-artifacts" / "screens" / engine
    return Screenshots(tmp_path, keep if os.environ.get("TELLUS_SCREENSHOTS") else None)


def assert_faces_fit(page: Page) -> None:
    faces = page.locator("label.face")
    expect(faces).to_have_count(5)
    for index in range(5):
        face = faces.nth(index)
        box = face.bounding_box()
        assert box is not None
        assert min(box["width"], box["height"]) >= MIN_TOUCH_TARGET, (face.inner_text(), box)
        label = face.locator(".face-label")
        clipped = label.evaluate("e => e.scrollWidth > e.clientWidth + 1")
        assert not clipped, f"face label {label.inner_text()!r} does not fit"


@pytest.mark.parametrize("locale", LOCALES)
def test_card_fits_a_phone_in_every_language(
    live_db: Session,
    new_context: NewContext,
    browser_problems: BrowserProblems,
    shots: Screenshots,
    locale: str,
) -> None:
    world = make_world(live_db, name=f"Harbour Café {locale}")
    language = locale.split("-")[0]
    for scheme in ("light", "dark"):
        page = new_context(**PHONE, locale=locale, color_scheme=scheme).new_page()
        page.goto(f"/c/{world.counter_code.token}")
        expect(page.locator("html")).to_have_attribute("dir", "rtl" if language == "ar" else "ltr")
        page.locator("label.face").nth(3).tap()
        shots.take(page, f"card-phone-{language}-{scheme}")
        assert_no_horizontal_scroll(page)
        assert_faces_fit(page)
        assert_fully_visible(page, "button.send")
        assert_fully_visible(page, ".languages summary")

        page.locator(".languages summary").tap()
        shots.take(page, f"card-phone-{language}-{scheme}-languages")
        assert_no_horizontal_scroll(page)
        for link in page.locator(".languages a").all():
            box = link.bounding_box()
            assert box is not None
            assert box["x"] >= 0
            assert box["height"] >= MIN_TOUCH_TARGET
        page.locator(".languages summary").tap()

        page.locator(".contact summary").tap()
        page.get_by_role("button", name=page.locator("button.send").inner_text()).tap()
        expect(page.locator(".thanks h1")).to_be_visible()
        assert_no_horizontal_scroll(page)
        shots.take(page, f"thanks-phone-{language}-{scheme}")
    assert browser_problems.messages == []


def test_switcher_works_without_javascript_and_sets_no_cookie(
    live_db: Session, new_context: NewContext
) -> None:
    world = make_world(live_db, name="Switch Café")
    context = new_context(**PHONE, locale="en-US", java_script_enabled=False)
    page = context.new_page()
    page.goto(f"/c/{world.terrace_code.token}")
    expect(page.get_by_role("heading", level=1)).to_have_text("How was your visit to Terrace?")
    page.locator("summary", has_text="English").tap()  # the switcher shows its language
    page.get_by_role("link", name="Español").tap()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text("Terrace: ¿qué tal fue su visita?")

    page.get_by_role("radio", name="Bien", exact=True).check()
    page.get_by_role("button", name="Enviar").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("¡Gracias!")
    assert context.cookies() == []
    reread(live_db)
    [card] = live_db.exec(select(Card).where(Card.code_id == world.terrace_code.id)).all()
    assert (card.rating, card.language) == (4, "es")
