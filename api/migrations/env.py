"""Alembic environment: the models' metadata is the source of truth."""

from alembic import context
from sqlmodel import SQLModel

import api.models  # noqa: F401  (registers every table)
from api.db import create_db_engine

config = context.config
target_metadata = SQLModel.metadata


def run_migrations() -> None:
    engine = create_db_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
    engine.dispose()


run_migrations()
