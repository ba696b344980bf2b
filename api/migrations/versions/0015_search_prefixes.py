"""search: accents folded on PostgreSQL too

Revision ID: 0015
Revises: 0014

The inbox search finds the start of a word ("sou" finds "soup") and ignores accents ("creme" finds
"crème") on both engines. SQLite's FTS5 table already folds accents (remove_diacritics); PostgreSQL
gets a text search configuration that passes each word through unaccent (a trusted extension: the
database's owner may create it), and the comment's index is rebuilt with it.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WORDS = "asciiword, asciihword, hword_asciipart, word, hword, hword_part"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    op.execute("CREATE TEXT SEARCH CONFIGURATION tellus_search (COPY = simple)")
    op.execute(
        f"ALTER TEXT SEARCH CONFIGURATION tellus_search ALTER MAPPING FOR {WORDS} "
        "WITH unaccent, simple"
    )
    op.execute("DROP INDEX IF EXISTS ix_card_comment_search")
    op.execute(
        "CREATE INDEX ix_card_comment_search ON card "
        "USING gin (to_tsvector('tellus_search', comment))"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_card_comment_search")
    op.execute(
        "CREATE INDEX ix_card_comment_search ON card USING gin (to_tsvector('simple', comment))"
    )
    op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS tellus_search")
