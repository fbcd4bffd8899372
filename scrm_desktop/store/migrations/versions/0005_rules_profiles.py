"""Business rules and their hits, classification corrections, author flags (VIP), customers and their links.

Revision ID: 0005
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rules",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("query", sa.Text, nullable=False, server_default=""),
        sa.Column("min_followers", sa.Integer),
        sa.Column("vip_only", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("min_prior_negative", sa.Integer),
        sa.Column("stop", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("actions", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "rule_hits",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("post_id", sa.Integer, sa.ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("rule_id", sa.Integer, sa.ForeignKey("rules.id", ondelete="SET NULL")),
        sa.Column("rule_name", sa.String(200), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("value", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_rule_hits_post", "rule_hits", ["post_id"])
    op.create_index("ix_rule_hits_action", "rule_hits", ["action", "id"])
    op.create_table(
        "classification_corrections",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("post_id", sa.Integer, sa.ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("field", sa.String(20), nullable=False),
        sa.Column("auto_value", sa.String(20), nullable=False, server_default=""),
        sa.Column("value", sa.String(20), nullable=False, server_default=""),
        sa.Column("agent", sa.String(200), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_classification_corrections_post", "classification_corrections", ["post_id"])
    op.create_table(
        "author_flags",
        sa.Column("author_id", sa.Integer, sa.ForeignKey("authors.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("vip", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
    )
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("email", sa.String(300), nullable=False, server_default=""),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "customer_links",
        sa.Column("author_id", sa.Integer, sa.ForeignKey("authors.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("customer_id", sa.Integer, sa.ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("linked_by", sa.String(200), nullable=False, server_default=""),
        sa.Column("linked_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_customer_links_customer_id", "customer_links", ["customer_id"])


def downgrade() -> None:
    for name in ("customer_links", "customers", "author_flags", "classification_corrections", "rule_hits", "rules"):
        op.drop_table(name)
