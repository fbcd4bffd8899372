"""Initial schema: sources, authors, posts (+ full-text index), hourly rollups.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SQLITE_FTS = [
    "CREATE VIRTUAL TABLE posts_fts USING fts5(title, text, content='posts', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER posts_fts_ai AFTER INSERT ON posts BEGIN "
    "INSERT INTO posts_fts(rowid, title, text) VALUES (new.id, new.title, new.text); END",
    "CREATE TRIGGER posts_fts_ad AFTER DELETE ON posts BEGIN "
    "INSERT INTO posts_fts(posts_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text); END",
    "CREATE TRIGGER posts_fts_au AFTER UPDATE OF title, text ON posts BEGIN "
    "INSERT INTO posts_fts(posts_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text); "
    "INSERT INTO posts_fts(rowid, title, text) VALUES (new.id, new.title, new.text); END",
]
POSTGRES_FTS = [
    "ALTER TABLE posts ADD COLUMN search tsvector GENERATED ALWAYS AS "
    "(to_tsvector('simple', coalesce(title, '') || ' ' || text)) STORED",
    "CREATE INDEX ix_posts_search ON posts USING gin (search)",
]


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("plugin", sa.String(100), nullable=False),
        sa.Column("config", sa.JSON, nullable=False),
        sa.Column("interval_s", sa.Integer, nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("cursor", sa.JSON, nullable=False),
        sa.Column("last_run_at", sa.DateTime),
        sa.Column("last_success_at", sa.DateTime),
        sa.Column("last_error", sa.Text),
        sa.Column("last_error_at", sa.DateTime),
        sa.Column("next_run_at", sa.DateTime),
        sa.Column("items_last_run", sa.Integer, nullable=False),
        sa.Column("items_total", sa.Integer, nullable=False),
        sa.Column("consecutive_failures", sa.Integer, nullable=False),
        sa.Column("disabled_reason", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_sources"),
        sa.UniqueConstraint("name", name="uq_sources_name"),
    )
    op.create_table(
        "authors",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("channel", sa.String(50), nullable=False),
        sa.Column("handle", sa.String(300), nullable=False),
        sa.Column("display_name", sa.String(300), nullable=False),
        sa.Column("followers", sa.Integer),
        sa.Column("first_seen", sa.DateTime, nullable=False),
        sa.Column("last_seen", sa.DateTime, nullable=False),
        sa.Column("post_count", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_authors"),
        sa.UniqueConstraint("channel", "handle", name="uq_authors_channel_handle"),
    )
    op.create_table(
        "posts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source_id", sa.Integer),
        sa.Column("channel", sa.String(50), nullable=False),
        sa.Column("external_id", sa.String(500), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("author_id", sa.Integer),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("lang", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("ingested_at", sa.DateTime, nullable=False),
        sa.Column("sentiment", sa.Float, nullable=False),
        sa.Column("sentiment_label", sa.String(10), nullable=False),
        sa.Column("sentiment_reasons", sa.JSON, nullable=False),
        sa.Column("reply_to", sa.String(500), nullable=False),
        sa.Column("thread_id", sa.String(500), nullable=False),
        sa.Column("likes", sa.Integer),
        sa.Column("reposts", sa.Integer),
        sa.Column("replies", sa.Integer),
        sa.Column("is_read", sa.Boolean, nullable=False),
        sa.Column("extra", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_posts"),
        sa.UniqueConstraint("channel", "external_id", name="uq_posts_channel_external_id"),
        sa.ForeignKeyConstraint(["source_id"], ["sources.id"], name="fk_posts_source_id_sources", ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["author_id"], ["authors.id"], name="fk_posts_author_id_authors"),
    )
    op.create_index("ix_posts_created_id", "posts", ["created_at", "id"])
    op.create_index("ix_posts_author", "posts", ["author_id"])
    op.create_index("ix_posts_source", "posts", ["source_id"])
    op.create_table(
        "rollup_hourly",
        sa.Column("bucket", sa.DateTime, nullable=False),
        sa.Column("channel", sa.String(50), nullable=False),
        sa.Column("sentiment_label", sa.String(10), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("bucket", "channel", "sentiment_label", name="pk_rollup_hourly"),
    )
    fts = SQLITE_FTS if op.get_bind().dialect.name == "sqlite" else POSTGRES_FTS
    for statement in fts:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("posts_fts_ai", "posts_fts_ad", "posts_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS posts_fts")
    for table in ("rollup_hourly", "posts", "authors", "sources"):
        op.drop_table(table)
