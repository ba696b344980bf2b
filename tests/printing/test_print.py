"""Printing from the set-up page and the API: the organisation's own active codes, in its
language, as the PDF an owner prints; nobody else's, never a revoked one, never more than 500."""

from collections import Counter

from sqlmodel import Session

from api.customer.codes import NO_CACHE
from api.models import Code, Role
from api.setup.api_keys.service import create_api_key
from api.setup.codes import revoke_code
from api.setup.profile import update_profile
from api.setup.schemas import OrganisationIn
from api.tenancy import Tenant
from qr.codes import card_url
from tests.client import TestClient
from tests.factories import World
from tests.helpers import soup
from tests.printing.pdf import (
    A4,
    LETTER,
    needs_print_tools,
    page_sizes,
    printed_urls,
    scanned_urls,
    sheet_text,
)

pytestmark = needs_print_tools
BASE = "http://testserver"


def url_of(code: Code) -> str:
    return card_url(BASE, code.token)


def bearer(session: Session, world: World) -> dict[str, str]:
    key, _ = create_api_key(session=session, organisation=world.organisation, name="Printer")
    return {"Authorization": f"Bearer {key}"}


def owner_of(world: World) -> Tenant:
    assert world.organisation.id is not None
    return Tenant(organisation_id=world.organisation.id, role=Role.owner)


def test_the_api_prints_every_active_place_code_on_tents(
    client: TestClient, session: Session, world: World
) -> None:
    response = client.get(
        "/api/v1/sheets",
        params={"layout": "tents", "paper": "letter"},
        headers=bearer(session, world),
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    places = [world.counter_code, world.terrace_code]
    assert Counter(scanned_urls(response.content, dpi=50)) == Counter(
        {url_of(code): 2 for code in places}
    )
    assert page_sizes(response.content) == [LETTER, LETTER]
    text = sheet_text(response.content)
    assert "Counter" in text
    assert "Terrace" in text
    assert "How was your visit?" in text
    assert "Harbour Café" in text


def test_badges_speak_the_organisations_language_and_skip_revoked_codes(
    client: TestClient, session: Session, world: World
) -> None:
    tenant = owner_of(world)
    update_profile(
        session=session,
        tenant=tenant,
        data=OrganisationIn(name="Harbour Café", accent_colour="#ffe14d", default_language="fr"),
        code_cache=NO_CACHE,
    )
    headers = bearer(session, world)
    response = client.get("/api/v1/sheets", params={"layout": "badges"}, headers=headers)
    assert response.status_code == 200, response.text
    assert scanned_urls(response.content) == [url_of(world.maya_code)]
    assert page_sizes(response.content) == [A4]
    assert "Comment était le service de Maya ?" in sheet_text(response.content)

    revoke_code(session=session, tenant=tenant, code_id=world.counter_code.id, code_cache=NO_CACHE)
    posters = client.get("/api/v1/sheets", params={"layout": "posters"}, headers=headers)
    assert printed_urls(posters.content) == [url_of(world.terrace_code)]


def test_codes_are_chosen_by_location_and_by_employee(
    client: TestClient, session: Session, world: World
) -> None:
    headers = bearer(session, world)
    query = {"layout": "counter-cards", "location": [world.terrace.id]}
    cards = client.get("/api/v1/sheets", params=query, headers=headers)
    assert printed_urls(cards.content) == [url_of(world.terrace_code)]

    badges = {"layout": "badges", "employee": [world.sam.id]}
    none = client.get("/api/v1/sheets", params=badges, headers=headers)
    assert none.status_code == 422
    assert "No active code" in none.json()["detail"]

    wrong = {"layout": "posters", "employee": [world.maya.id]}
    refused = client.get("/api/v1/sheets", params=wrong, headers=headers)
    assert refused.status_code == 422
    assert "choose locations" in refused.json()["detail"]


def test_another_organisations_places_are_not_printed(
    client: TestClient, session: Session, world: World, other_world: World
) -> None:
    headers = bearer(session, other_world)
    theirs = {"layout": "posters", "location": [world.counter.id]}
    refused = client.get("/api/v1/sheets", params=theirs, headers=headers)
    missing = client.get(
        "/api/v1/sheets", params={"layout": "posters", "location": [999999]}, headers=headers
    )
    assert refused.status_code == missing.status_code == 404
    assert refused.json() == missing.json()

    own = client.get("/api/v1/sheets", params={"layout": "posters"}, headers=headers)
    assert Counter(printed_urls(own.content)) == Counter(
        url_of(code) for code in (other_world.counter_code, other_world.terrace_code)
    )


def test_more_than_500_codes_is_a_clear_422(
    client: TestClient, session: Session, world: World
) -> None:
    assert world.counter.id is not None
    session.add_all(
        Code(
            organisation_id=world.counter.organisation_id,
            token=f"{index:08d}",
            location_id=world.counter.id,
        )
        for index in range(499)
    )
    session.commit()  # 501 place codes with the world's own two
    response = client.get(
        "/api/v1/sheets", params={"layout": "posters"}, headers=bearer(session, world)
    )
    assert response.status_code == 422
    assert "at most 500 codes" in response.json()["detail"]


def test_the_owner_previews_and_downloads_from_the_print_page(
    manager_client: TestClient, world: World
) -> None:
    page = manager_client.get("/admin/print")
    assert page.status_code == 200
    assert soup(page).select_one("input[name=layout][value=counter-cards]") is not None
    warning = soup(page).select_one(".warning")  # the tests' http://testserver: no phone's
    assert warning is not None
    assert "TELLUS_BASE_URL" in warning.text

    query = {"layout": "badges", "paper": "letter"}
    chosen = manager_client.get("/admin/print", params=query)
    assert chosen.status_code == 200
    download = soup(chosen).select_one("a[href^='/admin/print/sheet.pdf']")
    preview = soup(chosen).select_one("img[src^='/admin/print/preview.png']")
    assert download is not None
    assert preview is not None
    assert "1 code" in chosen.text

    pdf = manager_client.get(str(download["href"]))
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert "attachment" in pdf.headers["content-disposition"]
    assert scanned_urls(pdf.content) == [url_of(world.maya_code)]
    assert page_sizes(pdf.content) == [LETTER]

    png = manager_client.get(str(preview["src"]))
    assert png.status_code == 200
    assert png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")


def test_the_print_page_says_what_is_wrong(manager_client: TestClient, world: World) -> None:
    odd = manager_client.get("/admin/print", params={"layout": "flyers"})
    assert odd.status_code == 422
    assert soup(odd).select_one(".error-summary") is not None
    assert manager_client.get("/admin/print/sheet.pdf", params={"layout": "x"}).status_code == 422
