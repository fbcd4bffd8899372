"""Compare a migrated database with the tables the code declares (every store module's tables)."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

import scrm_desktop.store
from scrm_desktop.store.tables import metadata

# Kept out of the declared tables on purpose: SQLite's FTS5 index (a virtual table and its shadow tables, made by
# raw SQL in migration 0001) and PostgreSQL's generated tsvector column with its GIN index.
INTENTIONAL = ("posts_fts", "ix_posts_search", "'search'")


def _declare_all() -> None:
    for mod in pkgutil.iter_modules(scrm_desktop.store.__path__):
        if mod.name != "migrations":
            importlib.import_module(f"scrm_desktop.store.{mod.name}")


def schema_diff(engine: Engine) -> list[Any]:
    """What autogenerate would change to make the database match the code; [] when they agree."""
    _declare_all()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    return [d for d in diff if not any(word in repr(d) for word in INTENTIONAL)]
