"""The runtime: one typed object on the app, reached by routes only through api.web.deps."""

import gc
from pathlib import Path

from fastapi import FastAPI

from api.runtime import Runtime
from tests.client import TestClient

API = Path(__file__).resolve().parents[2] / "api"
# The one module that stores the runtime on the app, and the one that reads it back.
ALLOWED = {API / "main.py", API / "web" / "deps.py"}


def test_only_main_and_deps_touch_the_app_state() -> None:
    offenders = [
        str(path.relative_to(API.parent))
        for path in sorted(API.rglob("*.py"))
        if path not in ALLOWED and "app.state" in path.read_text()
    ]
    assert offenders == []


def test_the_app_holds_one_runtime_with_its_engine_and_keys(app: FastAPI, client: object) -> None:
    runtime = app.state.runtime
    assert isinstance(runtime, Runtime)
    assert runtime.engine.dialect.name in ("sqlite", "postgresql")
    assert runtime.secret_key  # loaded by the lifespan, which the client started
    assert runtime.vapid_keys.public_key_b64


def test_starting_puts_the_startup_heap_out_of_the_collectors_reach(
    app: FastAPI, client: object
) -> None:
    """A full collection walks only what requests made: over the startup heap (every module,
    route and schema) it stopped each request in flight for 125–250 ms (bench/README.md)."""
    assert gc.get_freeze_count() > 100_000


def test_a_first_request_finds_its_route_built_and_frozen(app: FastAPI, client: TestClient) -> None:
    """FastAPI builds an included route's context on the first request that looks for it: the
    app builds them all before freezing, or they would stay in the collector's way for good."""
    gc.collect()
    before = len(gc.get_objects())
    # The last package's routes: a request to them walks every router before them.
    assert client.get("/healthz").status_code == 200
    gc.collect()
    assert len(gc.get_objects()) - before < 1_000
