"""Incident keywords: the phrases people use for an incident ("no-show", "didn't show up"), one a line; a new case
whose post says one (or shares the title's words) is linked to the running incident by itself.

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("incidents", sa.Column("keywords", sa.Text, nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("keywords")
