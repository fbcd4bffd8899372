"""Which (channel, external_id) keys are stored already: the pipeline skips those posts before it spends time
scoring them (pollers fetch overlapping windows, so many fetched posts are ones we have)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine, select

from scrm_desktop.store.bulk import sqlite_in
from scrm_desktop.store.tables import posts

CHUNK = 400  # keys per query (bound parameters stay well under SQLite's limit)


def keys_by_channel(keys: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    """Each channel's distinct external ids among `keys`, sorted (the unique index's order, for its seeks). Sorted
    per channel: a sort of the (channel, external_id) pairs compares tuples, three times as long at 100,000."""
    by_channel: dict[str, set[str]] = {}
    for channel, external_id in keys:
        by_channel.setdefault(channel, set()).add(external_id)
    return {channel: sorted(ids) for channel, ids in sorted(by_channel.items())}


def stored_keys(engine: Engine, keys: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
    """The keys among `keys` that posts already holds. `channel = ? AND external_id IN (...)` seeks the unique
    index; SQLite would scan all of it for a row-value IN over (channel, external_id)."""
    by_channel = keys_by_channel(keys)
    found: set[tuple[str, str]] = set()
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":  # the driver's own statement: no SQL built per chunk
            for channel, ids in by_channel.items():
                sql = "SELECT external_id FROM posts WHERE channel = ? AND external_id"
                found.update((channel, e) for (e,) in sqlite_in(conn, sql, channel, ids))
            return found
        for channel, ids in by_channel.items():
            for i in range(0, len(ids), CHUNK):
                stmt = select(posts.c.external_id).where(
                    posts.c.channel == channel, posts.c.external_id.in_(ids[i : i + CHUNK])
                )
                found.update((channel, e) for e in conn.execute(stmt).scalars())
    return found
