"""The database tables (SQLAlchemy Core). docs/schema.md documents them for users; migrations create them."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

sources = Table(
    "sources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("plugin", String(100), nullable=False),
    Column("config", JSON, nullable=False, default=dict),
    Column("interval_s", Integer, nullable=False),
    Column("enabled", Boolean, nullable=False, default=True),
    Column("created_at", DateTime, nullable=False),
    # the plugin's cursor, saved in the same transaction as the posts it led to
    Column("cursor", JSON, nullable=False, default=dict),
    # health
    Column("last_run_at", DateTime),
    Column("last_success_at", DateTime),
    Column("last_error", Text),
    Column("last_error_at", DateTime),
    Column("next_run_at", DateTime),
    Column("items_last_run", Integer, nullable=False, default=0),
    Column("items_total", Integer, nullable=False, default=0),
    Column("consecutive_failures", Integer, nullable=False, default=0),
    Column("disabled_reason", Text),
)

authors = Table(
    "authors",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("channel", String(50), nullable=False),
    Column("handle", String(300), nullable=False),
    Column("display_name", String(300), nullable=False, default=""),
    Column("followers", Integer),
    Column("first_seen", DateTime, nullable=False),
    Column("last_seen", DateTime, nullable=False),
    Column("post_count", Integer, nullable=False, default=0),
    # profile extras a plugin may give (post extra author_email / author_bio / author_url), migration 0009
    Column("email", String(300), nullable=False, default=""),
    Column("bio", Text, nullable=False, default=""),
    Column("profile_url", Text, nullable=False, default=""),
    UniqueConstraint("channel", "handle"),
)

posts = Table(
    "posts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source_id", Integer, ForeignKey("sources.id", ondelete="SET NULL")),
    Column("channel", String(50), nullable=False),
    Column("external_id", String(500), nullable=False),
    Column("url", Text, nullable=False, default=""),
    Column("author_id", Integer, ForeignKey("authors.id")),
    Column("title", Text, nullable=False, default=""),
    Column("text", Text, nullable=False),
    Column("lang", String(20), nullable=False, default=""),
    Column("created_at", DateTime, nullable=False),
    Column("ingested_at", DateTime, nullable=False),
    Column("sentiment", Float, nullable=False, default=0.0),
    Column("sentiment_label", String(10), nullable=False, default="neutral"),
    Column("sentiment_reasons", JSON, nullable=False, default=list),
    Column("reply_to", String(500), nullable=False, default=""),
    Column("thread_id", String(500), nullable=False, default=""),
    Column("likes", Integer),
    Column("reposts", Integer),
    Column("replies", Integer),
    Column("is_read", Boolean, nullable=False, default=False),
    Column("extra", JSON, nullable=False, default=dict),
    # classification at ingest (migration 0002); `classification` holds the cues behind trait/intent/lead
    Column("trait", String(20), nullable=False, default=""),
    Column("intent", String(20), nullable=False, default=""),
    Column("is_lead", Boolean, nullable=False, default=False),
    Column("classification", JSON, nullable=False, default=dict),
    UniqueConstraint("channel", "external_id"),
    Index("ix_posts_created_id", "created_at", "id"),
    Index("ix_posts_channel_created_id", "channel", "created_at", "id"),
    # an author's posts by time, with the columns the advocates stage counts: it reads the index alone (0019)
    Index("ix_posts_author_activity", "author_id", "created_at", "sentiment_label", "reply_to"),
    Index("ix_posts_source", "source_id"),
    # only unread posts (migration 0013): unread counts read this, never the whole archive; its PostgreSQL form is
    # attached by use_postgresql() (naming a dialect's option here imports that dialect on every SQLite desktop)
    Index("ix_posts_unread", "created_at", "id", sqlite_where=text("is_read = 0")),
    Index("ix_posts_trait", "trait"),  # migration 0002
    Index("ix_posts_intent", "intent"),
)


def use_postgresql() -> None:
    """Give the tables their PostgreSQL-only options (engine.open_engine calls it when it opens a PostgreSQL URL,
    so the dialect is imported only by the desktops that use it)."""
    unread = next(i for i in posts.indexes if i.name == "ix_posts_unread")
    unread.dialect_options["postgresql"]["where"] = text("is_read = false")


# Hourly counts kept current at ingest so charts never scan posts.
rollup_hourly = Table(
    "rollup_hourly",
    metadata,
    Column("bucket", DateTime, primary_key=True),
    Column("channel", String(50), primary_key=True),
    Column("sentiment_label", String(10), primary_key=True),
    Column("count", Integer, nullable=False, default=0),
)

# Agents' sentiment corrections (migration 0006): kept, shown, and learned from for future posts.
sentiment_corrections = Table(
    "sentiment_corrections",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("post_id", Integer, ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    Column("text", Text, nullable=False),
    Column("old_label", String(10), nullable=False),
    Column("new_label", String(10), nullable=False),
    Column("agent", String(200), nullable=False, default=""),
    Column("created_at", DateTime, nullable=False),
    Index("ix_sentiment_corrections_post", "post_id"),
)
