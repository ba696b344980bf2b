"""How the app is started: importing api.main builds nothing; both of uvicorn's ways serve it."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session

from tests.browser.conftest import ROOT, run_live_server
from tests.factories import make_world


def test_importing_main_builds_nothing() -> None:
    """In production without a secret key, building the app fails; importing it must not."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("TELLUS_")}
    env.update(TELLUS_ENVIRONMENT="production", TELLUS_DATABASE_URL="sqlite:///:memory:")
    code = "import api.main; from api.main import create_app; print('imported')"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "imported"
    # Asking for the app is what builds it, with the same refusal as before.
    asked = subprocess.run(
        [sys.executable, "-c", "from api.main import app"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert asked.returncode != 0
    assert "TELLUS_SECRET_KEY must be set" in asked.stderr


@pytest.mark.parametrize(
    "app", [("api.main:app",), ("--factory", "api.main:create_app")], ids=["app", "factory"]
)
def test_uvicorn_serves_the_health_page(
    app: tuple[str, ...], live_database_url: str, tmp_path: Path
) -> None:
    with run_live_server(live_database_url, tmp_path, app=app) as server:
        answer = httpx.get(server.url("/healthz"), timeout=5.0)
    assert answer.status_code == 200


def test_a_head_request_gets_the_headers_of_the_card_and_the_health_check(
    live_database_url: str, tmp_path: Path
) -> None:
    """Some QR scanner apps and link checkers ask with HEAD before they open a link, and some
    uptime monitors check that way: the GET's status and headers, no body."""
    with run_live_server(live_database_url, tmp_path) as server:
        with Session(server.engine) as session:
            token = make_world(
                session, name=f"Head Start {uuid.uuid4().hex[:6]}"
            ).counter_code.token
        for path in (f"/c/{token}", f"/C/{token}", "/healthz", "/c/NOSUCHCD"):
            page = httpx.get(server.url(path), timeout=10)
            head = httpx.head(server.url(path), timeout=10)
            assert head.status_code == page.status_code, path
            assert head.headers["content-type"] == page.headers["content-type"], path
            assert head.headers["cache-control"] == page.headers["cache-control"], path
            assert head.content == b"", path
        assert httpx.head(server.url(f"/c/{token}"), timeout=10).status_code == 200
