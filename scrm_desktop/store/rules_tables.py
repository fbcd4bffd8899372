"""Tables of business rules and classification: rules, the hits they leave on posts, agents' corrections,
and per-author flags (VIP)."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Table, Text

from scrm_desktop.store.tables import metadata

rules = Table(
    "rules",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("position", Integer, nullable=False),  # rules run in ascending position
    Column("enabled", Boolean, nullable=False, default=True),
    Column("query", Text, nullable=False, default=""),
    Column("min_followers", Integer),
    Column("vip_only", Boolean, nullable=False, default=False),
    Column("advocate_only", Boolean, nullable=False, default=False),  # migration 0009
    Column("min_prior_negative", Integer),
    Column("stop", Boolean, nullable=False, default=False),
    Column("actions", JSON, nullable=False, default=list),  # [{"kind": "tag", "value": "urgent"}, ...]
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

# One row per action a rule took on a post, in firing order (seq). Cases, alerts and notifications read
# their actions from here; rule_name is kept so a deleted rule's history still reads.
rule_hits = Table(
    "rule_hits",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("post_id", Integer, ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    Column("rule_id", Integer, ForeignKey("rules.id", ondelete="SET NULL")),
    Column("rule_name", String(200), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("action", String(20), nullable=False),
    Column("value", Text, nullable=False, default=""),
    Column("created_at", DateTime, nullable=False),
    Index("ix_rule_hits_post", "post_id"),
    Index("ix_rule_hits_action", "action", "id"),
)

# An agent's correction of the automatic trait, intent or lead; the automatic value is kept beside it.
classification_corrections = Table(
    "classification_corrections",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("post_id", Integer, ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    Column("field", String(20), nullable=False),  # trait | intent | lead (value "yes" or "")
    Column("auto_value", String(20), nullable=False, default=""),
    Column("value", String(20), nullable=False, default=""),
    Column("agent", String(200), nullable=False, default=""),
    Column("created_at", DateTime, nullable=False),
    Index("ix_classification_corrections_post", "post_id"),
)

author_flags = Table(
    "author_flags",
    metadata,
    Column("author_id", Integer, ForeignKey("authors.id", ondelete="CASCADE"), primary_key=True),
    Column("vip", Boolean, nullable=False, default=False),
    Column("note", Text, nullable=False, default=""),
    Column("advocate", Boolean, nullable=False, default=False),  # kept current by store/customers.py (0009)
)
