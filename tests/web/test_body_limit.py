"""Oversized bodies are refused with 413 before the app reads them, declared or chunked."""

from collections.abc import Iterator

from tests.client import TestClient
from tests.factories import World
from tests.helpers import log_in

BIG = 300 * 1024


def test_a_declared_oversized_form_is_refused_at_once(client: TestClient) -> None:
    response = client.post(
        "/login",
        content=b"email=" + b"a" * BIG,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
    assert "too large" in response.text
    # The security headers wrap the refusal too.
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_an_oversized_json_body_gets_json(client: TestClient) -> None:
    response = client.post(
        "/api/v1/codes/ABCDEFGH/cards",
        content=b"{" + b" " * BIG + b"}",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json() == {"detail": "This request is too large."}


def test_a_chunked_body_is_cut_off_when_it_passes_the_limit(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"email="
        for _ in range(BIG // 1024):
            yield b"a" * 1024

    response = client.post(
        "/login", content=chunks(), headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert "content-length" not in response.request.headers
    assert response.status_code == 413


def test_a_logo_may_be_larger_than_a_form(client: TestClient, world: World) -> None:
    log_in(client, world.owner_email, world.password)
    page = client.get("/admin/organisation")
    assert page.status_code == 200
    response = client.post(
        "/admin/organisation/logo",
        files={"logo": ("logo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * BIG, "image/png")},
        data={"csrf_token": "wrong"},
    )
    # Past the size check: refused for its CSRF token, not for its size.
    assert response.status_code == 403
