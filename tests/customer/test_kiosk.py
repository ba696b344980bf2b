"""Kiosks: a tablet turned into a code's card, its own limits, and revoking it (both engines)."""

import re
from collections.abc import Iterator

import pytest
import zxingcpp
from fastapi import FastAPI
from httpx2 import Response
from PIL import Image, ImageDraw
from sqlmodel import Session, col, select

from api.config import Settings
from api.models import Card, Kiosk
from api.security import sha256_hex
from api.web.log_redaction import redact
from tests.client import TestClient
from tests.factories import World, make_manager, reread
from tests.helpers import card_form, csrf_token, log_in, second_browser, send_card, soup

KIOSK_LIMIT = "4/minute"
# Limits are counted in memory here, and a manifest or a role check reads no row a second engine
# could read differently: one engine is enough.
ONE_ENGINE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A phone may send 2 cards a minute to a code, a kiosk 4; a card sent at once is asked
    to confirm (a kiosk's never is)."""
    return settings.model_copy(
        update={
            "card_limit": "2/minute",
            "kiosk_card_limit": KIOSK_LIMIT,
            "card_min_fill_seconds": 60,
        }
    )


@pytest.fixture
def tablet(app: FastAPI) -> Iterator[TestClient]:
    """The tablet's browser (opening a kiosk signs a browser out, so not the owner's)."""
    with second_browser(app) as browser:
        yield browser


def post_kiosk(client: TestClient, name: str, code_id: int | None) -> Response:
    """Send the set-up page's form that opens a kiosk."""
    token = csrf_token(client, "/admin/kiosks")
    return client.post(
        "/admin/kiosks", data={"csrf_token": token, "name": name, "code_id": str(code_id)}
    )


def open_kiosk(client: TestClient, world: World, name: str = "Counter tablet") -> str:
    """Open a kiosk on the counter's card from the set-up page: the path of the link shown once."""
    page = post_kiosk(client, name, world.counter_code.id)
    assert page.status_code == 200, page.text
    return soup(page).select_one(".new-kiosk code").get_text().removeprefix("http://testserver")


def decode_svg(svg: str) -> str:
    """The text of a QR drawn by qr.codes.render_svg, rasterised and read by zxing-cpp."""
    size = int(re.search(r'viewbox="0 0 (\d+) \d+"', svg, re.IGNORECASE).group(1))
    scale = 8
    image = Image.new("L", (size * scale, size * scale), 255)
    draw = ImageDraw.Draw(image)
    for x, y, width in re.findall(r"M(\d+) (\d+)h(\d+)v1", svg):
        left, top = int(x) * scale, int(y) * scale
        draw.rectangle((left, top, left + int(width) * scale - 1, top + scale - 1), fill=0)
    [barcode] = zxingcpp.read_barcodes(image)
    return barcode.text


def test_a_kiosk_link_is_shown_once_as_a_qr_and_stored_hashed(
    manager_client: TestClient, tablet: TestClient, world: World, session: Session
) -> None:
    page = post_kiosk(manager_client, "Counter tablet", world.counter_code.id)
    url = soup(page).select_one(".new-kiosk code").get_text()
    assert url.startswith("http://testserver/k/")
    assert decode_svg(str(soup(page).select_one(".kiosk-qr svg"))) == url
    secret = url.rsplit("/", 1)[1]
    reread(session)
    kiosk = session.exec(select(Kiosk).where(Kiosk.name == "Counter tablet")).one()
    assert kiosk.token_hash == sha256_hex(secret)
    listing = manager_client.get("/admin/kiosks")
    assert "Counter tablet" in listing.text
    assert secret not in listing.text
    assert "never" in soup(listing).select_one("tbody tr").get_text()
    assert redact(f'"GET /k/{secret} HTTP/1.1"') == '"GET /k/… HTTP/1.1"'
    # Opened once by the tablet, it is listed as seen.
    assert tablet.get(f"/k/{secret}").status_code == 200
    listing = manager_client.get("/admin/kiosks")
    assert "never" not in soup(listing).select_one("tbody tr").get_text()


def test_a_kiosk_needs_a_name_and_an_active_code_of_the_organisation(
    manager_client: TestClient, world: World, other_world: World, session: Session
) -> None:
    nameless = post_kiosk(manager_client, " ", world.counter_code.id)
    assert nameless.status_code == 422
    assert "Give the kiosk a name" in nameless.text
    assert post_kiosk(manager_client, "Theirs", other_world.counter_code.id).status_code == 404
    reread(session)
    assert session.exec(select(Kiosk)).first() is None


def test_a_kiosk_sends_cards_of_its_code_and_shows_nothing_of_the_customer(
    manager_client: TestClient, world: World, session: Session
) -> None:
    path = open_kiosk(manager_client, world)
    page = manager_client.get(path)
    assert page.status_code == 200
    # Opening a kiosk signs its browser out: no customer reaches the inbox from the tablet.
    assert "tellus_session=" in page.headers["set-cookie"]
    assert manager_client.get("/inbox").status_code == 303
    html = soup(page)
    assert html.select_one("meta[name=tellus-kiosk]")["data-path"] == path
    assert html.select_one("link[rel=manifest]")["href"] == f"{path}/manifest.webmanifest"
    assert html.select_one("form.card-form")["action"] == path
    assert html.select_one("#earlier-cards") is None
    assert html.select_one("#kiosk-staff") is not None
    assert "Only used to answer you" in html.select_one(".contact").get_text()

    data = card_form(
        manager_client, path, rating="2", comment="Cold coffee", contact_email="a@b.example"
    )
    thanks = manager_client.post(path, data=data)
    assert thanks.status_code == 200
    text = soup(thanks).get_text()
    assert "Thank you!" in text  # stored at once: a kiosk's card is never asked to confirm
    assert "/f/" not in thanks.text
    assert "Leave another card" not in text
    reread(session)
    card = session.exec(select(Card).where(Card.comment == "Cold coffee")).one()
    assert card.code_id == world.counter_code.id
    assert (card.held, card.alerts) == (False, True)


def test_an_offline_copy_sends_each_customer_once_and_none_held(
    manager_client: TestClient, tablet: TestClient, world: World, session: Session
) -> None:
    """The service worker's copy of the kiosk page serves customer after customer offline with
    one form token and a new key each: every card is stored once, none held."""
    path = open_kiosk(manager_client, world)
    form = card_form(tablet, path, rating="4", queued="1")
    for number in (1, 2):
        data = form | {"idempotency_key": f"offline-{number}", "comment": f"Customer {number}"}
        for _ in range(2):  # the outbox may send a card twice: stored once
            assert tablet.post(path, data=data).status_code == 200
    reread(session)
    cards = session.exec(select(Card).where(col(Card.comment).startswith("Customer"))).all()
    assert sorted(card.comment for card in cards) == ["Customer 1", "Customer 2"]
    assert not any(card.held for card in cards)


@ONE_ENGINE
def test_a_kiosk_has_its_own_budget_beside_its_address(
    manager_client: TestClient, tablet: TestClient, world: World, session: Session
) -> None:
    path = open_kiosk(manager_client, world)
    for number in range(4):  # more than a phone's 2 a minute, from the same address
        data = card_form(tablet, path, rating="5", comment=f"Kiosk {number}")
        assert tablet.post(path, data=data).status_code == 200
    data = card_form(tablet, path, rating="5", comment="One too many")
    refused = tablet.post(path, data=data)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert soup(refused).select_one("textarea[name=comment]").get_text() == "One too many"
    # The address's own budget for the printed code is untouched by the kiosk's cards.
    send_card(tablet, world.counter_code.token, comment="From a phone", confirm_token="")
    reread(session)
    assert session.exec(select(Card).where(Card.comment == "One too many")).first() is None


def test_a_revoked_kiosk_asks_for_a_manager(
    manager_client: TestClient, tablet: TestClient, world: World, session: Session
) -> None:
    path = open_kiosk(manager_client, world)
    form = card_form(tablet, path, rating="3", comment="After revoking")
    reread(session)
    kiosk = session.exec(select(Kiosk)).one()
    token = csrf_token(manager_client, "/admin/kiosks")
    assert (
        manager_client.post(
            f"/admin/kiosks/{kiosk.id}/revoke", data={"csrf_token": token}
        ).status_code
        == 303
    )
    for answer in (tablet.get(path), tablet.post(path, data=form)):
        assert answer.status_code == 410
        assert soup(answer).h1.get_text() == "Please ask a manager"
        assert soup(answer).select("form") == [], "no card to fill on a revoked kiosk"
    assert tablet.get(f"{path}/manifest.webmanifest").status_code == 404
    assert tablet.get("/k/nobody-made-this").status_code == 410
    reread(session)
    assert session.exec(select(Card).where(Card.comment == "After revoking")).first() is None
    assert "revoked" in soup(manager_client.get("/admin/kiosks")).select_one("tbody tr").get_text()


@ONE_ENGINE
def test_the_kiosk_app_opens_full_screen_either_way_up(
    manager_client: TestClient, tablet: TestClient, world: World
) -> None:
    path = open_kiosk(manager_client, world)
    manifest = tablet.get(f"{path}/manifest.webmanifest").json()
    assert manifest["display"] == "fullscreen"
    assert manifest["orientation"] == "any"
    assert manifest["start_url"] == manifest["id"] == path
    assert manifest["scope"] == "/k/"
    assert manifest["name"] == world.organisation.name


@ONE_ENGINE
def test_only_owners_open_and_revoke_kiosks(
    client: TestClient, world: World, session: Session
) -> None:
    make_manager(session, world=world, email="lee@example.com")
    log_in(client, "lee@example.com", world.password)
    assert client.get("/admin/kiosks").status_code == 403
    token = csrf_token(client)
    made = client.post(
        "/admin/kiosks",
        data={"csrf_token": token, "name": "Sneaky", "code_id": str(world.counter_code.id)},
    )
    assert made.status_code == 403
