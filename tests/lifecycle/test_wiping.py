"""Deleted text leaves SQLite's write-ahead log: at once, or at the retention job's next pass
when a reader kept the log; and a pass with nothing to cut never waits for readers (nor holds
writers up)."""

import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from api.db import create_db_engine, writer
from api.lifecycle.retention import run_retention
from api.lifecycle.wiping import (
    JOB_WAIT_MS,
    clear_deleted_text,
    cut_owed,
    cut_write_ahead_log,
)
from api.models import Card
from tests.factories import make_card, make_world

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

SECRET = "Zq7-the-customer-asked-us-to-forget-this"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


def in_log(engine: Engine) -> bool:
    log = Path(f"{make_url(engine.url).database}-wal")
    return log.exists() and SECRET.lower().encode() in log.read_bytes().lower()


def owed_in_another_process(engine: Engine) -> bool:
    script = (
        "import sys; from api.db import create_db_engine;"
        " from api.lifecycle.wiping import cut_owed;"
        " print(cut_owed(create_db_engine(sys.argv[1])))"
    )
    url = engine.url.render_as_string(hide_password=False)
    found = subprocess.run(
        [sys.executable, "-c", script, url], capture_output=True, text=True, check=True
    )
    return found.stdout.strip() == "True"


def erase_secret_card(engine: Engine) -> None:
    """A card with SECRET, then its deletion as a request does it."""
    with Session(engine, expire_on_commit=False) as session:
        world = make_world(session, name="Wiping Café")
        card = make_card(session, code=world.counter_code, comment=SECRET)
    assert in_log(engine)
    with Session(writer(engine)) as session:
        session.exec(delete(Card).where(Card.id == card.id))  # type: ignore[call-overload]
        session.commit()
    clear_deleted_text(engine)


def test_the_job_cuts_the_log_a_reader_kept_from_a_request(engine: Engine) -> None:
    reader = engine.connect()
    reader.execute(text("SELECT count(*) FROM card")).one()  # holds its snapshot open
    erase_secret_card(engine)
    assert in_log(engine), "the reader kept the log, as it should"
    assert cut_owed(engine)
    # As another process (`tellus worker`), or this one after a restart, finds it.
    assert owed_in_another_process(engine)

    reader.close()
    run_retention(engine=engine, now=datetime.now(UTC))
    assert not in_log(engine)
    assert not cut_owed(engine)


def test_a_pass_with_nothing_to_cut_waits_for_no_reader(engine: Engine) -> None:
    erase_secret_card(engine)
    assert not cut_owed(engine)
    with Session(engine) as session:
        make_card(session, code=make_world(session, name="Busy Café").counter_code)
    with engine.connect() as reader:  # reading the log that card is in
        reader.execute(text("SELECT count(*) FROM card")).one()
        started = time.monotonic()
        run_retention(engine=engine, now=datetime.now(UTC))
        # A wait for the reader would last JOB_WAIT_MS: the pass only tried.
        assert time.monotonic() - started < JOB_WAIT_MS / 1000 / 2


def test_a_cut_that_readers_keep_from_happening_is_owed_whoever_tried(engine: Engine) -> None:
    """The job's own cut too: after a pass that deleted cards, say, while a stream was reading."""
    erase_secret_card(engine)
    with Session(engine) as session:
        make_card(session, code=make_world(session, name="Busy Café").counter_code)
    with engine.connect() as reader:
        reader.execute(text("SELECT count(*) FROM card")).one()
        assert not cut_write_ahead_log(engine, wait_ms=0)
        assert cut_owed(engine)
    assert cut_write_ahead_log(engine, wait_ms=0)
    assert not cut_owed(engine)
