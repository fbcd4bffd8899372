"""Tables of what business rules did besides their hits: the alerts they raised (shown beside spike alerts)."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint

from scrm_desktop.store.rules_tables import rule_hits
from scrm_desktop.store.tables import metadata

# One alert per post and rule (a rule with two `alert` actions joins their messages), raised in the same
# transaction as the post, so a re-ingested or half-written batch can never raise it twice.
rule_alerts = Table(
    "rule_alerts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("post_id", Integer, ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    Column("rule_id", Integer, ForeignKey("rules.id", ondelete="SET NULL")),
    Column("rule_name", String(200), nullable=False),
    Column("message", Text, nullable=False, default=""),
    Column("created_at", DateTime, nullable=False),
    Column("acknowledged_by", String(200)),
    Column("acknowledged_at", DateTime),
    UniqueConstraint("post_id", "rule_name"),
    Index("ix_rule_alerts_created", "created_at"),
)

# Rule tags answer `tag:` in stream queries (store.query_sql); declared here with the migration that adds it.
Index("ix_rule_hits_action_value", rule_hits.c.action, rule_hits.c.value)
