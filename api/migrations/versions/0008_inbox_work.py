"""inbox work

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 13:15:52.081346

Working a card: assignee, notes, tags; indexes for keyset pages; search on the comment (an FTS5
external-content table kept by triggers on SQLite, a GIN index on PostgreSQL).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import api.models.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The card table first: on SQLite its batch copy drops and recreates it, which must come
    # before anything hangs off it (the search triggers below).
    with op.batch_alter_table("card", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assignee_id", sa.Integer(), nullable=True))
        batch_op.drop_index(batch_op.f("ix_card_employee_id"))
        batch_op.drop_index(batch_op.f("ix_card_location_id"))
        batch_op.create_index("ix_card_assignee_page", ["assignee_id", "id"], unique=False)
        batch_op.create_index("ix_card_employee_page", ["employee_id", "id"], unique=False)
        batch_op.create_index("ix_card_location_page", ["location_id", "id"], unique=False)
        batch_op.create_index("ix_card_organisation_page", ["organisation_id", "id"], unique=False)
        batch_op.create_index(
            "ix_card_rating_page", ["organisation_id", "rating", "id"], unique=False
        )
        batch_op.create_index(
            "ix_card_status_page", ["organisation_id", "status", "id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_card_assignee_id_user_account"),
            "user_account",
            ["assignee_id"],
            ["id"],
            ondelete="SET NULL",
        )

    op.create_table(
        "tag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("created_at", api.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_tag_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tag")),
        sa.UniqueConstraint("organisation_id", "name", name=op.f("uq_tag_organisation_id")),
    )
    op.create_table(
        "card_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("created_at", api.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["user_account.id"],
            name=op.f("fk_card_note_author_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["card_id"], ["card.id"], name=op.f("fk_card_note_card_id_card"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_card_note_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_note")),
    )
    with op.batch_alter_table("card_note", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_card_note_card_id"), ["card_id"], unique=False)

    op.create_table(
        "card_tag",
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["card_id"], ["card.id"], name=op.f("fk_card_tag_card_id_card"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tag.id"], name=op.f("fk_card_tag_tag_id_tag"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("card_id", "tag_id", name=op.f("pk_card_tag")),
    )
    with op.batch_alter_table("card_tag", schema=None) as batch_op:
        batch_op.create_index("ix_card_tag_tag_card", ["tag_id", "card_id"], unique=False)

    create_search()


def downgrade() -> None:
    drop_search()
    with op.batch_alter_table("card", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_card_assignee_id_user_account"), type_="foreignkey")
        batch_op.drop_index("ix_card_status_page")
        batch_op.drop_index("ix_card_rating_page")
        batch_op.drop_index("ix_card_organisation_page")
        batch_op.drop_index("ix_card_location_page")
        batch_op.drop_index("ix_card_employee_page")
        batch_op.drop_index("ix_card_assignee_page")
        batch_op.create_index(batch_op.f("ix_card_location_id"), ["location_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_card_employee_id"), ["employee_id"], unique=False)
        batch_op.drop_column("assignee_id")

    with op.batch_alter_table("card_tag", schema=None) as batch_op:
        batch_op.drop_index("ix_card_tag_tag_card")

    op.drop_table("card_tag")
    with op.batch_alter_table("card_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_card_note_card_id"))

    op.drop_table("card_note")
    op.drop_table("tag")


# The names are also in api.db.SEARCH_OBJECTS, which keeps them out of schema comparisons.
SQLITE_SEARCH = (
    "CREATE VIRTUAL TABLE card_fts USING fts5(comment, content='card', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER card_fts_insert AFTER INSERT ON card BEGIN "
    "INSERT INTO card_fts(rowid, comment) VALUES (new.id, new.comment); END",
    "CREATE TRIGGER card_fts_delete AFTER DELETE ON card BEGIN "
    "INSERT INTO card_fts(card_fts, rowid, comment) VALUES ('delete', old.id, old.comment); END",
    "CREATE TRIGGER card_fts_update AFTER UPDATE OF comment ON card BEGIN "
    "INSERT INTO card_fts(card_fts, rowid, comment) VALUES ('delete', old.id, old.comment); "
    "INSERT INTO card_fts(rowid, comment) VALUES (new.id, new.comment); END",
    "INSERT INTO card_fts(card_fts) VALUES ('rebuild')",
)
POSTGRES_SEARCH = (
    "CREATE INDEX ix_card_comment_search ON card USING gin (to_tsvector('simple', comment))",
)


def create_search() -> None:
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_SEARCH if dialect == "sqlite" else POSTGRES_SEARCH:
        op.execute(statement)


def drop_search() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("card_fts_insert", "card_fts_delete", "card_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS card_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_card_comment_search")
