"""Customer records and the channel profiles (authors) an agent linked to them."""

from __future__ import annotations

from sqlalchemy import JSON, Column, DateTime, ForeignKey, Index, Integer, String, Table, Text

from scrm_desktop.store.tables import metadata

customers = Table(
    "customers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(300), nullable=False),
    Column("email", String(300), nullable=False, default=""),
    Column("note", Text, nullable=False, default=""),
    Column("created_at", DateTime, nullable=False),
    # migration 0009
    Column("phone", String(100), nullable=False, default=""),
    Column("tier", String(20), nullable=False, default=""),  # "" or "vip"
    Column("tags", JSON, nullable=False, default=list),
    Column("updated_at", DateTime),
)

# A profile belongs to at most one customer; links are made by hand (suggestions are only suggestions).
customer_links = Table(
    "customer_links",
    metadata,
    Column("author_id", Integer, ForeignKey("authors.id", ondelete="CASCADE"), primary_key=True),
    Column("customer_id", Integer, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("linked_by", String(200), nullable=False, default=""),
    Column("linked_at", DateTime, nullable=False),
)

# Who linked, unlinked, edited or imported what, and when (migration 0009): the audit trail of a record.
customer_events = Table(
    "customer_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("customer_id", Integer, ForeignKey("customers.id", ondelete="SET NULL")),
    Column("author_id", Integer, ForeignKey("authors.id", ondelete="SET NULL")),
    Column("kind", String(20), nullable=False),  # create | edit | link | unlink | import | delete
    Column("actor", String(200), nullable=False, default=""),
    Column("detail", Text, nullable=False, default=""),
    Column("created_at", DateTime, nullable=False),
    Index("ix_customer_events_customer", "customer_id", "id"),
)

# Suggested links a person dismissed (author_a < author_b), so they are not offered again.
customer_dismissals = Table(
    "customer_dismissals",
    metadata,
    Column("author_a", Integer, ForeignKey("authors.id", ondelete="CASCADE"), primary_key=True),
    Column("author_b", Integer, ForeignKey("authors.id", ondelete="CASCADE"), primary_key=True),
    Column("actor", String(200), nullable=False, default=""),
    Column("created_at", DateTime, nullable=False),
)
