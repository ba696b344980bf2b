"""`tellus backup` and `tellus restore` on both engines: a backup taken while cards arrive holds
every card acknowledged before it began, restores into a fresh database and passes its checks;
an older schema migrates, a newer one, a damaged file and a database with data are refused."""

import io
import os
import stat
import subprocess
import sys
import tarfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, text
from sqlmodel import Session, SQLModel

from api.backup.archive import BackupError, read_manifest
from api.backup.service import backup_database, head_revision, restore_database
from api.db import create_db_engine, migrate
from api.models import Card, PassOn, ReplyEmail
from tests.databases import new_postgres_database
from tests.factories import World, make_card

LOAD_CARDS = 400


@pytest.fixture
def fresh_url(engine_name: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same engine to restore into."""
    if engine_name == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    with new_postgres_database(f"tellus_restore_{os.getpid()}") as url:
        yield url


def count_rows(url: str) -> dict[str, int]:
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            return {
                table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
                for table in SQLModel.metadata.sorted_tables
            }
    finally:
        engine.dispose()


class Load:
    """Cards sent by another process; `acknowledged` grows as each one is stored."""

    def __init__(self, url: str, token: str) -> None:
        self.acknowledged: list[int] = []
        self._arrived = threading.Condition()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.backup.load", url, token, str(LOAD_CARDS)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parents[2],
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._arrived:
                self.acknowledged.append(int(line))
                self._arrived.notify_all()

    def wait_for(self, count: int) -> list[int]:
        with self._arrived:
            arrived = self._arrived.wait_for(lambda: len(self.acknowledged) >= count, timeout=60)
        if not arrived:
            self.process.kill()
            _, errors = self.process.communicate()
            pytest.fail(f"the load sent {len(self.acknowledged)} cards, then: {errors}")
        return list(self.acknowledged)

    def finish(self) -> None:
        self.process.wait(timeout=120)
        self._reader.join(timeout=10)
        assert self.process.stderr is not None
        errors = self.process.stderr.read()
        assert self.process.returncode == 0, errors
        for stream in (self.process.stdout, self.process.stderr):
            assert stream is not None
            stream.close()


def test_a_backup_taken_while_cards_arrive_restores_every_acknowledged_card(
    database_url: str, fresh_url: str, world: World, tmp_path: Path
) -> None:
    path = tmp_path / "tellus.backup"
    load = Load(database_url, world.counter_code.token)
    before = load.wait_for(30)

    manifest = backup_database(url=database_url, path=path)
    during = len(load.acknowledged)
    load.finish()
    restored = restore_database(url=fresh_url, path=path)

    assert during < LOAD_CARDS, "the load was still sending when the backup ended"
    assert len(load.acknowledged) == LOAD_CARDS
    assert manifest.revision == head_revision(database_url)
    assert restored.migrated_to is None
    engine = create_db_engine(fresh_url)
    with Session(engine) as session:
        kept = set(session.scalars(select(Card.id)).all())
    engine.dispose()
    assert set(before) <= kept, "a card acknowledged before the backup began is missing"
    assert restored.cards == len(kept) >= len(before)


def test_the_file_is_owner_only_complete_and_says_what_it_holds(
    database_url: str, engine_name: str, world: World, tmp_path: Path
) -> None:
    path = tmp_path / "nightly.tellus"

    backup_database(url=database_url, path=path)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600, "it holds secrets"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nightly.tellus"], "no partial file"
    manifest = read_manifest(path)
    assert (manifest.engine, manifest.revision) == (engine_name, head_revision(database_url))
    assert manifest.tellus_version
    assert manifest.created_at.endswith("+00:00")


def test_a_database_that_holds_data_is_replaced_only_when_forced(
    database_url: str, session: Session, world: World, other_world: World, tmp_path: Path
) -> None:
    path = tmp_path / "tellus.backup"
    backup_database(url=database_url, path=path)
    make_card(session, code=world.counter_code)
    session.close()

    with pytest.raises(BackupError, match="already holds 2 organisation"):
        restore_database(url=database_url, path=path)
    assert count_rows(database_url)["card"] == 1, "nothing was replaced"

    restored = restore_database(url=database_url, path=path, force=True)

    assert restored.cards == 0
    assert count_rows(database_url)["organisation"] == 2


def test_a_damaged_or_cut_short_backup_is_refused_and_changes_nothing(
    database_url: str, fresh_url: str, world: World, tmp_path: Path
) -> None:
    path = tmp_path / "tellus.backup"
    backup_database(url=database_url, path=path)
    whole = path.read_bytes()
    # Into the manifest, the middle of the database, and its last bytes (after two headers and
    # the manifest's block come the database's bytes).
    payload_end = 3 * 512 + read_manifest(path).payload_bytes
    for cut in (100, len(whole) // 2, payload_end - 10):
        damaged = tmp_path / f"cut-{cut}.backup"
        damaged.write_bytes(whole[:cut])
        with pytest.raises(BackupError, match="damaged"):
            restore_database(url=fresh_url, path=damaged)
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("shopping list")
    with pytest.raises(BackupError, match="not a Tellus backup"):
        restore_database(url=fresh_url, path=not_a_backup)
    assert "card" not in text_tables(fresh_url), "the target was left as it was"


def text_tables(url: str) -> set[str]:
    engine = create_db_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


@contextmanager
def empty_database(engine_name: str, folder: Path, name: str) -> Iterator[str]:
    """A new database of this engine with no schema, its URL."""
    if engine_name == "sqlite":
        yield f"sqlite:///{folder / f'{name}.db'}"
        return
    with new_postgres_database(f"tellus_{name}_{os.getpid()}") as url:
        yield url


@pytest.mark.parametrize("engine_name", ["sqlite", "postgresql"])
def test_a_backup_of_an_older_schema_is_migrated_and_a_newer_one_refused(
    tmp_path: Path, engine_name: str
) -> None:
    with (
        empty_database(engine_name, tmp_path, "old") as old_url,
        empty_database(engine_name, tmp_path, "new") as new_url,
    ):
        migrate(old_url, "0012")
        engine = create_db_engine(old_url)
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO organisation (slug, name, accent_colour, default_language,"
                    " time_zone, require_two_factor, created_at)"
                    " VALUES ('old', 'Old Shop', '#000000', 'en', 'UTC', false, '2025-01-01')"
                )
            )
        engine.dispose()
        path = tmp_path / "old.backup"
        assert backup_database(url=old_url, path=path).revision == "0012"

        restored = restore_database(url=new_url, path=path)

        assert restored.migrated_to == head_revision(old_url)
        assert count_rows(new_url)["organisation"] == 1

        future = tmp_path / "future.backup"
        with tarfile.open(path) as source, tarfile.open(future, "w") as target:
            for member in source.getmembers():
                data = source.extractfile(member)
                assert data is not None
                content = data.read()
                if member.name == "manifest.json":
                    content = content.replace(b'"0012"', b'"0099"')
                    member.size = len(content)
                target.addfile(member, io.BytesIO(content))
        with pytest.raises(BackupError, match="newer Tellus"):
            restore_database(url=new_url, path=future, force=True)


# The move starts from SQLite: the source is the SQLite database only.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_moving_from_sqlite_to_postgresql_keeps_every_row(
    tmp_path: Path, session: Session, world: World, database_url: str
) -> None:
    card = make_card(session, code=world.maya_code, rating=5, contact_email="a@example.com")
    session.add(
        PassOn(
            organisation_id=card.organisation_id,
            card_id=card.id,  # type: ignore[arg-type]
            employee_id=world.maya.id,
            note="Thank you",
            email_status=ReplyEmail.none,
        )
    )
    session.commit()
    path = tmp_path / "move.backup"
    backup_database(url=database_url, path=path)

    with new_postgres_database(f"tellus_move_{os.getpid()}") as target:
        restored = restore_database(url=target, path=path)
        assert restored.manifest.engine == "sqlite"
        assert count_rows(target) == count_rows(database_url)
        engine = create_db_engine(target)
        with Session(engine) as moved:
            # The id sequences go on after the copied rows: the next card is stored.
            moved.add(Card(**{**card.model_dump(), "id": None, "idempotency_key": "next"}))
            moved.commit()
        engine.dispose()
