"""Full-text pages on PostgreSQL: the newest matches of a tsquery without walking the whole archive.

PostgreSQL's planner guesses how many posts a tsquery matches from word statistics. Guessing thousands, it
serves `ORDER BY created_at DESC LIMIT 100` by walking the (created_at, id) index newest first and testing each
post, which is right for common words and reads every post of the archive when the words are rare (the default
"Questions & leads" column: 0.97 s on a million posts, for no match at all). So a page is read in up to three steps:

1. the walk, bounded to the newest `WALK_ROWS_PER_ROW * limit` posts (a subquery with its own LIMIT, which the
   planner cannot turn into anything else): as fast as the unbounded walk when matches are common;
2. when those held some matches but not `limit`, the walk again, as long as the density seen says it takes
   (at most MAX_WALK_GROWTH times longer): a phrase's candidates must each be read to check word positions,
   so for a phrase in a post out of 300, walking 30,000 posts beats sorting every match (40 ms, not 180 ms);
3. when the walks found too few: every match, read through the GIN index and sorted. The sort key is an
   expression no index serves, so the planner cannot go back to the walk.

Every step returns the same posts the plain query would; SQLite keeps its own plan (PostRepo._walk_time_index).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, literal_column, select
from sqlalchemy.sql.elements import BinaryExpression
from sqlalchemy.sql.util import ClauseAdapter
from sqlalchemy.sql.visitors import iterate

from scrm_desktop.store.tables import posts

T = TypeVar("T")
WALK_ROWS_PER_ROW = 100  # step 1 looks at 100 posts per row asked for: 10,000 for a page of 100
MAX_WALK_GROWTH = 20  # step 2 looks at 200,000 posts at most (about 0.2 s on a million posts)


def read_page(
    read: Callable[[Select[Any]], list[T]],
    columns: Select[Any],
    where: ColumnElement[bool],
    bounds: Sequence[ColumnElement[bool]],
    limit: int,
) -> list[T]:
    """The newest `limit` posts matching `where` within `bounds`; `read` runs a statement (steps above)."""
    window = WALK_ROWS_PER_ROW * limit
    found = read(bounded_walk(columns, where, bounds, limit, window))
    if 0 < len(found) < limit:
        window = min(window * MAX_WALK_GROWTH, math.ceil(window * limit * 1.5 / len(found)))
        found = read(bounded_walk(columns, where, bounds, limit, window))
    if len(found) < limit:
        found = read(matches_sorted(columns, where, bounds, limit))
    return found


def has_tsquery(where: ColumnElement[bool]) -> bool:
    """Whether the condition holds a PostgreSQL full-text match (`posts.search @@ ...`, see query_sql)."""
    return any(isinstance(e, BinaryExpression) and getattr(e.operator, "opstring", "") == "@@" for e in iterate(where))


def bounded_walk(
    columns: Select[Any], where: ColumnElement[bool], bounds: Sequence[ColumnElement[bool]], limit: int, window: int
) -> Select[Any]:
    """`columns` (a select from `posts` and its joins) over the newest `window` posts within `bounds` only."""
    newest = (posts.c.created_at.desc(), posts.c.id.desc())
    # named "posts", so the columns and the match (literal `posts.search`) read the subquery unchanged
    recent = (
        select(posts, literal_column("posts.search").label("search"))
        .where(*bounds)
        .order_by(*newest)
        .limit(window)
        .subquery("posts")
    )
    inside = ClauseAdapter(recent)
    stmt = inside.traverse(columns).where(inside.traverse(where))
    return stmt.order_by(recent.c.created_at.desc(), recent.c.id.desc()).limit(limit)


def matches_sorted(
    columns: Select[Any], where: ColumnElement[bool], bounds: Sequence[ColumnElement[bool]], limit: int
) -> Select[Any]:
    """Step 3: every match within `bounds`, sorted newest first (the same order as step 1)."""
    unindexed = posts.c.created_at + timedelta(0)
    return columns.where(*bounds, where).order_by(unindexed.desc(), posts.c.id.desc()).limit(limit)
