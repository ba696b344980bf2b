"""Process-level fixtures: a real uvicorn on a port of its own, per module and engine, and Chromium.

Playwright cannot download its own browsers here; Debian's `chromium` package is driven instead.
"""

import os
import shutil
import socket
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Error, sync_playwright
from sqlalchemy import Engine
from sqlmodel import Session

from api.db import create_db_engine
from tests.browser.tcp_proxy import TcpProxy
from tests.server_process import start_server
from tests.sockets import bound_socket, port_of

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
STARTUP_SECONDS = 60.0
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 800}}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A browser test meets the database through the pages, which are the same on both engines:
    it runs on SQLite only, unless its module sets `BOTH_ENGINES = True` (what it drives differs
    by engine: the live streams, the card limits' store). The engines themselves are tested
    below the pages, and across processes in tests/live."""
    browser = Path(__file__).parent
    kept, dropped = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_postgres = callspec is not None and callspec.params.get("live_database_url") == (
            "postgresql"
        )
        module = getattr(item, "module", None)
        if (
            on_postgres
            and item.path.is_relative_to(browser)
            and not getattr(module, "BOTH_ENGINES", False)
        ):
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@dataclass(frozen=True)
class LiveServer:
    base_url: str
    database_url: str
    engine: Engine

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def session(self) -> Session:
        """A session on the server's database, to seed data through the services."""
        return Session(self.engine, expire_on_commit=False)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """Debian's headless Chromium, driven by Playwright."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("Chromium not installed: apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def wait_until_healthy(process: BaseProcess, base_url: str, log: Path) -> None:
    """Poll /healthz until it answers 200; fail with the server's output if it never does."""
    deadline = time.monotonic() + STARTUP_SECONDS
    # One client for every poll: a new one builds an SSL context (tens of milliseconds of the
    # CPU the starting server needs) each time.
    with httpx.Client(timeout=1.0) as client:
        while time.monotonic() < deadline:
            if process.exitcode is not None:
                pytest.fail(f"uvicorn exited with {process.exitcode}:\n{log.read_text()}")
            try:
                if client.get(f"{base_url}/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
    pytest.fail(
        f"uvicorn did not answer /healthz within {STARTUP_SECONDS:.0f} s:\n{log.read_text()}"
    )


@contextmanager
def run_live_server(
    database_url: str,
    log_folder: Path,
    *,
    sock: socket.socket | None = None,
    public_url: str | None = None,
    extra_env: dict[str, str] | None = None,
    app: Sequence[str] = ("api.main:app",),
) -> Iterator[LiveServer]:
    """`uvicorn api.main:app` in its own process (forked warm: tests/server_process.py), serving
    on `sock` (by default a socket of its own, bound here and handed over: no other process can
    take the port before uvicorn listens);
    `public_url` is TELLUS_BASE_URL; `extra_env` adds settings (such as TELLUS_SMTP_URL); `app`
    is how uvicorn is told the app (such as `--factory api.main:create_app`)."""
    own_socket = sock is None
    sock = bound_socket() if sock is None else sock
    server_url = f"http://127.0.0.1:{port_of(sock)}"
    public_url = public_url or server_url
    env = {name: value for name, value in os.environ.items() if not name.startswith("TELLUS_")}
    env.update(
        TELLUS_DATABASE_URL=database_url,
        TELLUS_BASE_URL=public_url,
        TELLUS_ENVIRONMENT="test",
        TELLUS_CODE_CACHE_SECONDS="0",
        # These servers serve pages and streams; the alert tests run their worker themselves. An
        # in-process worker here would share the SQLite file with the tests' own fixture writes.
        TELLUS_WORKER_IN_PROCESS="false",
        # A browser fills a card faster than a person, and a module sends many from 127.0.0.1:
        # the tests of card protection set these themselves.
        TELLUS_CARD_MIN_FILL_SECONDS="0",
        TELLUS_CARD_LIMIT="100000/second",
    )
    env.update(extra_env or {})
    log = log_folder / "server.log"
    process = start_server(app, sock, env, log)
    engine = create_db_engine(database_url)
    try:
        wait_until_healthy(process, server_url, log)
        yield LiveServer(base_url=public_url, database_url=database_url, engine=engine)
    finally:
        process.terminate()
        process.join(timeout=10)
        if process.exitcode is None:
            process.kill()
            process.join()
        engine.dispose()
        if own_socket:
            sock.close()


@pytest.fixture(scope="module")
def live_server(
    live_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """`uvicorn api.main:app` in its own process, with the module's database."""
    with run_live_server(live_database_url, tmp_path_factory.mktemp("uvicorn")) as server:
        yield server


@pytest.fixture(scope="module")
def proxied_socket(live_database_url: str) -> Iterator[socket.socket]:
    """The socket proxied_live_server will serve on, bound first: the proxy needs its port."""
    with bound_socket() as sock:
        yield sock


@pytest.fixture(scope="module")
def tcp_proxy(proxied_socket: socket.socket) -> Iterator[TcpProxy]:
    """A local TCP proxy on a port of its own, relaying to proxied_live_server's."""
    proxy = TcpProxy(target_port=port_of(proxied_socket))
    proxy.start()
    yield proxy
    proxy.stop()


@pytest.fixture(scope="module")
def proxied_live_server(
    live_database_url: str,
    tmp_path_factory: pytest.TempPathFactory,
    proxied_socket: socket.socket,
    tcp_proxy: TcpProxy,
) -> Iterator[LiveServer]:
    """The live server, reached through the proxy: its public address is the proxy's."""
    with run_live_server(
        live_database_url,
        tmp_path_factory.mktemp("uvicorn"),
        sock=proxied_socket,
        public_url=f"http://127.0.0.1:{tcp_proxy.port}",
    ) as server:
        yield server


@pytest.fixture
def live_db(live_server: LiveServer) -> Iterator[Session]:
    """A session on the live server's database (seeded data is committed: the server sees it)."""
    with live_server.session() as session:
        yield session


@dataclass
class BrowserProblems:
    """Console errors (CSP violations among them) and uncaught exceptions seen by any page."""

    messages: list[str] = field(default_factory=list)

    def watch(self, context: BrowserContext) -> None:
        context.on("console", self._console)
        context.on("weberror", lambda web_error: self._page_error(web_error.error))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type in ("error", "warning") or "Content Security Policy" in message.text:
            self.messages.append(f"console {message.type}: {message.text} ({message.location})")

    def _page_error(self, error: Error) -> None:
        self.messages.append(f"page error: {error.message}")


@pytest.fixture
def browser_problems() -> BrowserProblems:
    return BrowserProblems()


NewContext = Callable[..., BrowserContext]


@pytest.fixture
def new_context(
    chromium: Browser, live_server: LiveServer, browser_problems: BrowserProblems
) -> Iterator[NewContext]:
    """Open browser contexts on the live server (watched for problems); closed after the test."""
    contexts: list[BrowserContext] = []

    def open_context(**options: Any) -> BrowserContext:
        context = chromium.new_context(base_url=live_server.base_url, **options)
        context.set_default_timeout(10_000)
        browser_problems.watch(context)
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()
