"""Certificates as a person reads them: Poppler finds the name, the count and the chosen quotes,
in English, Arabic and Chinese, on A4 and Letter, landscape, with every glyph in a font; the
Customer Service Week page and its PDFs, and the demo's certificate."""

import logging
import subprocess
from datetime import UTC, date, datetime

import pytest
from fastapi import FastAPI
from sqlmodel import Session, select

from api.errors import NotFound
from api.models import Card, Certificate, Employee, Organisation, Role
from api.recognition.certificates import employee_certificates
from api.recognition.documents import employee_certificate_pdf
from api.recognition.periods import service_week
from api.recognition.service import pass_on_compliment
from api.setup.demo import MAYA_QUOTE, celebrate_service_week, create_demo, send_sample_cards
from api.tenancy import Tenant
from qr.sheets import Paper
from tests.client import TestClient
from tests.factories import World, make_card, make_manager, reread
from tests.helpers import csrf_token, log_in, soup
from tests.printing.pdf import needs_print_tools, page_images, page_sizes, sheet_text

pytestmark = needs_print_tools

WEEK = service_week(2026)  # 5–11 October
MISSING = 999999
DURING = datetime(2026, 10, 6, 10, 0, tzinfo=UTC)
# Per language: the person's name and three compliments in the customers' words. The Arabic
# avoids the lam-alef ligature, which Poppler reads back in reverse (see tests/qr/test_sheets).
LANGUAGES = {
    "en": ("Maya Lindqvist", ["Maya remembered my order", "Quick and kind", "Best coffee"]),
    "ar": ("مريم حسن", ["مريم تذكرت طلبي", "خدمة سريعة", "شكرًا مريم"]),
    "zh-Hans": ("王小明", ["小明记得我的咖啡", "服务很快", "谢谢小明"]),
}
# The papers each language is read on (both for one: a drawing takes seconds in Chinese).
A4, LETTER = ("a4", (842, 595)), ("letter", (792, 612))
PAPERS = {"en": [A4, LETTER], "ar": [LETTER], "zh-Hans": [A4]}
# What pdftotext reads of the title, per language.
TITLES = {"en": "Certificate of Appreciation", "ar": "شهادة تقدير", "zh-Hans": "感谢证书"}


def owner_of(world: World) -> Tenant:
    return Tenant(organisation_id=world.organisation.id or 0, role=Role.owner)


def compliments_for_maya(session: Session, world: World, words: list[str]) -> list[int]:
    """Maya's compliments during the week, passed on; the ids of their cards."""
    ids = []
    for text in words:
        card = make_card(session, code=world.maya_code, rating=5, comment=text, created_at=DURING)
        pass_on_compliment(session=session, tenant=owner_of(world), card_id=card.id or 0, note="!")
        ids.append(card.id or 0)
    return ids


def rename(session: Session, world: World, *, person: str, language: str) -> None:
    maya = session.get_one(Employee, world.maya.id)
    maya.display_name = person
    organisation = session.get_one(Organisation, world.organisation.id)
    organisation.default_language = language
    session.add_all([maya, organisation])
    session.commit()


def flat(text: str) -> str:
    return " ".join(text.split())


def fonts_in(pdf: bytes) -> list[str]:
    """The embedded font names pdffonts lists (every one must be embedded)."""
    listing = subprocess.run(
        ["pdffonts", "-"], input=pdf, capture_output=True, check=True, timeout=60
    ).stdout.decode()
    rows = listing.splitlines()[2:]
    assert rows, listing
    assert all(" yes " in row for row in rows), listing  # emb column
    return [row.split()[0] for row in rows]


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_the_certificate_holds_the_name_count_and_chosen_quotes(
    language: str,
    manager_client: TestClient,
    session: Session,
    world: World,
    caplog: pytest.LogCaptureFixture,
) -> None:
    person, words = LANGUAGES[language]
    rename(session, world, person=person, language=language)
    ids = compliments_for_maya(session, world, words)
    # One more compliment, passed on but left out of the quotes: it counts, it is not quoted.
    make_card(session, code=world.maya_code, rating=4, comment="Not chosen", created_at=DURING)
    card = session.exec(select(Card).where(Card.comment == "Not chosen")).one()
    pass_on_compliment(session=session, tenant=owner_of(world), card_id=card.id or 0, note="!")
    url = f"/inbox/certificates/{world.maya.id}"
    chosen = [ids[2], ids[0]]
    signed = manager_client.post(
        url,
        data={
            "csrf_token": csrf_token(manager_client),
            "from": "2026-10-05",
            "to": "2026-10-11",
            "quote": [str(card_id) for card_id in chosen],
        },
    )
    assert signed.status_code == 303, signed.text
    caplog.set_level(logging.WARNING, logger="fpdf")
    for paper, size in PAPERS[language]:
        response = manager_client.get(f"{url}/certificate.pdf?{WEEK.query}&paper={paper}")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/pdf"
        pdf = response.content
        assert page_sizes(pdf) == [size], "one landscape page"
        text = flat(sheet_text(pdf))
        assert person in text
        assert TITLES[language] in text
        assert "4" in text.split(), "the count, on the seal"
        for card_id, quote in zip(ids, words, strict=True):
            assert (quote in text) is (card_id in chosen), quote
        assert "Not chosen" not in text
        assert "Harbour Café" in text
        fonts = fonts_in(pdf)
        if language == "ar":
            assert any("Arabic" in name for name in fonts), fonts
        if language == "zh-Hans":
            assert any("Droid" in name for name in fonts), fonts
    assert "missing the following glyphs" not in caplog.text
    stored = employee_certificates(session=session, employee_id=world.maya.id or 0)
    assert [(c.starts_on, c.compliments, c.quote_card_ids) for c in stored] == [
        (WEEK.first_day, 4, chosen)
    ]


def test_quotes_must_be_the_persons_own_and_at_most_three(
    manager_client: TestClient, session: Session, world: World
) -> None:
    mine = compliments_for_maya(session, world, ["One", "Two", "Three", "Four"])
    sams = make_card(session, code=world.terrace_code, rating=5, employee_id=world.sam.id)
    pass_on_compliment(session=session, tenant=owner_of(world), card_id=sams.id or 0, note="!")
    url = f"/inbox/certificates/{world.maya.id}"
    base = {"csrf_token": csrf_token(manager_client), "from": "2026-10-05", "to": "2026-10-11"}
    for quotes in ([], [str(card_id) for card_id in mine], [str(sams.id)]):
        refused = manager_client.post(url, data={**base, "quote": quotes})
        assert refused.status_code == 422
        assert "one to three quotes" in refused.text
    reread(session)
    assert session.exec(select(Certificate)).all() == []
    nothing = manager_client.post(
        f"/inbox/certificates/{world.maya.id}",
        data={**base, "from": "2026-11-01", "to": "2026-11-07", "quote": [str(mine[0])]},
    )
    assert nothing.status_code == 422
    assert "no compliments passed on in this period" in nothing.text


def test_the_week_page_prints_every_certificate_and_the_poster(
    app: FastAPI,
    client: TestClient,
    session: Session,
    world: World,
) -> None:
    compliments_for_maya(session, world, ["A", "B", "C"])
    for _ in range(3):
        card = make_card(session, code=world.terrace_code, rating=5, employee_id=world.sam.id)
        card.created_at = DURING
        session.add(card)
        session.commit()
        pass_on_compliment(
            session=session, tenant=owner_of(world), card_id=card.id or 0, note="Thanks"
        )
    assert world.terrace.id is not None
    # A manager of the terrace: Sam's week only.
    make_manager(
        session,
        world=world,
        email="terrace@example.com",
        location_ids=frozenset({world.terrace.id}),
    )
    log_in(client, "terrace@example.com", "correct horse battery staple")
    page = soup(client.get(f"/inbox/service-week?{WEEK.query}"))
    names = [cell.get_text(strip=True) for cell in page.select("table.standings th[scope=row]")]
    assert names == ["Sam"]
    for paper in ("a4", "letter"):
        pdf = client.get(f"/inbox/service-week/certificates.pdf?{WEEK.query}&paper={paper}")
        assert pdf.status_code == 200
        assert len(page_sizes(pdf.content)) == 1
        assert "Sam" in sheet_text(pdf.content)
    poster = client.get(f"/inbox/service-week/poster.pdf?{WEEK.query}&paper=a4")
    assert poster.status_code == 200
    assert page_sizes(poster.content) == [(842, 1191)], "A3, portrait"
    assert "Sam" in sheet_text(poster.content)
    assert "Maya" not in sheet_text(poster.content)
    tabloid = client.get(f"/inbox/service-week/poster.pdf?{WEEK.query}&paper=letter")
    assert page_sizes(tabloid.content) == [(792, 1224)]
    empty = client.get("/inbox/service-week/certificates.pdf?from=2026-01-01&to=2026-01-07")
    assert empty.status_code == 422


def test_the_demo_gives_maya_her_certificate_for_the_latest_week(
    app: FastAPI, client: TestClient, session: Session
) -> None:
    runtime = app.state.runtime
    demo = create_demo(session=session)
    send_sample_cards(engine=runtime.engine, demo=demo, secret=runtime.secret_key)
    today = date(2026, 11, 29)
    week = celebrate_service_week(
        engine=runtime.engine, demo=demo, secret=runtime.secret_key, today=today
    )
    assert week == WEEK
    log_in(client, demo.email, demo.password)
    page = soup(client.get(f"/inbox/service-week?{week.query}"))
    rows = [
        [cell.get_text(strip=True) for cell in row.select("td, th")][:3]
        for row in page.select("table.standings tbody tr")
    ]
    assert rows == [["1", "Maya", "4"], ["2", "Sam", "3"]], "Jo's one is under the minimum"
    maya = session.exec(select(Employee).where(Employee.display_name == "Maya")).one()
    pdf = client.get(f"/inbox/certificates/{maya.id}/certificate.pdf?{week.query}")
    assert pdf.status_code == 200
    text = flat(sheet_text(pdf.content))
    assert MAYA_QUOTE in text
    assert "Demo owner" in text
    assert "Maya" in text
    # What the staff page will call: Maya's own certificates, and the PDF of one.
    reread(session)
    [mine] = employee_certificates(session=session, employee_id=maya.id or 0)
    assert (mine.starts_on, mine.ends_on) == (week.first_day, week.last_day)
    pdf_bytes = employee_certificate_pdf(
        session=session, employee_id=maya.id or 0, certificate_id=mine.id or 0, paper=Paper.a4
    )
    [image] = page_images(pdf_bytes, dpi=30)
    assert image.width > image.height, "landscape"
    assert MAYA_QUOTE in flat(sheet_text(pdf_bytes))
    with pytest.raises(NotFound):
        employee_certificate_pdf(
            session=session, employee_id=maya.id or 0, certificate_id=MISSING, paper=Paper.a4
        )
