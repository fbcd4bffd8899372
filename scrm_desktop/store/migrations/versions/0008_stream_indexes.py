"""Indexes for stream columns on big archives: a channel column pages by (channel, created_at, id).

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_posts_channel_created_id", "posts", ["channel", "created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_posts_channel_created_id", "posts")
