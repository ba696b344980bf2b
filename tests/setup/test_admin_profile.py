"""The organisation's profile and logo."""

import io

from bs4 import BeautifulSoup
from PIL import Image
from sqlmodel import Session

from api.models import Organisation
from tests.client import TestClient
from tests.factories import World, make_manager, reread
from tests.helpers import csrf_token, log_in

PROFILE = {
    "name": "Harbour Café & Bar",
    "accent_colour": "#AA3300",
    "default_language": "fr",
    "time_zone": "Europe/Paris",
    "review_links": "Google | https://g.example/review\nTripadvisor | https://t.example/r",
}


def image_bytes(size: tuple[int, int], format: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "#1f6f8b").save(out, format=format)
    return out.getvalue()


def upload(client: TestClient, content: bytes, name: str, kind: str):
    token = csrf_token(client, "/admin/organisation")
    return client.post(
        "/admin/organisation/logo",
        data={"csrf_token": token},
        files={"logo": (name, content, kind)},
    )


def test_owner_saves_the_profile(
    manager_client: TestClient, world: World, session: Session
) -> None:
    token = csrf_token(manager_client, "/admin/organisation")
    response = manager_client.post("/admin/organisation", data={"csrf_token": token, **PROFILE})
    assert response.status_code == 303
    reread(session)
    organisation = session.get(Organisation, world.organisation.id)
    assert organisation.name == "Harbour Café & Bar"
    assert organisation.accent_colour == "#aa3300"
    assert (organisation.default_language, organisation.time_zone) == ("fr", "Europe/Paris")
    assert organisation.review_links == [
        {"label": "Google", "url": "https://g.example/review"},
        {"label": "Tripadvisor", "url": "https://t.example/r"},
    ]
    form = BeautifulSoup(manager_client.get("/admin/organisation").text, "html.parser")
    assert form.select_one("#org-name")["value"] == "Harbour Café & Bar"


def test_profile_errors_keep_what_was_typed(
    manager_client: TestClient, world: World, session: Session
) -> None:
    token = csrf_token(manager_client, "/admin/organisation")
    bad = {
        **PROFILE,
        "time_zone": "Mars/Olympus",
        "review_links": "Evil | javascript:alert(1)",
    }
    response = manager_client.post("/admin/organisation", data={"csrf_token": token, **bad})
    assert response.status_code == 422
    page = BeautifulSoup(response.text, "html.parser")
    assert "Choose a time zone from the list" in page.select_one("#org-time_zone-error").text
    assert "Label | https://" in page.select_one("#org-review_links-error").text
    assert page.select_one("#org-review_links").text == "Evil | javascript:alert(1)"
    reread(session)
    assert session.get(Organisation, world.organisation.id).name == "Harbour Café"


def test_logo_is_re_encoded_small_and_served(
    manager_client: TestClient, world: World, session: Session
) -> None:
    big_jpeg = image_bytes((2400, 1200), "JPEG")
    assert upload(manager_client, big_jpeg, "logo.jpg", "image/jpeg").status_code == 303
    reread(session)
    stored = session.get(Organisation, world.organisation.id).logo
    assert stored.startswith(b"\x89PNG")
    assert len(stored) < 10_000
    assert Image.open(io.BytesIO(stored)).size == (192, 96)
    page = BeautifulSoup(manager_client.get("/admin/organisation").text, "html.parser")
    served = manager_client.get(page.select_one(".logo-preview")["src"])
    assert (served.status_code, served.content) == (200, stored)
    assert "immutable" in served.headers["cache-control"]


def test_svg_and_disguised_files_are_refused(manager_client: TestClient, world: World) -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    refused = upload(manager_client, svg, "logo.svg", "image/svg+xml")
    assert refused.status_code == 422
    assert "must be a PNG, JPEG or WebP image" in refused.text
    fake = upload(manager_client, b"\x89PNG\r\n\x1a\n" + b"junk" * 50, "logo.png", "image/png")
    assert fake.status_code == 422
    assert "could not be read as an image" in fake.text


def test_oversized_logos_are_refused_before_decoding(
    manager_client: TestClient, world: World
) -> None:
    too_many_pixels = image_bytes((6000, 6000))  # a small file, but 36 megapixels
    assert len(too_many_pixels) < 2 * 1024 * 1024
    refused = upload(manager_client, too_many_pixels, "huge.png", "image/png")
    assert refused.status_code == 422
    assert "too many pixels" in refused.text
    too_heavy = b"\xff\xd8\xff" + b"\0" * (2 * 1024 * 1024 + 10)
    assert "at most 2 MB" in upload(manager_client, too_heavy, "big.jpg", "image/jpeg").text


def test_removing_the_logo(manager_client: TestClient, world: World, session: Session) -> None:
    upload(manager_client, image_bytes((100, 100)), "logo.png", "image/png")
    token = csrf_token(manager_client, "/admin/organisation")
    manager_client.post("/admin/organisation/logo/remove", data={"csrf_token": token})
    reread(session)
    assert session.get(Organisation, world.organisation.id).logo is None
    assert manager_client.get(f"/logo/{world.organisation.slug}.png").status_code == 404


def test_only_owners_upload_a_logo(client: TestClient, world: World, session: Session) -> None:
    make_manager(session, world=world, email="lee@example.com")
    log_in(client, "lee@example.com", world.password)
    token = csrf_token(client)
    response = client.post(
        "/admin/organisation/logo",
        data={"csrf_token": token},
        files={"logo": ("logo.png", image_bytes((50, 50)), "image/png")},
    )
    assert response.status_code == 403
    assert "org-name" not in response.text
    reread(session)
    assert session.get(Organisation, world.organisation.id).logo is None


def test_the_form_as_a_browser_sends_it_saves_unchanged(
    manager_client: TestClient, world: World, session: Session
) -> None:
    """Every field round-trips: what the page shows is what the server accepts."""
    page = BeautifulSoup(manager_client.get("/admin/organisation").text, "html.parser")
    form = page.select_one("form[action='/admin/organisation']")
    data = {field["name"]: field.get("value", "") for field in form.select("input[name]")}
    data["review_links"] = form.select_one("textarea").get_text()
    language = form.select_one("select[name=default_language] option[selected]")
    assert (language["value"], language.get_text()) == ("en", "English")
    data["default_language"] = language["value"]
    assert manager_client.post("/admin/organisation", data=data).status_code == 303
    reread(session)
    assert session.get(Organisation, world.organisation.id).default_language == "en"


def test_the_logo_appears_on_the_organisations_cards(
    manager_client: TestClient, world: World
) -> None:
    card = BeautifulSoup(manager_client.get(f"/c/{world.counter_code.token}").text, "html.parser")
    assert card.select_one(".org-logo") is None
    upload(manager_client, image_bytes((300, 100)), "logo.png", "image/png")
    card = BeautifulSoup(manager_client.get(f"/c/{world.counter_code.token}").text, "html.parser")
    logo = card.select_one(".org-bar img.org-logo")
    assert logo["src"].startswith(f"/logo/{world.organisation.slug}.png?v=")
    assert manager_client.get(logo["src"]).headers["content-type"] == "image/png"
