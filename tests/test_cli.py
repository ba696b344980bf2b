"""The `tellus` command, run as an operator runs it: a process with TELLUS_* in its environment."""

import io
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import zxingcpp
from bs4 import BeautifulSoup
from PIL import Image
from sqlalchemy import Engine, delete, func
from sqlmodel import Session, col, select

from api.accounts.service import authenticate
from api.cli import command_parser, main, served_settings
from api.config import Settings, get_settings
from api.db import DatabaseNotMigrated, assert_migrated, create_db_engine
from api.kudos.screens import find_screen
from api.kudos.service import read_wall
from api.models import AnalyticsBucket, Card, Code, Employee, Membership, Organisation, Role, User
from api.setup.api_keys.service import authenticate_api_key
from api.setup.demo import DEMO_SLUG
from api.setup.kiosks import find_kiosk
from qr.codes import card_url
from tests.client import TestClient
from tests.factories import World, make_card, make_world
from tests.helpers import process_ended, send_card
from tests.printing.pdf import LETTER, needs_print_tools, page_sizes, scanned_urls, sheet_text

CARD_URL = re.compile(r"http://[^\s/]+/c/[0-9A-HJKMNP-TV-Z]{8}\b")
# The token ends where its alphabet does: `\b` would miss one that ends in "-" (1 in 64).
TV_URL = re.compile(r"kudos TV screen: +http://[^\s/]+/tv/([A-Za-z0-9_-]{32})(?![A-Za-z0-9_-])")
OWNER_PASSWORD = "a long owner password"


def tellus_command() -> list[str]:
    """The installed console script, or the module when the package is not installed."""
    script = Path(sys.executable).parent / "tellus"
    return [str(script)] if script.exists() else [sys.executable, "-m", "api.cli"]


class Tellus:
    """Runs `tellus ...` against one SQLite file, in a clean environment and directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.url = f"sqlite:///{directory / 'tellus.db'}"
        self.env = {name: value for name, value in os.environ.items() if "TELLUS_" not in name}
        self.env.update(TELLUS_DATABASE_URL=self.url, TELLUS_BASE_URL="http://tellus.test")

    def __call__(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*tellus_command(), *args],
            cwd=self.directory,
            env={**self.env, **env},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def ok(self, *args: str, **env: str) -> str:
        result = self(*args, **env)
        assert result.returncode == 0, f"tellus {' '.join(args)}: {result.stdout}{result.stderr}"
        return result.stdout

    def start_from(self, database: Path) -> None:
        """Begin with a copy of a database made earlier (the migrated template, the demo's)."""
        shutil.copyfile(database, self.directory / "tellus.db")

    def here(self, *args: str, **env: str) -> int:
        """The same command in this process, seconds quicker: for a set-up, a second run or a
        refusal, in a test that runs the command as its own process too. Output goes to capsys."""
        wanted = {name: value for name, value in {**self.env, **env}.items() if "TELLUS_" in name}
        with pytest.MonkeyPatch.context() as patch:
            patch.chdir(self.directory)
            for name in os.environ:
                if "TELLUS_" in name and name not in wanted:
                    patch.delenv(name)
            for name, value in wanted.items():
                patch.setenv(name, value)
            get_settings.cache_clear()
            try:
                return main(list(args))
            finally:
                get_settings.cache_clear()


@pytest.fixture
def tellus(tmp_path: Path) -> Tellus:
    return Tellus(tmp_path)


@dataclass(frozen=True)
class Demo:
    """What `tellus demo` made: its database file, and what it printed."""

    database: Path
    output: str


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """`tellus demo --no-serve` on an empty file, run once for the tests that start from what it
    made, as an operator who chose the public address runs it on another port."""
    tellus = Tellus(tmp_path_factory.mktemp("demo"))
    output = tellus.ok("demo", "--no-serve", "--port", "18100")
    return Demo(database=tellus.directory / "tellus.db", output=output)


@pytest.fixture
def engine(tellus: Tellus) -> Iterator[Engine]:
    db_engine = create_db_engine(tellus.url)
    yield db_engine
    db_engine.dispose()


KIOSK_URL = re.compile(r"counter kiosk:\s+http://tellus\.test/k/(\S+)")


def demo_login(output: str) -> tuple[str, str]:
    email = re.search(r"email:\s+(\S+@\S+)", output)
    password = re.search(r"password:\s+(\S+)", output)
    assert email, output
    assert password, output
    return email.group(1), password.group(1)


def test_migrate_brings_an_empty_database_to_head(tellus: Tellus, engine: Engine) -> None:
    with pytest.raises(DatabaseNotMigrated):
        assert_migrated(engine)

    output = tellus.ok("migrate")

    assert "up to date" in output
    assert_migrated(engine)
    assert tellus.here("migrate") == 0  # running it again is harmless
    assert_migrated(engine)


def test_demo_prints_card_urls_and_a_login_that_works(
    demo: Demo, tellus: Tellus, engine: Engine
) -> None:
    tellus.start_from(demo.database)

    assert CARD_URL.search(demo.output), demo.output
    assert "http://tellus.test/c/" in demo.output
    email, password = demo_login(demo.output)
    with Session(engine) as session:
        assert authenticate(session=session, email=email, password=password) is not None
        assert authenticate(session=session, email=email, password=password + "x") is None


def test_demo_twice_keeps_one_organisation_and_changes_the_password(
    demo: Demo, tellus: Tellus, engine: Engine
) -> None:
    tellus.start_from(demo.database)
    first = demo.output
    with Session(engine) as session:
        first_cards = session.exec(select(Card.id, Card.rating).order_by(Card.id)).all()
    second = tellus.ok("demo", "--no-serve")
    first_email, first_password = demo_login(first)
    second_email, second_password = demo_login(second)

    assert second_email == first_email
    assert second_password != first_password
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Organisation)).one() == 1
        cards = session.exec(select(Card.id, Card.rating).order_by(Card.id)).all()
        assert cards == first_cards, "the sample cards, sent once"
        comments = session.exec(select(Card.comment)).all()
        assert any("Maya remembered my usual" in comment for comment in comments)
        assert {2, 5} <= {rating for _, rating in cards}, "a complaint and compliments"
        named = session.exec(
            select(Employee.display_name).join(Card, col(Card.employee_id) == Employee.id)
        ).all()
        assert {"Maya", "Sam"} <= set(named), "compliments to pass on"
        wall = read_wall(session=session, slug=DEMO_SLUG)
        assert [kudos.employee_name for kudos in wall.kudos] == ["Maya"], "one approved"
        # Each run prints a new TV link and revokes the one before.
        old, new = (TV_URL.search(output).group(1) for output in (first, second))  # type: ignore[union-attr]
        assert find_screen(session=session, token=old) is None
        assert find_screen(session=session, token=new) is not None
        assert authenticate(session=session, email=first_email, password=second_password)
        assert authenticate(session=session, email=first_email, password=first_password) is None
    # Each run opens the counter's kiosk anew and revokes the last one.
    kiosks = [KIOSK_URL.search(output) for output in (first, second)]
    assert all(kiosks), second
    devices = [find_kiosk(engine=engine, secret=link.group(1)) for link in kiosks if link]
    assert [(device.revoked if device else None) for device in devices] == [True, False]


def test_create_owner_then_api_key(tellus: Tellus, engine: Engine, sqlite_template: Path) -> None:
    tellus.start_from(sqlite_template)

    output = tellus.ok(
        "create-owner",
        "--email",
        "o@x.example",
        "--organisation",
        "Shop",
        TELLUS_OWNER_PASSWORD=OWNER_PASSWORD,
    )
    assert "o@x.example" in output
    key = tellus.ok("api-key", "--organisation", "shop").strip()

    with Session(engine) as session:
        user = authenticate(session=session, email="o@x.example", password=OWNER_PASSWORD)
        assert user is not None
        shop = session.exec(select(Organisation).where(Organisation.slug == "shop")).one()
        assert shop.name == "Shop"
        membership = session.exec(select(Membership).where(Membership.user_id == user.id)).one()
        assert (membership.organisation_id, membership.role) == (shop.id, Role.owner)
        tenant = authenticate_api_key(session=session, presented=key)
        assert tenant is not None
        assert tenant.organisation_id == shop.id
        assert authenticate_api_key(session=session, presented=key + "x") is None


def test_create_owner_with_a_taken_email_fails_cleanly(
    tellus: Tellus, engine: Engine, sqlite_template: Path
) -> None:
    tellus.start_from(sqlite_template)
    owner = ("create-owner", "--email", "o@x.example", "--organisation", "Shop")
    assert tellus.here(*owner, TELLUS_OWNER_PASSWORD=OWNER_PASSWORD) == 0

    result = tellus(*owner, TELLUS_OWNER_PASSWORD=OWNER_PASSWORD)

    assert result.returncode == 1
    assert "already exists" in result.stderr
    assert "Traceback" not in result.stderr
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(User)).one() == 1
        assert session.exec(select(func.count()).select_from(Organisation)).one() == 1


def test_api_key_for_an_unknown_organisation_fails(tellus: Tellus, sqlite_template: Path) -> None:
    tellus.start_from(sqlite_template)

    result = tellus("api-key", "--organisation", "nowhere")

    assert result.returncode == 1
    assert "nowhere" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_create_owner_refuses_a_common_password(
    tellus: Tellus, engine: Engine, sqlite_template: Path
) -> None:
    tellus.start_from(sqlite_template)

    result = tellus(
        "create-owner",
        "--email",
        "o@x.example",
        "--organisation",
        "Shop",
        TELLUS_OWNER_PASSWORD="Password123",
    )

    assert result.returncode == 1
    assert "too common" in result.stderr
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(User)).one() == 0


def test_demo_on_another_port_puts_that_port_in_every_address_and_names_its_owner(
    demo: Demo, tellus: Tellus
) -> None:
    tellus.start_from(demo.database)
    del tellus.env["TELLUS_BASE_URL"]  # nobody chose the public address

    output = tellus.ok("demo", "--no-serve", "--port", "18100")

    assert "http://localhost:18100/c/" in output, output
    assert "http://localhost:18100/login" in output
    assert ":8000" not in output
    assert "owner" in output.lower()
    assert "manager inbox" not in output.lower()
    assert "http://tellus.test/c/" in demo.output, "an address someone set is kept"
    assert "localhost" not in demo.output


@pytest.fixture
def development_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """An operator's shell without TELLUS_BASE_URL (or a .env), as `tellus demo` meets it."""
    monkeypatch.chdir(tmp_path)
    for name in ("TELLUS_BASE_URL", "TELLUS_ENVIRONMENT", "TELLUS_WORKER_IN_PROCESS"):
        monkeypatch.setenv(name, "")  # recorded, so the test's own changes are undone after it
        monkeypatch.delenv(name)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def serving(
    tellus: Tellus, *options: str, start_new_session: bool = False
) -> subprocess.Popen[str]:
    """`tellus serve` on a port the system chooses (which uvicorn names in its output), without
    an alert worker, its output in a pipe."""
    return subprocess.Popen(
        [*tellus_command(), "serve", "--port", "0", *options],
        cwd=tellus.directory,
        env={**tellus.env, "TELLUS_WORKER_IN_PROCESS": "false"},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=start_new_session,
    )


def test_serve_without_the_access_log_names_no_request(
    tellus: Tellus, sqlite_template: Path
) -> None:
    """`tellus serve --no-access-log`, behind a reverse proxy that logs the requests itself: it
    serves, and writes no line for each request (its start and stop are still logged)."""
    tellus.start_from(sqlite_template)
    server = serving(tellus, "--no-access-log")
    assert server.stdout is not None
    output = []
    try:
        # Port 0: the system chooses a free port, which uvicorn then names.
        for line in server.stdout:
            output.append(line)
            if running := re.search(r"Uvicorn running on (http://\S+)", line):
                break
        assert running, "".join(output)
        base = running.group(1)
        assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200
        assert httpx.get(f"{base}/no-such-page", timeout=10).status_code == 404
    finally:
        server.terminate()
        output.append(server.communicate(timeout=30)[0])
    log = "".join(output)
    assert "Application startup complete" in log
    assert "Shutting down" in log
    assert "/healthz" not in log
    assert "/no-such-page" not in log


def children_of(pid: int) -> set[int]:
    """The processes `pid` started that still run (Linux)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # it ended meanwhile
            continue
        if fields[1] == str(pid) and fields[0] != "Z":
            found.add(int(stat.parent.name))
    return found


def card_writers_of(server: subprocess.Popen[str]) -> list[int]:
    return [
        child
        for child in children_of(server.pid)
        if b"api.customer.card_process" in Path(f"/proc/{child}/cmdline").read_bytes()
    ]


def served_address(server: subprocess.Popen[str], output: list[str]) -> str:
    """The address uvicorn says it serves on, once it says so."""
    assert server.stdout is not None
    for line in server.stdout:
        output.append(line)
        if found := re.search(r"Uvicorn running on (http://\S+)", line):
            return found.group(1)
    raise AssertionError("".join(output))


def ended(pid: int) -> bool:
    for _ in range(100):
        if process_ended(pid):
            return True
        time.sleep(0.1)
    return False


def test_the_server_stores_cards_from_its_own_process_and_ctrl_c_stops_both(
    tellus: Tellus, demo: Demo, engine: Engine
) -> None:
    """On SQLite, `tellus serve` stores cards from a process of its own. Ctrl+C in the terminal
    reaches every process of its group: the server stops that process itself, cleanly."""
    tellus.start_from(demo.database)
    token = re.search(r"/c/([0-9A-Z]{8})", demo.output)
    assert token, demo.output
    server = serving(tellus, start_new_session=True)  # a terminal's process group of its own
    output: list[str] = []
    try:
        base = served_address(server, output)
        [writer] = card_writers_of(server)
        sent = httpx.post(
            f"{base}/api/v1/codes/{token.group(1)}/cards",
            json={"rating": 5, "comment": "Stored next door"},
            headers={"Idempotency-Key": "through-the-process"},
            timeout=30,
        )
        assert sent.status_code == 201, sent.text
        os.killpg(server.pid, signal.SIGINT)
        output.append(server.communicate(timeout=30)[0])
    finally:
        server.kill()
    assert server.returncode == 0, "".join(output)
    assert ended(writer)
    assert "Traceback" not in "".join(output)
    # The access log's line for the card, as uvicorn writes it (api.web.access_log).
    card_line = (
        rf'INFO:     127\.0\.0\.1:\d+ - "POST /api/v1/codes/{token.group(1)}/cards HTTP/1\.1" 201'
    )
    assert re.search(rf"^{card_line} Created$", "".join(output), re.M), "".join(output)
    with Session(engine) as session:
        keys = session.exec(select(Card.idempotency_key)).all()
    assert "through-the-process" in keys


def test_a_killed_server_leaves_no_card_writer_behind(
    tellus: Tellus, sqlite_template: Path
) -> None:
    """When the server is killed (no chance to stop anything), its card process ends by itself."""
    tellus.start_from(sqlite_template)
    server = serving(tellus)
    try:
        served_address(server, [])
        [writer] = card_writers_of(server)
    finally:
        server.kill()
        server.communicate(timeout=30)
    assert ended(writer)


@pytest.mark.usefixtures("development_environment")
def test_the_app_served_on_another_port_gives_that_port_in_its_qr_codes_and_links(
    client: TestClient, settings: Settings, world: World
) -> None:
    served = served_settings(command_parser().parse_args(["demo", "--port", "18100"]))
    settings.base_url = served.base_url  # what the served app reads from the environment

    qr = client.get(f"/qr/{world.counter_code.token}.png")
    thanks = send_card(client, world.counter_code.token, rating=2, comment="Cold")

    assert served.base_url == "http://localhost:18100"
    [barcode] = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.content)))
    assert barcode.text == f"HTTP://LOCALHOST:18100/C/{world.counter_code.token}"
    link = BeautifulSoup(thanks.text, "html.parser").select_one("a[data-follow-up]")
    assert link is not None
    assert str(link["href"]).startswith("http://localhost:18100/f/")


def test_backup_then_restore_into_a_new_database(
    demo: Demo,
    tellus: Tellus,
    engine: Engine,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tellus.start_from(demo.database)
    with Session(engine) as session:
        cards = session.exec(select(func.count()).select_from(Card)).one()
    backup = tmp_path / "nightly.tellus"

    written = tellus.ok("backup", str(backup))
    elsewhere = f"sqlite:///{tmp_path / 'restored.db'}"
    restored = tellus.ok("restore", str(backup), TELLUS_DATABASE_URL=elsewhere)

    assert f"Backup written to {backup}: sqlite, schema" in written
    assert f"{cards} cards" in restored
    assert "Checks passed." in restored
    capsys.readouterr()
    assert tellus.here("restore", str(backup), TELLUS_DATABASE_URL=elsewhere) == 1
    assert "already holds 1 organisation(s)" in capsys.readouterr().err


@needs_print_tools
def test_print_writes_the_chosen_places_tents(
    demo: Demo, tellus: Tellus, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    tellus.start_from(demo.database)
    with Session(engine) as session:
        codes = session.exec(select(Code).order_by(col(Code.id))).all()
    urls = {code.label: card_url("http://tellus.test", code.token) for code in codes}

    tents = tellus.directory / "tents.pdf"
    output = tellus.ok(
        "print", "--organisation", DEMO_SLUG, "--layout", "tents", "--paper", "letter",
        "--location", "terrace", "--location", "Table 4", "--output", str(tents),
    )  # fmt: skip
    assert "2 codes on 2 pages (letter)" in output
    assert sorted(scanned_urls(tents.read_bytes(), dpi=50)) == sorted(
        [urls["Terrace"], urls["Terrace"], urls["Table 4"], urls["Table 4"]]
    )
    assert page_sizes(tents.read_bytes()) == [LETTER, LETTER]
    assert "How was your visit?" in sheet_text(tents.read_bytes())

    roof = ["--location", "Roof", "--output", str(tellus.directory / "roof.pdf")]
    assert tellus.here("print", "--organisation", DEMO_SLUG, "--layout", "posters", *roof) == 1
    assert "No location is called “Roof”" in capsys.readouterr().err
    nobody = ["print", "--organisation", "nowhere", "--layout", "badges", "--output", "x"]
    assert tellus.here(*nobody) == 1
    assert "no organisation with slug 'nowhere'" in capsys.readouterr().err
    assert not (tellus.directory / "roof.pdf").exists()


def test_analytics_rebuild_counts_the_cards_again(
    tellus: Tellus, engine: Engine, sqlite_template: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tellus.start_from(sqlite_template)
    with Session(engine, expire_on_commit=False) as session:
        world = make_world(session, name="Shop")
        make_card(session, code=world.counter_code, rating=2)
        session.execute(delete(AnalyticsBucket))
        session.commit()

    assert tellus.ok("analytics", "rebuild").strip() == "shop: 1 cards counted"

    with Session(engine) as session:
        row = session.exec(select(AnalyticsBucket)).one()
        assert (row.location_id, row.rating_2, row.rating_5) == (world.counter.id, 1, 0)
    assert tellus.here("analytics", "rebuild", "--organisation", "nowhere") == 1
    assert "nowhere" in capsys.readouterr().err
