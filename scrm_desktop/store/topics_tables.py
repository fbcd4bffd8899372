"""Tables for topics (brand, competitors, free topics), post tags, per-topic hourly rollups and spike alerts."""

from __future__ import annotations

from sqlalchemy import JSON, Column, DateTime, Float, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint

from scrm_desktop.store.tables import metadata

KINDS = ("brand", "competitor", "topic")

topics = Table(
    "topics",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("kind", String(20), nullable=False),  # brand | competitor | topic
    Column("query", Text, nullable=False),
    Column("color", String(20), nullable=False, default=""),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

# A post's topics. bucket/channel/sentiment_label are copied from the post so the rollup can be kept exact by a
# trigger when a tag goes away (a post deleted by any path cascades here).
post_topics = Table(
    "post_topics",
    metadata,
    Column("post_id", Integer, ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("topic_id", Integer, ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True),
    Column("bucket", DateTime, nullable=False),
    Column("channel", String(50), nullable=False),
    Column("sentiment_label", String(10), nullable=False),
    Index("ix_post_topics_topic_bucket", "topic_id", "bucket"),
)

rollup_topic_hourly = Table(
    "rollup_topic_hourly",
    metadata,
    Column("topic_id", Integer, ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True),
    Column("bucket", DateTime, primary_key=True),
    Column("channel", String(50), primary_key=True),
    Column("sentiment_label", String(10), primary_key=True),
    Column("count", Integer, nullable=False, default=0),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("topic_id", Integer, ForeignKey("topics.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(20), nullable=False),  # volume | negative
    Column("window_start", DateTime, nullable=False),
    Column("window_end", DateTime, nullable=False),
    Column("value", Integer, nullable=False),
    Column("baseline", Float, nullable=False),
    Column("threshold", Float, nullable=False),
    Column("top_terms", JSON, nullable=False, default=list),
    Column("example_post_ids", JSON, nullable=False, default=list),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("acknowledged_by", String(200)),
    Column("acknowledged_at", DateTime),
    UniqueConstraint("topic_id", "kind", "window_start"),
    Index("ix_alerts_created", "created_at"),
)
