"""The agent's loop: who the agents are (a stable id per desktop profile, a display name unique on the team
database), cases that wait until a time (snooze) and close with an outcome, and more posts added to one case.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agents",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("last_seen", sa.DateTime, nullable=False),
        sa.UniqueConstraint("name", name="uq_agents_name"),
    )
    op.add_column("cases", sa.Column("snoozed_until", sa.DateTime))
    op.add_column("cases", sa.Column("resolution", sa.String(40), nullable=False, server_default=""))
    op.create_table(
        "case_posts",
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("post_id", sa.Integer, sa.ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("added_by", sa.String(200), nullable=False, server_default=""),
        sa.Column("added_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_case_posts_post", "case_posts", ["post_id"])


def downgrade() -> None:
    op.drop_index("ix_case_posts_post", "case_posts")
    op.drop_table("case_posts")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("resolution")
        batch.drop_column("snoozed_until")
    op.drop_table("agents")
