"""Alembic environment: the models' metadata is the source of truth."""

from alembic import context
from sqlalchemy import Connection
from sqlmodel import SQLModel

import api.models  # noqa: F401  (registers every table)
from api.db import create_db_engine, include_name

config = context.config
target_metadata = SQLModel.metadata


def pause_sqlite_foreign_keys(connection: Connection) -> bool:
    """On SQLite, a batch migration rebuilds a table by copy, drop and rename: with foreign keys on,
    dropping a parent would cascade-delete its children. The pragma only works outside a
    transaction, so it goes straight to the driver before Alembic begins one."""
    if connection.dialect.name != "sqlite":
        return False
    connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
    return True


def run_migrations() -> None:
    engine = create_db_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.connect() as connection:
            paused = pause_sqlite_foreign_keys(connection)
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=connection.dialect.name == "sqlite",
                compare_type=True,
                include_name=include_name,
            )
            with context.begin_transaction():
                context.run_migrations()
                if paused:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"Migration left broken foreign keys: {broken[:5]}")
            connection.commit()
    finally:
        engine.dispose()


run_migrations()
