"""Security headers on every kind of response, the CSP nonce, and what a server error shows."""

import re
from collections.abc import Iterator

import pytest
from bs4 import BeautifulSoup
from httpx2 import Response
from sqlmodel import Session

from api.config import Settings
from api.main import create_app
from api.models import Card
from tests.client import TestClient
from tests.factories import World, make_card

SECRET_IN_ERROR = "database password is hunter2"
SECURITY_HEADERS = [
    "content-security-policy",
    "x-content-type-options",
    "x-frame-options",
    "cross-origin-opener-policy",
    "permissions-policy",
    "referrer-policy",
    "cache-control",
]


@pytest.fixture
def card(session: Session, world: World) -> Card:
    return make_card(session, code=world.counter_code)


def nonce_of(response: Response) -> str:
    found = re.search(r"script-src 'nonce-([A-Za-z0-9_-]{16,})'", csp_of(response))
    assert found, csp_of(response)
    return found.group(1)


def csp_of(response: Response) -> str:
    return response.headers.get("content-security-policy", "")


def assert_security_headers(response: Response) -> None:
    policy = {
        name: value.strip()
        for name, _, value in (item.strip().partition(" ") for item in csp_of(response).split(";"))
    }
    assert re.fullmatch(r"'nonce-[A-Za-z0-9_-]+'.*", policy["script-src"]), policy
    assert "'unsafe-inline'" not in csp_of(response)
    assert "'unsafe-eval'" not in csp_of(response)
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] in ("no-referrer", "same-origin", "strict-origin")
    assert response.headers["x-frame-options"] == "DENY"
    assert "cache-control" in response.headers
    # Each once: a response's own value replaces the middleware's or gives way to it.
    for name in SECURITY_HEADERS:
        assert len(response.headers.get_list(name)) == 1, name


def assert_inline_code_carries_the_nonce(response: Response) -> None:
    """Every <script> and inline <style> has this response's nonce; no inline handlers or styles."""
    nonce = nonce_of(response)
    page = BeautifulSoup(response.text, "html.parser")
    for tag in page.find_all(["script", "style"]):
        assert tag.get("nonce") == nonce, tag
    for tag in page.find_all(True):
        # The policy blocks these, so a page relying on them would silently break.
        assert "style" not in tag.attrs, tag
        assert not any(name.startswith("on") for name in tag.attrs), tag


SAMPLES = [
    ("card page", "GET", "/c/{token}", 200),
    ("unknown code", "GET", "/c/ZZZZZZZZ", 404),
    ("unknown page", "GET", "/no-such-page", 404),
    ("unknown API route", "GET", "/api/v1/no-such-thing", 404),
    ("stylesheet", "GET", "/static/css/card.css", 200),
    ("sign-in page", "GET", "/login", 200),
    ("inbox", "GET", "/inbox", 200),
    ("card detail", "GET", "/inbox/{card_id}", 200),
    ("API without a key", "GET", "/api/v1/cards", 401),
    ("wrong method", "GET", "/logout", 405),
    ("cross-site post", "POST", "/inbox/{card_id}/seen", 403),
]


@pytest.mark.parametrize(
    ("method", "path", "status"), [sample[1:] for sample in SAMPLES], ids=[s[0] for s in SAMPLES]
)
def test_every_response_carries_the_security_headers(
    manager_client: TestClient, world: World, card: Card, method: str, path: str, status: int
) -> None:
    url = path.format(token=world.counter_code.token, card_id=card.id)
    response = manager_client.request(method, url, headers={"Origin": "https://evil.example"})

    assert response.status_code == status
    assert_security_headers(response)
    if response.headers["content-type"].startswith("text/html"):
        assert_inline_code_carries_the_nonce(response)


@pytest.mark.parametrize("path", ["/", "/inbox", "/inbox/{card_id}", "/login"])
def test_pages_for_managers_are_not_stored(
    manager_client: TestClient, card: Card, path: str
) -> None:
    response = manager_client.get(path.format(card_id=card.id))

    assert "no-store" in response.headers["cache-control"]


def test_each_response_gets_a_new_nonce_used_by_its_inline_style(
    client: TestClient, world: World
) -> None:
    first = client.get(f"/c/{world.counter_code.token}")
    second = client.get(f"/c/{world.counter_code.token}")

    assert nonce_of(first) != nonce_of(second)
    for response in (first, second):
        styles = BeautifulSoup(response.text, "html.parser").find_all("style")
        assert styles, "the card page inlines its critical CSS"
        assert all(style.get("nonce") == nonce_of(response) for style in styles)


def test_fingerprinted_stylesheet_is_cached_for_good(client: TestClient) -> None:
    page = BeautifulSoup(client.get("/login").text, "html.parser")
    link = page.select_one("link[rel=stylesheet]")
    assert link is not None
    href = str(link["href"])
    assert "?v=" in href

    fingerprinted = client.get(href)
    plain = client.get(href.partition("?")[0])

    assert fingerprinted.status_code == plain.status_code == 200
    assert fingerprinted.headers["content-type"].startswith("text/css")
    assert "immutable" in fingerprinted.headers["cache-control"]
    assert "max-age=31536000" in fingerprinted.headers["cache-control"]
    assert "immutable" not in plain.headers["cache-control"]
    assert_security_headers(fingerprinted)


@pytest.fixture
def failing_client(settings: Settings) -> Iterator[TestClient]:
    """The app plus two routes that fail the way a bug would."""
    app = create_app(settings)

    @app.get("/boom")
    @app.get("/api/v1/boom")
    def boom() -> None:
        raise RuntimeError(SECRET_IN_ERROR)

    try:
        with TestClient(app, follow_redirects=False) as client:
            yield client
    finally:
        app.state.runtime.engine.dispose()


def test_server_error_page_shows_no_internals(failing_client: TestClient) -> None:
    response = failing_client.get("/boom")

    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    text = BeautifulSoup(response.text, "html.parser").get_text(" ", strip=True)
    assert "Something went wrong" in text
    for internal in (SECRET_IN_ERROR, "RuntimeError", "Traceback", "boom", ".py"):
        assert internal not in response.text
    assert_security_headers(response)


def test_server_error_in_the_api_is_plain_json(failing_client: TestClient) -> None:
    response = failing_client.get("/api/v1/boom")

    assert response.status_code == 500
    assert response.json() == {"detail": "Something went wrong on our side."}
    assert SECRET_IN_ERROR not in response.text
    assert_security_headers(response)
