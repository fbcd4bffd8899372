"""Customers in use: tier and tags on records, an auditable history of links and edits, dismissed suggestions,
profile extras on authors (e-mail, bio, profile URL) and the advocate flag (on authors and as a rule condition).

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("customers", sa.Column("phone", sa.String(100), nullable=False, server_default=""))
    op.add_column("customers", sa.Column("tier", sa.String(20), nullable=False, server_default=""))
    op.add_column("customers", sa.Column("tags", sa.JSON, nullable=False, server_default="[]"))
    op.add_column("customers", sa.Column("updated_at", sa.DateTime))
    op.add_column("authors", sa.Column("email", sa.String(300), nullable=False, server_default=""))
    op.add_column("authors", sa.Column("bio", sa.Text, nullable=False, server_default=""))
    op.add_column("authors", sa.Column("profile_url", sa.Text, nullable=False, server_default=""))
    op.add_column("author_flags", sa.Column("advocate", sa.Boolean, nullable=False, server_default=sa.false()))
    op.add_column("rules", sa.Column("advocate_only", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_table(
        "customer_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("customer_id", sa.Integer, sa.ForeignKey("customers.id", ondelete="SET NULL")),
        sa.Column("author_id", sa.Integer, sa.ForeignKey("authors.id", ondelete="SET NULL")),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False, server_default=""),
        sa.Column("detail", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_customer_events_customer", "customer_events", ["customer_id", "id"])
    op.create_table(
        "customer_dismissals",
        sa.Column("author_a", sa.Integer, sa.ForeignKey("authors.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("author_b", sa.Integer, sa.ForeignKey("authors.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("actor", sa.String(200), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("customer_dismissals")
    op.drop_table("customer_events")
    for table, column in (
        ("rules", "advocate_only"),
        ("author_flags", "advocate"),
        ("authors", "profile_url"),
        ("authors", "bio"),
        ("authors", "email"),
        ("customers", "updated_at"),
        ("customers", "tags"),
        ("customers", "tier"),
        ("customers", "phone"),
    ):
        with op.batch_alter_table(table) as batch:
            batch.drop_column(column)
