"""Agents' sentiment corrections.

Revision ID: 0006
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sentiment_corrections",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("post_id", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("old_label", sa.String(10), nullable=False),
        sa.Column("new_label", sa.String(10), nullable=False),
        sa.Column("agent", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sentiment_corrections"),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name="fk_sentiment_corrections_post_id_posts", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_sentiment_corrections_post", "sentiment_corrections", ["post_id"])


def downgrade() -> None:
    op.drop_table("sentiment_corrections")
