"""Customer records and the channel profiles (authors) an agent linked to them."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Table, Text

from scrm_desktop.store.tables import metadata

customers = Table(
    "customers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(300), nullable=False),
    Column("email", String(300), nullable=False, default=""),
    Column("note", Text, nullable=False, default=""),
    Column("created_at", DateTime, nullable=False),
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
