"""`tellus backup` and `tellus restore`: what each does, in order, and the checks between."""

import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine, insert, inspect, select, text
from sqlmodel import SQLModel

from api.backup.archive import (
    FORMAT,
    PAYLOAD,
    BackupError,
    Manifest,
    extract_payload,
    file_sha256,
    read_manifest,
    write_archive,
)
from api.backup.engines import (
    check_sqlite,
    dump_postgres,
    restore_postgres,
    restore_sqlite,
    snapshot_sqlite,
)
from api.db import alembic_config, create_db_engine, migrate

COPY_CHUNK = 1000


@dataclass(frozen=True)
class Restored:
    manifest: Manifest
    # The schema revision the database was migrated to after the restore (None: no migration).
    migrated_to: str | None
    cards: int


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(url: str) -> str:
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    assert head is not None
    return head


def backup_database(*, url: str, path: Path) -> Manifest:
    """Write a backup of the database at `url` to `path`; safe while the app serves cards."""
    engine = create_db_engine(url)
    try:
        revision = current_revision(engine)
    finally:
        engine.dispose()
    if revision is None:
        raise BackupError("The database is empty: there is nothing to back up yet.")
    name = engine.dialect.name
    with tempfile.TemporaryDirectory(prefix="tellus-backup-") as folder:
        payload = Path(folder) / PAYLOAD[name]
        if name == "sqlite":
            snapshot_sqlite(url=url, into=payload)
        else:
            dump_postgres(url=url, into=payload)
        manifest = Manifest(
            format=FORMAT,
            engine=name,
            revision=revision,
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            tellus_version=version("tellus"),
            payload=payload.name,
            payload_sha256=file_sha256(payload),
            payload_bytes=payload.stat().st_size,
        )
        write_archive(path=path, manifest=manifest, payload=payload)
    return manifest


def restore_database(*, url: str, path: Path, force: bool = False) -> Restored:
    """Restore the backup at `path` into the database at `url`: refuse a newer schema, refuse to
    replace data unless `force`, migrate an older schema, then check what was restored."""
    manifest = read_manifest(path)
    script = ScriptDirectory.from_config(alembic_config(url))
    try:
        script.get_revision(manifest.revision)
    except CommandError as error:
        raise BackupError(
            f"This backup comes from a newer Tellus (schema {manifest.revision}, made by "
            f"{manifest.tellus_version}): upgrade Tellus first, then restore it."
        ) from error
    engine = create_db_engine(url)
    try:
        target = engine.dialect.name
        if manifest.engine == "postgresql" and target != "postgresql":
            raise BackupError("A PostgreSQL backup restores into PostgreSQL only.")
        held = organisations_in(engine)
        if held and not force:
            raise BackupError(
                f"The database already holds {held} organisation(s): restoring would replace "
                "them. Pass --force to replace them (stop Tellus first)."
            )
        with tempfile.TemporaryDirectory(prefix="tellus-restore-") as folder:
            payload = extract_payload(path=path, manifest=manifest, into=Path(folder))
            if manifest.engine == target == "sqlite":
                engine.dispose()
                restore_sqlite(payload=payload, url=url)
            elif manifest.engine == target:
                restore_postgres(payload=payload, url=url, engine=engine)
            else:
                copy_sqlite_into(payload=payload, url=url, engine=engine)
        engine.dispose()
        before = current_revision(engine)
        migrate(url)
        after = current_revision(engine)
        problems = check_sqlite(engine) if target == "sqlite" else []
        if problems:
            raise BackupError("The restored database failed its checks: " + "; ".join(problems))
        with engine.connect() as connection:
            cards = connection.execute(text("SELECT count(*) FROM card")).scalar_one()
    finally:
        engine.dispose()
    return Restored(manifest=manifest, migrated_to=after if after != before else None, cards=cards)


def organisations_in(engine: Engine) -> int:
    """How many organisations the database holds (0 for an empty one)."""
    if not inspect(engine).has_table("organisation"):
        return 0
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM organisation")).scalar_one())


def copy_sqlite_into(*, payload: Path, url: str, engine: Engine) -> None:
    """Move an SQLite backup into PostgreSQL: both at the code's schema, every row copied table
    by table in foreign-key order, then each id sequence set past the largest id."""
    source_url = f"sqlite:///{payload}"
    migrate(source_url)
    with engine.begin() as connection:
        for name in inspect(connection).get_table_names():
            connection.execute(text(f'DROP TABLE IF EXISTS "{name}" CASCADE'))
    migrate(url)
    source = create_db_engine(source_url)
    try:
        with source.connect() as reading, engine.begin() as writing:
            for table in SQLModel.metadata.sorted_tables:
                rows = reading.execute(select(table)).mappings()
                while batch := rows.fetchmany(COPY_CHUNK):
                    writing.execute(insert(table), [dict(row) for row in batch])
                if "id" in table.c and table.c.id.type.python_type is int:
                    writing.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                            f'COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM "{table.name}"'
                        )
                    )
    finally:
        source.dispose()
