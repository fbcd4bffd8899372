"""Which (channel, external_id) keys are stored already: the pipeline skips those posts before it spends time
scoring them (pollers fetch overlapping windows, so many fetched posts are ones we have)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine, select, tuple_

from scrm_desktop.store.tables import posts

CHUNK = 400  # keys per query (bound parameters stay well under SQLite's limit)


def stored_keys(engine: Engine, keys: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
    """The keys among `keys` that posts already holds (one indexed lookup per chunk, on the unique key)."""
    wanted = sorted(set(keys))
    found: set[tuple[str, str]] = set()
    with engine.connect() as conn:
        for i in range(0, len(wanted), CHUNK):
            chunk = wanted[i : i + CHUNK]
            stmt = select(posts.c.channel, posts.c.external_id).where(
                tuple_(posts.c.channel, posts.c.external_id).in_(chunk)
            )
            found.update((c, e) for c, e in conn.execute(stmt))
    return found
