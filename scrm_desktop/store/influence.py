"""Influencers and advocates over a period (store side): authors' activity summed in one grouped query, the
example posts behind each ranking, CSV export, and the advocate flag on authors kept current."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, and_, case, func, insert, select, true, update

from scrm_desktop.core.influence import (
    CSV_HEADER,
    Activity,
    Ranked,
    csv_rows,
    is_advocate,
    rank_advocates,
    rank_influencers,
)
from scrm_desktop.store.batch import StoredBatch
from scrm_desktop.store.bulk import sqlite_datetime, sqlite_in
from scrm_desktop.store.engine import writer
from scrm_desktop.store.rules_tables import author_flags
from scrm_desktop.store.tables import authors, posts

ADVOCATE_DAYS = 90  # the period the advocate flag looks back over
EXAMPLES = 3


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _positive() -> Any:
    return case((posts.c.sentiment_label == "positive", 1), else_=0)


def _unprompted_positive() -> Any:
    return case((and_(posts.c.sentiment_label == "positive", posts.c.reply_to == ""), 1), else_=0)


def _activity_select(since: datetime, until: datetime | None = None, authors_in: Sequence[int] = ()) -> Any:
    eng = func.coalesce(posts.c.likes, 0) + func.coalesce(posts.c.reposts, 0) + func.coalesce(posts.c.replies, 0)
    per_author = (
        select(
            posts.c.author_id.label("author_id"),
            func.count().label("n"),
            func.sum(_positive()).label("pos"),
            func.sum(case((posts.c.sentiment_label == "negative", 1), else_=0)).label("neg"),
            func.sum(_unprompted_positive()).label("upos"),
            func.sum(eng).label("eng"),
        )
        .where(posts.c.created_at >= since, posts.c.author_id.is_not(None))
        .group_by(posts.c.author_id)
    )
    if until is not None:
        per_author = per_author.where(posts.c.created_at < until)
    if authors_in:
        per_author = per_author.where(posts.c.author_id.in_(list(authors_in)))
    sub = per_author.subquery()
    return (
        select(
            sub, authors.c.channel, authors.c.handle, authors.c.display_name, authors.c.followers, author_flags.c.vip
        )
        .join(authors, authors.c.id == sub.c.author_id)
        .outerjoin(author_flags, author_flags.c.author_id == sub.c.author_id)
    )


def _to_activity(r: Any) -> Activity:
    return Activity(
        author_id=r.author_id,
        channel=r.channel,
        handle=r.handle,
        display_name=r.display_name or "",
        followers=int(r.followers or 0),
        posts=int(r.n),
        positive=int(r.pos or 0),
        negative=int(r.neg or 0),
        unprompted_positive=int(r.upos or 0),
        engagement=int(r.eng or 0),
        vip=bool(r.vip),
    )


class InfluenceRepo:
    def __init__(self, engine: Engine, clock: Callable[[], datetime] = _utcnow) -> None:
        self._engine = engine
        self._clock = clock

    def activity(self, days: int, until: datetime | None = None) -> list[Activity]:
        """Every author who posted in the last `days` days (scans that period's posts: run it off the GUI thread)."""
        end = until or self._clock()
        stmt = _activity_select(end - timedelta(days=days), until)
        with self._engine.connect() as conn:
            return [_to_activity(r) for r in conn.execute(stmt)]

    def influencers(self, days: int = 30, limit: int = 100) -> list[Ranked]:
        ranked = rank_influencers(self.activity(days), limit)
        return self._with_examples(ranked, days, advocates=False)

    def advocates(self, days: int = 30, limit: int = 100) -> list[Ranked]:
        ranked = rank_advocates(self.activity(days), limit)
        return self._with_examples(ranked, days, advocates=True)

    def _with_examples(self, ranked: list[Ranked], days: int, *, advocates: bool) -> list[Ranked]:
        since = self._clock() - timedelta(days=days)
        out = []
        with self._engine.connect() as conn:
            for r in ranked:
                stmt = select(posts.c.id).where(posts.c.author_id == r.activity.author_id, posts.c.created_at >= since)
                if advocates:
                    stmt = stmt.where(posts.c.sentiment_label == "positive", posts.c.reply_to == "")
                    stmt = stmt.order_by(posts.c.created_at.desc(), posts.c.id.desc())
                else:
                    eng = (
                        func.coalesce(posts.c.likes, 0)
                        + func.coalesce(posts.c.reposts, 0)
                        + func.coalesce(posts.c.replies, 0)
                    )
                    stmt = stmt.order_by(eng.desc(), posts.c.id.desc())
                ids = tuple(conn.execute(stmt.limit(EXAMPLES)).scalars())
                out.append(Ranked(r.activity, r.score, ids))
        return out

    def export_csv(self, kind: str, days: int, path: str | Path, limit: int = 1000) -> int:
        """Write the influencer or advocate list to a CSV file; returns the number of rows."""
        if kind not in ("influencers", "advocates"):
            raise ValueError("kind must be influencers or advocates")
        ranked = self.influencers(days, limit) if kind == "influencers" else self.advocates(days, limit)
        write_csv(ranked, path)
        return len(ranked)

    # ---- the advocate flag ------------------------------------------------------------------------------------
    def refresh_advocates(self, days: int = ADVOCATE_DAYS) -> int:
        """Recompute author_flags.advocate for every author from the last `days` days; returns how many are."""
        acts = self.activity(days)
        chosen = {a.author_id for a in acts if is_advocate(a)}
        with writer(self._engine).begin() as conn:
            current = set(
                conn.execute(select(author_flags.c.author_id).where(author_flags.c.advocate == true())).scalars()
            )
            self._set(conn, chosen - current, True)
            self._set(conn, current - chosen, False)
        return len(chosen)

    def update_advocates(self, batch: StoredBatch) -> None:
        """Post stage: re-check the flag of the authors it can change for: those with new unprompted praise (may
        turn on) and flagged authors with any new post (may turn off). One grouped query on their posts of the
        last 90 days, by the author index. Authors whose praise ages out are cleared by refresh_advocates()."""
        conn = batch.conn
        ids = self._praised_or_flagged(batch)
        if not ids:
            return
        since = self._clock() - timedelta(days=ADVOCATE_DAYS)
        ordered = sorted(ids)
        if conn.dialect.name == "sqlite":
            chosen, current = self._advocacy_sqlite(conn, ordered, since)
            self._set(conn, chosen - current, True)
            self._set(conn, current - chosen, False)
            return
        chosen: set[int] = set()
        for i in range(0, len(ordered), 900):
            chunk = ordered[i : i + 900]
            acts = [_to_activity(r) for r in conn.execute(_activity_select(since, authors_in=chunk))]
            chosen |= {a.author_id for a in acts if is_advocate(a)}
        current = set()
        for i in range(0, len(ordered), 900):
            stmt = select(author_flags.c.author_id).where(
                author_flags.c.author_id.in_(ordered[i : i + 900]), author_flags.c.advocate == true()
            )
            current |= set(conn.execute(stmt).scalars())
        self._set(conn, chosen - current, True)
        self._set(conn, current - chosen, False)

    @staticmethod
    def _advocacy_sqlite(conn: Connection, ordered: Sequence[int], since: datetime) -> tuple[set[int], set[int]]:
        """(the authors among `ordered` who are advocates over the posts since `since`, those flagged now): the
        query of _activity_select narrowed to the counts `is_advocate` reads, as the driver's own statements (no
        SQL built per author, no row objects)."""
        counts = sqlite_in(
            conn,
            "SELECT author_id, count(*), sum(sentiment_label = 'positive'), "
            "sum(sentiment_label = 'positive' AND reply_to = '') FROM posts WHERE created_at >= ? AND author_id",
            sqlite_datetime(since),
            ordered,
            tail=" GROUP BY author_id",
        )
        chosen = {
            author
            for author, n, pos, upos in counts
            if is_advocate(Activity(author, "", "", "", 0, int(n), int(pos or 0), 0, int(upos or 0), 0))
        }
        flagged = sqlite_in(conn, "SELECT author_id FROM author_flags WHERE advocate = ? AND author_id", 1, ordered)
        return chosen, {author for (author,) in flagged}

    def _praised_or_flagged(self, batch: StoredBatch) -> set[int]:
        """Authors of the batch's unprompted praise, and its authors flagged as advocates (read through the
        author ids the store knows, or from the posts when it does not say)."""
        conn = batch.conn
        if not batch.author_ids:
            praise = [pid for pid, p in batch if p.sentiment_label == "positive" and not p.reply_to]
            flagged = (
                select(posts.c.author_id)
                .join(author_flags, author_flags.c.author_id == posts.c.author_id)
                .where(author_flags.c.advocate == true())
            )
            return self._authors_of(conn, praise) | self._authors_of(conn, list(batch.ids), flagged)
        found: set[int] = set()
        for (_, p), author in zip(batch, batch.author_ids, strict=True):
            if author is not None and p.sentiment_label == "positive" and not p.reply_to:
                found.add(author)
        authors = sorted({a for a in batch.author_ids if a is not None})
        if conn.dialect.name == "sqlite":
            sql = "SELECT author_id FROM author_flags WHERE advocate = ? AND author_id"
            found.update(author for (author,) in sqlite_in(conn, sql, 1, authors))
            return found
        for i in range(0, len(authors), 900):
            stmt = select(author_flags.c.author_id).where(
                author_flags.c.advocate == true(), author_flags.c.author_id.in_(authors[i : i + 900])
            )
            found.update(conn.execute(stmt).scalars())
        return found

    @staticmethod
    def _authors_of(conn: Connection, post_ids: Sequence[int], base: Any = None) -> set[int]:
        found: set[int] = set()
        stmt = base if base is not None else select(posts.c.author_id)
        for i in range(0, len(post_ids), 900):
            chunk = stmt.where(posts.c.id.in_(post_ids[i : i + 900]), posts.c.author_id.is_not(None))
            found.update(conn.execute(chunk).scalars())
        return found

    @staticmethod
    def _set(conn: Connection, ids: Iterable[int], value: bool) -> None:
        ids = sorted(ids)
        if not ids:
            return
        have = set(conn.execute(select(author_flags.c.author_id).where(author_flags.c.author_id.in_(ids))).scalars())
        if have:
            conn.execute(update(author_flags).where(author_flags.c.author_id.in_(sorted(have))).values(advocate=value))
        new = [{"author_id": i, "vip": False, "note": "", "advocate": value} for i in ids if i not in have]
        if new:
            conn.execute(insert(author_flags), new)

    def advocate_ids(self) -> set[int]:
        with self._engine.connect() as conn:
            return set(
                conn.execute(select(author_flags.c.author_id).where(author_flags.c.advocate == true())).scalars()
            )


def write_csv(ranked: Iterable[Ranked], path: str | Path) -> None:
    with Path(path).open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(CSV_HEADER)
        out.writerows(csv_rows(ranked))
