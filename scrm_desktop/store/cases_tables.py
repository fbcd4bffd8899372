"""Tables of the agent workflow: cases, their history, presence markers, incidents, drafts and the outbox."""

from __future__ import annotations

from sqlalchemy import JSON, Column, DateTime, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint

from scrm_desktop.store.tables import metadata

incidents = Table(
    "incidents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("title", Text, nullable=False),
    Column("severity", Integer, nullable=False, default=1),  # crisis level 1-5
    Column("status", String(20), nullable=False, default="open"),  # open | monitoring | resolved
    Column("root_cause", Text, nullable=False, default=""),
    Column("status_url", Text, nullable=False, default=""),
    # phrases people use for it, one a line (0018): a new case whose post says one joins the incident by itself
    Column("keywords", Text, nullable=False, server_default=""),
    Column("created_by", String(200), nullable=False, default=""),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("resolved_at", DateTime),
)

cases = Table(
    "cases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("post_id", Integer, ForeignKey("posts.id", ondelete="SET NULL")),
    Column("channel", String(50), nullable=False),
    Column("author_handle", String(300), nullable=False, default=""),
    Column("author_name", String(300), nullable=False, default=""),
    Column("subject", Text, nullable=False, default=""),
    Column("status", String(20), nullable=False, default="new"),
    Column("priority", Integer, nullable=False, default=3),  # 1 urgent .. 4 low
    Column("scope", String(10), nullable=False, default=""),  # micro | macro | ""
    Column("assignee", String(200), nullable=False, default=""),
    # the claim is a lease: it lapses after inactivity so a case is never stuck with an absent agent
    Column("claimed_by", String(200)),
    Column("lease_expires", DateTime),
    # bumped by every change a reply depends on; a draft started on an older version is stale
    Column("version", Integer, nullable=False, default=1),
    Column("incident_id", Integer, ForeignKey("incidents.id", ondelete="SET NULL")),
    Column("decision", JSON, nullable=False, default=dict),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("sla_due", DateTime, nullable=False),
    Column("first_response_at", DateTime),
    Column("resolved_at", DateTime),
    Column("closed_at", DateTime),
    Column("snoozed_until", DateTime),  # out of the queues until then (a snoozed case keeps its status)
    Column("resolution", String(40), nullable=False, server_default=""),  # the outcome it was resolved with
    UniqueConstraint("post_id"),
    Index("ix_cases_status_due", "status", "sla_due"),
    Index("ix_cases_claimed", "claimed_by"),
)

# the agents of a team database: a stable id per desktop profile and a display name nobody else uses, so a
# claim by name is always one desktop's
agents = Table(
    "agents",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("last_seen", DateTime, nullable=False),
    UniqueConstraint("name", name="uq_agents_name"),
)

# more posts of one matter added to its case (the case's own post stays cases.post_id)
case_posts = Table(
    "case_posts",
    metadata,
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("post_id", Integer, ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("added_by", String(200), nullable=False, server_default=""),
    Column("added_at", DateTime, nullable=False),
    Index("ix_case_posts_post", "post_id"),
)

case_events = Table(
    "case_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("actor", String(200), nullable=False, default=""),
    Column("kind", String(40), nullable=False),
    Column("detail", JSON, nullable=False, default=dict),
    Index("ix_case_events_case", "case_id", "id"),
)

presence = Table(
    "case_presence",
    metadata,
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("agent", String(200), primary_key=True),
    Column("activity", String(20), primary_key=True),  # viewing | replying
    Column("expires_at", DateTime, nullable=False),
)

drafts = Table(
    "reply_drafts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("agent", String(200), nullable=False),
    Column("text", Text, nullable=False, default=""),
    Column("template_id", String(100), nullable=False, default=""),
    Column("base_version", Integer, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    UniqueConstraint("case_id", "agent"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="SET NULL")),
    Column("incident_id", Integer, ForeignKey("incidents.id", ondelete="SET NULL")),
    Column("channel", String(50), nullable=False),
    Column("source_name", String(200), nullable=False, default=""),
    Column("in_reply_to", String(500), nullable=False, default=""),
    Column("reply_url", Text, nullable=False, default=""),  # the post's own link, for the manual step
    Column("text", Text, nullable=False),
    Column("extra", JSON, nullable=False, default=dict),
    # stored before the first send; the plugin passes it on so a retry never posts twice
    Column("idempotency_key", String(100), nullable=False, unique=True),
    Column("state", String(20), nullable=False),  # queued|sending|sent|failed|manual|needs_check
    Column("attempts", Integer, nullable=False, default=0),
    # who is sending it now ("host/pid/start"): recover() strands only a reply whose sender is gone
    Column("sender", String(200), nullable=False, default="", server_default=""),
    Column("next_attempt_at", DateTime),
    Column("last_error", Text, nullable=False, default=""),
    Column("created_by", String(200), nullable=False, default=""),
    Column("template_id", String(100), nullable=False, default=""),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("sent_at", DateTime),
    Column("external_id", String(500), nullable=False, default=""),
    Column("external_url", Text, nullable=False, default=""),
    Index("ix_outbox_state_next", "state", "next_attempt_at"),
)
