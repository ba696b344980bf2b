"""The card page's byte budgets, which are deterministic; its timings are measured in bench/.

The page must arrive in the first TCP round trip: HTML with inline CSS ≤ 12 KB compressed, JS
≤ 10 KB compressed and never render-blocking, nothing from another origin, assets cached for good.
"""

import re

import pytest
from bs4 import BeautifulSoup
from httpx2 import Response

from api.customer.pages_offline import PRECACHE
from api.templating import static_url
from tests.client import TestClient
from tests.factories import World
from tests.helpers import card_form

KB = 1024
HTML_BUDGET = 12 * KB
JS_BUDGET = 10 * KB
GZIP = {"Accept-Encoding": "gzip"}


def compressed_size(response: Response) -> int:
    """Bytes on the wire for the body: the compressed length the server announced."""
    assert response.headers.get("content-encoding") == "gzip", response.headers
    return int(response.headers["content-length"])


def test_card_page_is_compressed_within_its_budget(client: TestClient, world: World) -> None:
    response = client.get(f"/c/{world.counter_code.token}", headers=GZIP)

    assert response.status_code == 200
    assert compressed_size(response) <= HTML_BUDGET
    assert "accept-encoding" in response.headers["vary"].lower()


def test_thank_you_page_is_compressed_within_its_budget(client: TestClient, world: World) -> None:
    path = f"/c/{world.counter_code.token}"
    response = client.post(path, data=card_form(client, path, rating="5"), headers=GZIP)

    assert "Thank you!" in response.text
    assert compressed_size(response) <= HTML_BUDGET


def test_javascript_is_compressed_within_its_budget(client: TestClient) -> None:
    scripts = [
        client.get(static_url("js/card.js"), headers=GZIP),
        client.get("/sw.js", headers=GZIP),
    ]

    assert sum(compressed_size(script) for script in scripts) <= JS_BUDGET


@pytest.mark.parametrize("path", ["/login", "/inbox"])
def test_manager_pages_are_never_compressed(manager_client: TestClient, path: str) -> None:
    # BREACH: a CSRF token beside reflected input must not be compressed.
    response = manager_client.get(path, headers=GZIP)

    assert response.status_code == 200
    assert "content-encoding" not in response.headers


def test_card_page_loads_nothing_blocking_and_nothing_from_elsewhere(
    client: TestClient, world: World
) -> None:
    page = BeautifulSoup(client.get(f"/c/{world.counter_code.token}").text, "html.parser")

    scripts = page.find_all("script")
    assert scripts, "the card page has its script"
    for script in scripts:
        assert script.has_attr("defer") or script.get("type") == "module", script
    assert page.select("link[rel=stylesheet]") == [], "its CSS is inline"
    loaded = [tag.get("src") or tag.get("href") for tag in page.select("script, link, img")]
    for url in loaded:
        assert not re.match(r"^([a-z]+:)?//", str(url)), f"{url} is on another origin"
    text = str(page)
    assert "@font-face" not in text
    assert "@import" not in text


@pytest.mark.parametrize("path", [*PRECACHE, "css/app.css"])
def test_fingerprinted_assets_are_immutable_and_compressed_when_it_helps(
    client: TestClient, path: str
) -> None:
    response = client.get(static_url(path), headers=GZIP)

    assert response.status_code == 200
    assert "immutable" in response.headers["cache-control"]
    assert "max-age=31536000" in response.headers["cache-control"]
    if response.headers["content-type"].startswith(("text/", "image/svg")):
        if len(response.content) >= 500:
            assert response.headers["content-encoding"] == "gzip"
