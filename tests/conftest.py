"""Fixtures: every database test runs on SQLite and on PostgreSQL, on a migrated schema."""

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlmodel import Session

from api.config import Settings
from api.customer.codes import CodeCache
from api.db import migrate
from api.inbox.wakeups import Wakeups
from api.main import create_app
from api.protection.limiter import CardLimiter
from api.security import PASSWORD_HASHER, use_password_hasher
from tests.client import TestClient
from tests.databases import empty_postgres, migrated_postgres_database, replace_sqlite_file
from tests.factories import World, make_world
from tests.helpers import log_in, settings_for_tests
from tests.push import PushReceiver
from tests.smtp import SmtpServer
from tests.sockets import Listener

# argon2id at its cheapest (one pass over 8 KiB): a user made in a test's set-up costs microseconds
# instead of a quarter of a second. The tests of hashing itself use production_password_hashing.
CHEAP_PASSWORD_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Under CI=true a skipped test is a failure: a missing service must turn the run red."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if IN_CI and report.skipped:
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"Skipped under CI=true, which is a failure: {reason}"


def worker_suffix(config: pytest.Config) -> str:
    return getattr(config, "workerinput", {}).get("workerid", "main")


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """Passwords hashed cheaply in this test process (servers it starts hash as in production)."""
    previous = use_password_hasher(CHEAP_PASSWORD_HASHER)
    yield
    use_password_hasher(previous)


@pytest.fixture
def production_password_hashing() -> Iterator[None]:
    """Passwords hashed with production's parameters, for the tests of hashing itself."""
    previous = use_password_hasher(PASSWORD_HASHER)
    yield
    use_password_hasher(previous)


@pytest.fixture(scope="session")
def sqlite_template(fast_folder: Path) -> Path:
    """A SQLite file migrated once; each test gets a copy."""
    path = fast_folder / "template.db"
    migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A PostgreSQL database of this test process's own, migrated once, dropped at the end."""
    name = f"tellus_test_{worker_suffix(request.config)}_{os.getpid()}"
    with migrated_postgres_database(name) as url:
        yield url


@pytest.fixture(scope="session")
def postgres_engine(postgres_url: str) -> Iterator[Engine]:
    """One engine on that database for the whole run, to empty it before each test."""
    engine = create_engine(postgres_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def fast_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder for this process's SQLite test files: in memory-backed /dev/shm where there is
    one, where the fsync of SQLite's synchronous=FULL costs nothing; else a temporary folder."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path_factory.mktemp("sqlite")
        return
    folder = Path(tempfile.mkdtemp(prefix="tellus-tests-", dir=shm))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, fast_folder: Path) -> str:
    """A migrated, empty database at this process's own address (so an app built for one test
    serves the next): a fresh copy of the SQLite template, or the emptied PostgreSQL database."""
    if request.param == "sqlite":
        path = fast_folder / "tellus.db"
        replace_sqlite_file(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    engine: Engine = request.getfixturevalue("postgres_engine")
    empty_postgres(engine)
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def live_postgres_engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """A PostgreSQL database for the live servers of this test process, migrated once."""
    name = f"tellus_browser_{worker_suffix(request.config)}_{os.getpid()}"
    with migrated_postgres_database(name) as url:
        engine = create_engine(url)
        yield engine
        engine.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """A migrated database, empty when the module starts: a SQLite file of its own, or the
    process's live PostgreSQL database, emptied (its servers of the last module are gone)."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("browser") / "tellus.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    engine: Engine = request.getfixturevalue("live_postgres_engine")
    empty_postgres(engine)
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture
def engine_name(request: pytest.FixtureRequest, database_url: str) -> str:
    return make_url(database_url).get_backend_name()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server on a free port; `.messages` holds what it received."""
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def push_receiver() -> Iterator[PushReceiver]:
    """A local stand-in for a browser's push service on a free port; `.requests` holds its POSTs."""
    receiver = PushReceiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def listener() -> Iterator[Listener]:
    """A port on 127.0.0.1 where the server must never connect; `.reached()` says if it did."""
    port = Listener()
    yield port
    port.close()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return settings_for_tests(database_url)


@pytest.fixture(scope="session")
def built_apps() -> Iterator[dict[str, FastAPI]]:
    """Apps already built in this process, by their settings: building one is cheap, but its
    first request works out every route's dependencies (a fifth of a second), and its engine
    adapts every column type anew. A test's database is emptied, not moved, so the same app
    serves every test with the same settings."""
    apps: dict[str, FastAPI] = {}
    yield apps
    for application in apps.values():
        application.state.runtime.engine.dispose()


@pytest.fixture
def app(settings: Settings, engine_name: str, built_apps: dict[str, FastAPI]) -> Iterator[FastAPI]:
    key = settings.model_dump_json()
    application = built_apps.get(key)
    if application is None:
        # Built from a copy: what a test changes in its settings reaches only its own run.
        application = built_apps[key] = create_app(settings.model_copy())
    # The suite really runs on the engine it claims to: the check the CI relies on.
    runtime = application.state.runtime
    assert runtime.engine.dialect.name == engine_name
    runtime.settings = settings
    # Nothing cached from the last test (its codes and streams are gone).
    runtime.code_cache = CodeCache(ttl=settings.code_cache_seconds)
    runtime.wakeups = Wakeups(runtime.engine)
    runtime.card_limiter = CardLimiter.from_settings(settings, runtime.engine)
    yield application
    application.state.runtime.engine.dispose()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture
def session(app: FastAPI, client: TestClient) -> Iterator[Session]:
    with Session(app.state.runtime.engine, expire_on_commit=False) as db_session:
        yield db_session


@pytest.fixture
def world(session: Session) -> World:
    """An organisation with locations, staff, codes and an owner who can sign in."""
    return make_world(session, name="Harbour Café")


@pytest.fixture
def other_world(session: Session) -> World:
    """A second organisation, to prove one never sees the other's data."""
    return make_world(session, name="Rival Bakery")


@pytest.fixture
def manager_client(client: TestClient, world: World) -> TestClient:
    log_in(client, world.owner_email, world.password)
    return client
