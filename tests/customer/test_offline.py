"""The service worker and the card's web app manifest, as the browser fetches them."""

import io
import json

from bs4 import BeautifulSoup
from PIL import Image
from sqlmodel import Session

from api.config import Settings
from api.customer.pages_offline import PRECACHE
from api.main import create_app
from api.models import utcnow
from api.templating import static_url
from tests.client import TestClient
from tests.factories import World


def test_service_worker_is_served_from_the_root_with_its_precache(client: TestClient) -> None:
    response = client.get("/sw.js")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["cache-control"] == "no-cache"
    for path in PRECACHE:
        assert json.dumps(static_url(path)) in response.text
    assert "/* PRECACHE */" not in response.text
    assert "const FORM_DAYS = 8;" in response.text  # TELLUS_CARD_TOKEN_DAYS


def test_the_browsers_check_for_a_new_service_worker_gets_a_bodiless_304(
    client: TestClient, settings: Settings
) -> None:
    first = client.get("/sw.js", headers={"Accept-Encoding": "gzip"})
    etag = first.headers["etag"]
    assert first.headers["content-encoding"] == "gzip"
    plain = client.get("/sw.js", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.headers["etag"] == etag  # the same script, plain or gzipped

    again = client.get("/sw.js", headers={"If-None-Match": etag, "Accept-Encoding": "gzip"})

    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert again.headers["cache-control"] == "no-cache"
    assert again.headers["vary"] == first.headers["vary"] == "Accept-Encoding"
    # Another script (here: forms valid for 3 days), another ETag: the browser downloads it.
    other = create_app(settings.model_copy(update={"card_token_days": 3}))
    changed = TestClient(other).get("/sw.js", headers={"If-None-Match": etag})
    other.state.runtime.engine.dispose()
    assert changed.status_code == 200
    assert "const FORM_DAYS = 3;" in changed.text
    assert changed.headers["etag"] != etag


def test_card_page_links_its_script_and_manifest(client: TestClient, world: World) -> None:
    page = BeautifulSoup(client.get(f"/C/{world.counter_code.token}").text, "html.parser")

    assert page.select_one("script[src]")["src"] == static_url("js/card.js")
    assert page.select_one("link[rel=manifest]")["href"] == (
        f"/C/{world.counter_code.token}/manifest.webmanifest"
    )
    saved = page.select_one("#card-saved")
    assert saved.has_attr("hidden")
    assert "it will be sent when you're back online" in saved.get_text()


def test_manifest_installs_the_card_as_scanned(client: TestClient, world: World) -> None:
    token = world.counter_code.token
    response = client.get(f"/C/{token}/manifest.webmanifest")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/manifest+json"
    manifest = response.json()
    assert manifest["name"] == "Harbour Café"
    assert (manifest["start_url"], manifest["scope"]) == (f"/C/{token}", "/C/")
    assert manifest["display"] == "standalone"
    assert client.get(f"/c/{token.lower()}/manifest.webmanifest").json()["scope"] == "/c/"


def test_manifest_icons_have_the_sizes_they_claim(client: TestClient, world: World) -> None:
    manifest = client.get(f"/c/{world.counter_code.token}/manifest.webmanifest").json()

    sizes = set()
    for icon in manifest["icons"]:
        response = client.get(icon["src"])
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(icon["type"])
        if icon["type"] == "image/png":
            width, height = Image.open(io.BytesIO(response.content)).size
            assert icon["sizes"] == f"{width}x{height}"
            sizes.add(width)
    assert {192, 512} <= sizes


def test_no_manifest_for_an_unknown_or_revoked_code(
    client: TestClient, world: World, session: Session
) -> None:
    assert client.get("/c/ZZZZZZZZ/manifest.webmanifest").status_code == 404
    world.terrace_code.revoked_at = utcnow()
    session.add(world.terrace_code)
    session.commit()
    assert client.get(f"/c/{world.terrace_code.token}/manifest.webmanifest").status_code == 404
