"""The posts repository on a real temp SQLite database: one-transaction batches, dedupe, rollups, paging."""

from __future__ import annotations

import random
import sqlite3
from collections import Counter
from datetime import datetime, timedelta

import pytest
from sqlalchemy import delete, func, select

from scrm_desktop.store.database import Database
from scrm_desktop.store.posts import NewPost, hour_bucket
from scrm_desktop.store.tables import posts, rollup_hourly

T0 = datetime(2026, 11, 20, 9, 0, 0)


@pytest.fixture
def db(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'scrm.db'}")
    yield database
    database.close()


def make(n: int, *, start: int = 0, channel: str = "mastodon", minutes: int = 7) -> list[NewPost]:
    labels = ("positive", "negative", "neutral")
    return [
        NewPost(
            channel=channel,
            external_id=f"x{i}",
            text=f"post number {i} about refunds" if i % 2 else f"post number {i} about laptops",
            created_at=T0 + timedelta(minutes=minutes * i),
            author_handle=f"user{i % 5}",
            author_name=f"User {i % 5}",
            author_followers=100 * (i % 5),
            sentiment_label=labels[i % 3],
        )
        for i in range(start, start + n)
    ]


def test_batch_is_stored_once_and_duplicates_are_skipped(db):
    first = db.posts.write_batch(make(50), now=T0)
    again = db.posts.write_batch(make(60), now=T0)
    assert (first.inserted, first.skipped) == (50, 0)
    assert (again.inserted, again.skipped) == (10, 50)
    assert db.posts.count() == 60


def test_same_external_id_on_two_channels_are_two_posts(db):
    db.posts.write_batch(make(3, channel="reddit") + make(3, channel="bluesky"), now=T0)
    assert db.posts.count() == 6


def test_authors_are_shared_and_counted(db):
    db.posts.write_batch(make(20), now=T0)
    page = db.posts.page(limit=100)
    by_author = Counter(p.author_handle for p in page)
    assert set(by_author) == {f"user{i}" for i in range(5)}
    with db.engine.connect() as conn:
        counts = dict(conn.exec_driver_sql("select handle, post_count from authors").all())
    assert counts == dict(by_author)


def test_cursor_is_saved_with_the_posts(db):
    src = db.sources.add("S", "demo", {}, 60, now=T0)
    db.posts.write_batch(make(5), now=T0, source_id=src.id, cursor={"until": "x5"})
    saved = db.sources.get("S")
    assert saved.cursor == {"until": "x5"}
    assert saved.items_total == 5


def test_keyset_pages_walk_every_post_once_newest_first(db):
    db.posts.write_batch(make(250), now=T0)
    seen, before = [], None
    while True:
        page = db.posts.page(before=before, limit=40)
        if not page:
            break
        seen.extend(page)
        before = (page[-1].created_at, page[-1].id)
    assert len(seen) == 250 == len({p.id for p in seen})
    keys = [(p.created_at, p.id) for p in seen]
    assert keys == sorted(keys, reverse=True)


def test_full_text_index_follows_the_posts(db):
    db.posts.write_batch(make(10), now=T0)
    with db.engine.connect() as conn:
        hits = conn.exec_driver_sql("select count(*) from posts_fts where posts_fts match 'refunds'").scalar()
    assert hits == 5


def test_rollups_equal_a_direct_count_after_random_ingests_and_deletes(db):
    rng = random.Random(3)
    start = 0
    for _ in range(8):
        n = rng.randint(1, 120)
        batch = make(n, start=start, minutes=rng.choice([1, 13, 61]))
        db.posts.write_batch(batch + batch[: rng.randint(0, n)], now=T0)  # with duplicates
        start += n
    with db.engine.connect() as conn:
        victims = [r[0] for r in conn.execute(select(posts.c.id).order_by(func.random()).limit(40))]
    assert db.posts.delete_posts(victims) == 40
    direct = Counter((hour_bucket(p.created_at), p.channel, p.sentiment_label) for p in db.posts.page(limit=10_000))
    with db.engine.connect() as conn:
        rolled = {(b, c, s): n for b, c, s, n in conn.execute(select(rollup_hourly).where(rollup_hourly.c.count > 0))}
    assert rolled == dict(direct)


def test_mark_read_and_unread_count(db):
    db.posts.write_batch(make(10), now=T0)
    ids = [p.id for p in db.posts.page(limit=4)]
    db.posts.mark_read(ids)
    assert db.posts.unread_count() == 6


def test_a_second_process_sees_committed_posts(db, tmp_path):
    db.posts.write_batch(make(3), now=T0)
    raw = sqlite3.connect(tmp_path / "scrm.db")
    assert raw.execute("select count(*) from posts").fetchone()[0] == 3
    raw.close()
    with db.engine.begin() as conn:
        conn.execute(delete(posts))


def test_a_batch_stores_the_text_a_plain_sqlalchemy_insert_stores(db, tmp_path):
    """The batch write makes each value as the column type would (times, JSON, floats, booleans) without going
    through SQLAlchemy per row: the stored text must be byte for byte what a Core insert of the same post stores."""
    from datetime import UTC

    odd = [
        NewPost(
            channel="rss",
            external_id=f"odd{i}",
            text=f'Café × {i} 🙂 "q" \\ back',
            created_at=when,
            author_handle=f"a{i}",
            sentiment=sentiment,
            sentiment_reasons=reasons,
            extra=extra,
            is_lead=bool(i % 2),
            classification={"trait_confidence": 0.1 + i / 3, "cues": ["naïve", None, True, 1e-7]},
        )
        for i, (when, sentiment, reasons, extra) in enumerate(
            [
                (datetime(2026, 1, 2, 3, 4, 5), 0, [], {}),
                (datetime(2026, 1, 2, 3, 4, 5, 120), -0.5, ({"cue": "outage (×2)", "weight": -0.3804},), {}),
                (datetime(999, 12, 31, 23, 59, 59, 999999), 1, [], {"nested": {"k": [1, 2.5, None]}, "ß": "ü"}),
                (datetime(2026, 5, 6, 7, 8, 9, tzinfo=UTC), 0.25, [{"cue": "x", "weight": 1}], {"a": []}),
            ]
        )
    ]
    now = datetime(2026, 11, 20, 9, 30, 0, 5)
    db.posts.write_batch(odd, now=now)
    plain = Database(f"sqlite:///{tmp_path / 'plain.db'}")
    with plain.engine.begin() as conn:
        for p in odd:
            conn.execute(
                posts.insert().values(
                    channel=p.channel,
                    external_id=p.external_id,
                    text=p.text,
                    created_at=p.created_at,
                    ingested_at=now,
                    sentiment=p.sentiment,
                    sentiment_reasons=list(p.sentiment_reasons),
                    extra=dict(p.extra),
                    is_lead=p.is_lead,
                    classification=dict(p.classification),
                )
            )
    plain.close()
    cols = "created_at, ingested_at, sentiment, typeof(sentiment), sentiment_reasons, extra, is_lead, classification"

    def stored(file):
        with sqlite3.connect(file) as con:
            return con.execute(f"SELECT external_id, {cols} FROM posts ORDER BY external_id").fetchall()

    batch = stored(tmp_path / "scrm.db")
    assert batch == stored(tmp_path / "plain.db")
    assert batch[0][1] == "2026-01-02 03:04:05.000000" and batch[0][4] == "real"  # 0 stored as 0.0, as Float does
