"""Rule actions that act: alerts raised by business rules (cases, tags, leads and priorities use existing tables).

Revision ID: 0010
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rule_alerts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("post_id", sa.Integer, sa.ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("rule_id", sa.Integer, sa.ForeignKey("rules.id", ondelete="SET NULL")),
        sa.Column("rule_name", sa.String(200), nullable=False),
        sa.Column("message", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("acknowledged_by", sa.String(200)),
        sa.Column("acknowledged_at", sa.DateTime),
        sa.UniqueConstraint("post_id", "rule_name", name="uq_rule_alerts_post_id_rule_name"),
    )
    op.create_index("ix_rule_alerts_created", "rule_alerts", ["created_at"])
    # rule tags answer `tag:` in stream queries; status:/assignee: go through cases.post_id (unique already)
    op.create_index("ix_rule_hits_action_value", "rule_hits", ["action", "value"])


def downgrade() -> None:
    op.drop_index("ix_rule_hits_action_value", "rule_hits")
    op.drop_index("ix_rule_alerts_created", "rule_alerts")
    op.drop_table("rule_alerts")
