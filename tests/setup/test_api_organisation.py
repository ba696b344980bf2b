"""The organisation's profile, logo and two-factor rule through the JSON API (an owner's key)."""

import io

from PIL import Image
from sqlmodel import Session

from api.models import Organisation
from api.setup.api_keys.service import create_api_key
from tests.accounts.test_two_factor import turn_on
from tests.client import TestClient
from tests.factories import World, reread
from tests.helpers import log_in

PROFILE = {
    "name": "Harbour Café & Bar",
    "accent_colour": "#0A7A5C",
    "default_language": "fr",
    "time_zone": "Europe/Paris",
    "review_links": [{"label": "Google", "url": "https://g.page/harbour"}],
}


def headers(session: Session, world: World) -> dict[str, str]:
    key, _ = create_api_key(session=session, organisation=world.organisation, name="Script")
    return {"Authorization": f"Bearer {key}"}


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "#0a7a5c").save(out, format="PNG")
    return out.getvalue()


def test_the_profile_is_read_and_changed(
    client: TestClient, session: Session, world: World
) -> None:
    auth = headers(session, world)
    before = client.get("/api/v1/organisation", headers=auth)
    assert before.status_code == 200
    assert before.json()["name"] == "Harbour Café"
    assert before.json()["logo_url"] is None

    changed = client.put("/api/v1/organisation", json=PROFILE, headers=auth)
    assert changed.status_code == 200, changed.text
    assert changed.json() | {"slug": None, "logo_url": None} == PROFILE | {
        "accent_colour": "#0a7a5c",
        "slug": None,
        "logo_url": None,
        "require_two_factor": False,
        "require_two_factor_staff": False,
    }
    reread(session)
    stored = session.get(Organisation, world.organisation.id, populate_existing=True)
    assert stored is not None
    assert (stored.name, stored.time_zone) == ("Harbour Café & Bar", "Europe/Paris")


def test_a_bad_profile_is_refused_and_changes_nothing(
    client: TestClient, session: Session, world: World
) -> None:
    auth = headers(session, world)
    bad = client.put(
        "/api/v1/organisation", json=PROFILE | {"time_zone": "Mars/Olympus"}, headers=auth
    )
    assert bad.status_code == 422
    assert "time zone" in bad.text
    assert client.get("/api/v1/organisation", headers=auth).json()["name"] == "Harbour Café"


def test_a_logo_is_uploaded_resized_and_removed(
    client: TestClient, session: Session, world: World
) -> None:
    auth = headers(session, world) | {"Content-Type": "image/png"}
    uploaded = client.put("/api/v1/organisation/logo", content=png(1600, 800), headers=auth)
    assert uploaded.status_code == 200, uploaded.text
    logo = client.get(uploaded.json()["logo_url"])
    assert logo.status_code == 200
    with Image.open(io.BytesIO(logo.content)) as image:
        assert image.size == (192, 96)

    removed = client.delete("/api/v1/organisation/logo", headers=auth)
    assert removed.status_code == 200
    assert removed.json()["logo_url"] is None


def test_svg_and_oversized_logos_are_refused(
    client: TestClient, session: Session, world: World
) -> None:
    auth = headers(session, world)
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    refused = client.put("/api/v1/organisation/logo", content=svg, headers=auth)
    assert refused.status_code == 422
    assert refused.json()["detail"] == "The logo must be a PNG, JPEG or WebP image."
    too_big = b"\x89PNG\r\n\x1a\n" + b"\0" * (2 * 1024 * 1024)
    assert client.put("/api/v1/organisation/logo", content=too_big, headers=auth).status_code == 422
    huge = b"\x89PNG\r\n\x1a\n" + b"\0" * (3 * 1024 * 1024)
    assert client.put("/api/v1/organisation/logo", content=huge, headers=auth).status_code == 413
    assert client.get("/api/v1/organisation", headers=auth).json()["logo_url"] is None


def test_two_factor_is_required_only_once_an_owner_has_it(
    client: TestClient, session: Session, world: World
) -> None:
    auth = headers(session, world)
    refused = client.put("/api/v1/organisation/two-factor", json={"required": True}, headers=auth)
    assert refused.status_code == 422
    assert "owner's account first" in refused.json()["detail"]

    log_in(client, world.owner_email, world.password)
    turn_on(client)
    required = client.put("/api/v1/organisation/two-factor", json={"required": True}, headers=auth)
    assert required.status_code == 200
    assert required.json()["require_two_factor"] is True
    assert required.json()["require_two_factor_staff"] is False  # staff only when asked
    staff_too = {"required": True, "staff": True}
    asked = client.put("/api/v1/organisation/two-factor", json=staff_too, headers=auth)
    assert asked.json()["require_two_factor_staff"] is True
    again = client.put("/api/v1/organisation/two-factor", json={"required": False}, headers=auth)
    assert again.json()["require_two_factor"] is False
    assert again.json()["require_two_factor_staff"] is True  # left out: kept
