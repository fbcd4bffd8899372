"""Merge the second session's branches (customers, rule actions, stream read indexes) into one head.

Revision ID: 0014
Revises: 0009, 0010, 0013
"""

revision = "0014"
down_revision = ("0009", "0010", "0013")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
