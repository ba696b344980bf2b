"""What a person's browser does over HTTP: read a form's hidden fields, sign in, send a card.

Each takes a `TestClient` (an httpx2 client on the app) or an `httpx.Client` on a real server.
"""

import asyncio
import html
import re
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import httpx
import httpx2
import pytest
import redis
from bs4 import BeautifulSoup
from fastapi import FastAPI

from api.config import Settings
from api.security import new_secret
from tests.client import TestClient

# The local Redis the tests of shared card limits use (CI starts it: .ci/run).
REDIS_URL = "redis://127.0.0.1:6379/0"
Client = httpx.Client | httpx2.Client
Response = httpx.Response | httpx2.Response
T = TypeVar("T")


def soup(response: Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def hidden_fields(
    client: Client, path: str, form: str = "form", headers: dict[str, str] | None = None
) -> dict[str, str]:
    """The hidden fields of a freshly rendered form (its signed token among them), as sent."""
    page = client.get(path, headers=headers)
    assert page.status_code == 200, page.text
    found = soup(page).select_one(form)
    assert found is not None, f"no {form} on {path}"
    return {str(field["name"]): str(field["value"]) for field in found.select("input[type=hidden]")}


def sign_in(client: Client, email: str, password: str, **fields: str) -> Response:
    """Fill in and submit the sign-in form; the answer, whatever it is."""
    form = hidden_fields(client, "/login", "form[action='/login']")
    return client.post("/login", data=form | {"email": email, "password": password} | fields)


def log_in(client: Client, email: str, password: str) -> None:
    """Sign in through the real form, like a person does, and expect to be let in."""
    response = sign_in(client, email, password)
    assert response.status_code == 303, response.text


def card_form(client: Client, path: str, **fields: str) -> dict[str, str]:
    """The card page's hidden fields (form token, idempotency key, language) with `fields`."""
    return hidden_fields(client, path, "form.card-form") | fields


def send_card(
    client: Client, token: str, *, rating: int = 4, comment: str = "", **fields: str
) -> Response:
    """A customer's card through the card page's form; the thank-you page it answers with."""
    path = f"/c/{token}"
    data = card_form(client, path, rating=str(rating), comment=comment, **fields)
    response = client.post(path, data=data)
    assert response.status_code == 200, response.text
    return response


def send_card_by_api(client: Client, token: str, *, rating: int = 4, comment: str = "") -> int:
    """A customer's card through the public API; its id."""
    response = client.post(
        f"/api/v1/codes/{token}/cards",
        json={"rating": rating, "comment": comment},
        headers={"Idempotency-Key": new_secret(12)},
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


CSRF_FIELD = re.compile(r'<input type="hidden" name="csrf_token" value="([^"]+)">')


def csrf_token(client: Client, path: str = "/inbox") -> str:
    """The CSRF token a signed-in page carries in its forms (read with a pattern: parsing the
    whole page for one field cost more than rendering it)."""
    page = client.get(path)
    field = CSRF_FIELD.search(page.text)
    assert field is not None, page.text
    return html.unescape(field.group(1))


@contextmanager
def second_browser(app: FastAPI) -> Iterator[TestClient]:
    """Another person's browser on the same app; not entered as a context manager, so the app's
    lifespan (which disposes the engine at its end) runs only once, for `client`."""
    browser = TestClient(app, follow_redirects=False)
    try:
        yield browser
    finally:
        browser.close()


UNLIMITED_CARDS = "100000/second"


def settings_for_tests(database_url: str) -> Settings:
    """The settings an app under test runs with (the `settings` fixture's, on one database)."""
    return Settings(
        environment="test",
        database_url=database_url,
        base_url="http://testserver",
        code_cache_seconds=0,
        smtp_url=None,
        # The tests' receivers (SMTP, push, webhooks) listen on 127.0.0.1, which the outbound
        # guard refuses unless the installation allows it, as an operator allows a local relay.
        outbound_allow="127.0.0.1",
        # Tests drive the alert worker themselves (api.alerts.worker.Worker.run_once).
        worker_in_process=False,
        # The card writer stores in a thread: a process for each app would cost every test
        # module a second (tests/customer/test_card_process.py tests the process).
        card_writer="thread",
        # A test's client fills a card in no time, and sends many: the tests of card protection
        # (tests/protection/) set these themselves.
        card_min_fill_seconds=0,
        card_limit=UNLIMITED_CARDS,
        card_limit_store="memory",
        _env_file=None,  # type: ignore[call-arg]
    )


def in_own_loop(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine on an event loop of its own, in a thread of its own: this thread may
    already have one running (Playwright's, once a browser test ran in this process)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


def process_ended(pid: int) -> bool:
    """Whether a process has ended: gone, or a zombie its parent has not collected yet (Linux)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def require_redis() -> redis.Redis:
    """A client of the local Redis, or the test skipped with how to start it (a failure under
    CI=true, see tests/conftest.py)."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as error:
        client.close()
        pytest.skip(f"Redis is not reachable at {REDIS_URL} ({error}); start redis-server")
    return client
