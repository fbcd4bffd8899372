"""Agent workflow: incidents, cases, case_events, case_presence, reply_drafts and the outbox.

Revision ID: 0004
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None


def _now_columns() -> list[sa.Column]:
    return [sa.Column("created_at", sa.DateTime, nullable=False), sa.Column("updated_at", sa.DateTime, nullable=False)]


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("severity", sa.Integer, nullable=False, server_default="1"),
        sa.Column("status", sa.String(20), nullable=False, server_default="open"),
        sa.Column("root_cause", sa.Text, nullable=False, server_default=""),
        sa.Column("status_url", sa.Text, nullable=False, server_default=""),
        sa.Column("created_by", sa.String(200), nullable=False, server_default=""),
        *_now_columns(),
        sa.Column("resolved_at", sa.DateTime),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("post_id", sa.Integer, sa.ForeignKey("posts.id", ondelete="SET NULL")),
        sa.Column("channel", sa.String(50), nullable=False),
        sa.Column("author_handle", sa.String(300), nullable=False, server_default=""),
        sa.Column("author_name", sa.String(300), nullable=False, server_default=""),
        sa.Column("subject", sa.Text, nullable=False, server_default=""),
        sa.Column("status", sa.String(20), nullable=False, server_default="new"),
        sa.Column("priority", sa.Integer, nullable=False, server_default="3"),
        sa.Column("scope", sa.String(10), nullable=False, server_default=""),
        sa.Column("assignee", sa.String(200), nullable=False, server_default=""),
        sa.Column("claimed_by", sa.String(200)),
        sa.Column("lease_expires", sa.DateTime),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("incident_id", sa.Integer, sa.ForeignKey("incidents.id", ondelete="SET NULL")),
        sa.Column("decision", sa.JSON, nullable=False, server_default="{}"),
        *_now_columns(),
        sa.Column("sla_due", sa.DateTime, nullable=False),
        sa.Column("first_response_at", sa.DateTime),
        sa.Column("resolved_at", sa.DateTime),
        sa.Column("closed_at", sa.DateTime),
        sa.UniqueConstraint("post_id", name="uq_cases_post_id"),
    )
    op.create_index("ix_cases_status_due", "cases", ["status", "sla_due"])
    op.create_index("ix_cases_claimed", "cases", ["claimed_by"])
    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False, server_default=""),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("detail", sa.JSON, nullable=False, server_default="{}"),
    )
    op.create_index("ix_case_events_case", "case_events", ["case_id", "id"])
    op.create_table(
        "case_presence",
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("agent", sa.String(200), primary_key=True),
        sa.Column("activity", sa.String(20), primary_key=True),
        sa.Column("expires_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "reply_drafts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("agent", sa.String(200), nullable=False),
        sa.Column("text", sa.Text, nullable=False, server_default=""),
        sa.Column("template_id", sa.String(100), nullable=False, server_default=""),
        sa.Column("base_version", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("case_id", "agent", name="uq_reply_drafts_case_id_agent"),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="SET NULL")),
        sa.Column("incident_id", sa.Integer, sa.ForeignKey("incidents.id", ondelete="SET NULL")),
        sa.Column("channel", sa.String(50), nullable=False),
        sa.Column("source_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("in_reply_to", sa.String(500), nullable=False, server_default=""),
        sa.Column("reply_url", sa.Text, nullable=False, server_default=""),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("extra", sa.JSON, nullable=False, server_default="{}"),
        sa.Column("idempotency_key", sa.String(100), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime),
        sa.Column("last_error", sa.Text, nullable=False, server_default=""),
        sa.Column("created_by", sa.String(200), nullable=False, server_default=""),
        sa.Column("template_id", sa.String(100), nullable=False, server_default=""),
        *_now_columns(),
        sa.Column("sent_at", sa.DateTime),
        sa.Column("external_id", sa.String(500), nullable=False, server_default=""),
        sa.Column("external_url", sa.Text, nullable=False, server_default=""),
        sa.UniqueConstraint("idempotency_key", name="uq_outbox_idempotency_key"),
    )
    op.create_index("ix_outbox_state_next", "outbox", ["state", "next_attempt_at"])


def downgrade() -> None:
    for name in ("outbox", "reply_drafts", "case_presence", "case_events", "cases", "incidents"):
        op.drop_table(name)
