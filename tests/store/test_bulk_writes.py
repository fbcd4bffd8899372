"""The batched write (store/bulk.py) on both databases: on PostgreSQL each column travels as one array, so every
awkward value (quotes, braces, backslashes, NULLs, JSON lists) must come back exactly as SQLite keeps it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from scrm_desktop.store.posts import NewPost
from scrm_desktop.store.tables import authors, posts
from scrm_desktop.store.topics import TopicRepo
from scrm_desktop.workspace import Workspace

NOW = datetime(2025, 3, 1, 12, 0)
AWKWARD = 'a "quoted" {brace}, a back\\slash, NULL, an émoji 🎉 and a\nnewline'
REASONS = [{"cue": AWKWARD, "weight": -0.5, "kind": "word"}, {"cue": "{}", "weight": None, "kind": "x"}]


@pytest.fixture(params=["sqlite", "postgresql"])
def ws(request: pytest.FixtureRequest, basedir: Path) -> Iterator[Workspace]:
    url = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    workspace = Workspace.open(str(basedir), db_url=url)
    yield workspace
    workspace.close()


def post(n: int, **kw: object) -> NewPost:
    fields: dict = {
        "channel": "mastodon",
        "external_id": f"m-{n}",
        "text": f"post {n} about refunds",
        "created_at": datetime(2025, 3, 1, 9, n),
        "author_handle": "ann",
        "author_name": "Ann",
    }
    return NewPost(**{**fields, **kw})  # type: ignore[arg-type]


def stored(ws: Workspace, external_id: str) -> dict:
    with ws.db.engine.connect() as conn:
        row = conn.execute(select(posts).where(posts.c.external_id == external_id)).one()
    return dict(row._mapping)


def test_awkward_values_and_json_come_back_exactly(ws: Workspace) -> None:
    odd = post(
        1,
        text=AWKWARD,
        title="{x,y}",
        sentiment=-0.5,
        sentiment_label="negative",
        sentiment_reasons=REASONS,
        extra={"edited_at": "", "list": [1, [2, None]], "quote": '"'},
        classification={"trait": ["venting"]},
        likes=None,
        author_followers=None,
    )
    report = ws.db.posts.write_batch([odd, post(2, likes=7, reposts=0)], now=NOW)
    assert report.inserted == 2 and report.skipped == 0
    row = stored(ws, "m-1")
    assert (row["text"], row["title"], row["likes"], row["is_read"]) == (AWKWARD, "{x,y}", None, False)
    assert row["sentiment_reasons"] == REASONS
    assert row["extra"] == {"edited_at": "", "list": [1, [2, None]], "quote": '"'}
    assert row["classification"] == {"trait": ["venting"]}
    assert row["created_at"] == datetime(2025, 3, 1, 9, 1) and row["ingested_at"] == NOW
    assert (stored(ws, "m-2")["likes"], stored(ws, "m-2")["reposts"]) == (7, 0)
    assert [p.external_id for p in ws.db.posts.page(limit=10)] == ["m-2", "m-1"]


def test_duplicates_in_the_batch_and_already_stored_are_skipped(ws: Workspace) -> None:
    first = ws.db.posts.write_batch([post(1), post(2)], now=NOW)
    again = ws.db.posts.write_batch([post(2), post(3), post(3, text="a copy"), post(4)], now=NOW)
    assert (first.inserted, again.inserted, again.skipped) == (2, 2, 2)
    assert again.first_id is not None and again.last_id is not None and again.first_id > first.last_id
    assert ws.db.posts.count() == 4
    assert stored(ws, "m-3")["text"] == "post 3 about refunds"


def test_authors_merge_across_batches(ws: Workspace) -> None:
    ws.db.posts.write_batch([post(5, author_followers=10), post(1)], now=NOW)
    ws.db.posts.write_batch([post(9, author_name="", author_followers=None), post(0, author_name="Ann B")], now=NOW)
    with ws.db.engine.connect() as conn:
        (row,) = conn.execute(select(authors)).all()
    # the newest post's name wins (an empty one never erases it), followers are kept when a post has none
    assert (row.display_name, row.followers, row.post_count) == ("Ann", 10, 4)
    assert (row.first_seen, row.last_seen) == (datetime(2025, 3, 1, 9, 0), datetime(2025, 3, 1, 9, 9))


def test_rollups_and_topic_tags_count_each_new_post_once(ws: Workspace) -> None:
    repo = TopicRepo(ws.db.engine, clock=lambda: NOW)
    topic = repo.add("Refunds", "topic", "refunds")
    batch = [post(1), post(2, sentiment_label="negative"), post(3, text="nothing to see")]
    ws.db.posts.write_batch(batch, now=NOW, hooks=[repo.tag_posts])
    ws.db.posts.write_batch([*batch, post(4, channel="reddit", external_id="r-4")], now=NOW, hooks=[repo.tag_posts])
    assert ws.db.posts.rollup_counts(datetime(2025, 3, 1)) == {"neutral": 3, "negative": 1}
    counts = repo.counts(datetime(2025, 3, 1), datetime(2025, 3, 2), topic_id=topic.id)
    assert sorted((ch, label, n) for _, ch, label, n in counts) == [
        ("mastodon", "negative", 1),
        ("mastodon", "neutral", 1),
        ("reddit", "neutral", 1),
    ]
    assert [p.topics for p in ws.db.posts.page(limit=10)] == [("Refunds",), (), ("Refunds",), ("Refunds",)]
