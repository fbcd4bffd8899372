"""Unread counts on big archives: a partial index holding only unread posts, in stream order.

A column's unread count reads this index (capped at COUNT_CAP rows) instead of every post of the archive.
SQLite and PostgreSQL both support partial indexes; `posts` is never batch-altered (that drops the FTS triggers).

Revision ID: 0013
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_posts_unread",
        "posts",
        ["created_at", "id"],
        sqlite_where=sa.text("is_read = 0"),
        postgresql_where=sa.text("is_read = false"),
    )


def downgrade() -> None:
    op.drop_index("ix_posts_unread", "posts")
