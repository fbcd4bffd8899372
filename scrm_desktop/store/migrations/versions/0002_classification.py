"""Classification columns on posts: trait, intent, is_lead and the cues behind them.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMN (no table rebuild): a rebuild would drop the full-text triggers on SQLite
    op.add_column("posts", sa.Column("trait", sa.String(20), nullable=False, server_default=""))
    op.add_column("posts", sa.Column("intent", sa.String(20), nullable=False, server_default=""))
    op.add_column("posts", sa.Column("is_lead", sa.Boolean, nullable=False, server_default=sa.false()))
    op.add_column("posts", sa.Column("classification", sa.JSON, nullable=False, server_default="{}"))
    op.create_index("ix_posts_intent", "posts", ["intent"])
    op.create_index("ix_posts_trait", "posts", ["trait"])


def downgrade() -> None:
    op.drop_index("ix_posts_trait", "posts")
    op.drop_index("ix_posts_intent", "posts")
    with op.batch_alter_table("posts") as batch:
        for name in ("classification", "is_lead", "intent", "trait"):
            batch.drop_column(name)
