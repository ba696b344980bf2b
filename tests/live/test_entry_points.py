"""How the app is started: importing api.main builds nothing; both of uvicorn's ways serve it."""

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.browser.conftest import ROOT, run_live_server


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
