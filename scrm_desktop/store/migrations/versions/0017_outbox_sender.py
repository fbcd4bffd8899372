"""The outbox remembers which process is sending a reply (`outbox.sender`: host, pid and the process's start
time), so a desktop that starts while another desktop or the `listen` service is mid-send does not flag that
reply "unknown, check": only a reply whose sender is gone (its process ended, or a remote sender's lease ran out)
is stranded.

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("sender", sa.String(200), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("sender")
