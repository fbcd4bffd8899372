"""Store paths that differ by database, run on both: the batched write (store/bulk.py: on PostgreSQL each column
travels as one array, so every awkward value must come back exactly as SQLite keeps it) and full-text pages
(store/text_pages.py: on PostgreSQL a bounded walk, a longer one, then every match sorted)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from scrm_desktop.core.post import Post
from scrm_desktop.core.query import parse
from scrm_desktop.store.posts import NewPost
from scrm_desktop.store.query_sql import to_sql
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
    ws.db.posts.write_batch(batch, now=NOW, stages=[repo.stage()])
    ws.db.posts.write_batch([*batch, post(4, channel="reddit", external_id="r-4")], now=NOW, stages=[repo.stage()])
    assert ws.db.posts.rollup_counts(datetime(2025, 3, 1)) == {"neutral": 3, "negative": 1}
    counts = repo.counts(datetime(2025, 3, 1), datetime(2025, 3, 2), topic_id=topic.id)
    assert sorted((ch, label, n) for _, ch, label, n in counts) == [
        ("mastodon", "negative", 1),
        ("mastodon", "neutral", 1),
        ("reddit", "neutral", 1),
    ]
    assert [p.topics for p in ws.db.posts.page(limit=10)] == [("Refunds",), (), ("Refunds",), ("Refunds",)]


# ---- full-text pages -------------------------------------------------------------------------------------------
def archive(ws: Workspace) -> list[NewPost]:
    """300 posts, several per minute (equal times: id breaks ties): "update" in all, "late refund" in every
    40th, "outage" in the 5 oldest only, a phrase only in every 150th."""
    start = datetime(2025, 1, 1)
    batch = []
    for i in range(300):
        words = ["update"]
        words += ["late", "refund"] if i % 40 == 7 else []
        words += ["outage"] if i < 5 else []
        words += ["router", "reboot"] if i % 150 == 149 else ["reboot"] if i % 3 == 0 else []
        channel = "reddit" if i % 2 else "mastodon"
        created = start + timedelta(minutes=i // 3)
        batch.append(post(0, text=" ".join(words), channel=channel, external_id=f"x-{i}", created_at=created))
    ws.db.posts.write_batch(batch, now=NOW)
    return batch


def every_page(ws: Workspace, query: str, limit: int, newer_than: datetime | None = None) -> list[str]:
    where, pages, before = to_sql(parse(query), ws.db.dialect), [], None
    while page := ws.db.posts.page(where, before=before, limit=limit, newer_than=newer_than):
        pages += [p.external_id for p in page]
        before = (page[-1].created_at, page[-1].id)
    return pages


@pytest.mark.parametrize(
    "query",
    ["update", "late refund", "outage", '"router reboot"', "reboot channel:reddit", "reboot -refund", "outage OR late"],
)
def test_full_text_pages_list_every_match_newest_first_whatever_its_density(ws: Workspace, query: str) -> None:
    batch = archive(ws)
    expected = [p.external_id for p in reversed(batch) if parse(query).matches(_as_post(p))]
    assert every_page(ws, query, limit=2) == expected  # pages of 2: walks of 200 posts, then 600, then a sort
    assert every_page(ws, query, limit=100) == expected
    cleared = datetime(2025, 1, 1, 1, 0)  # a cleared column keeps posts created after that time only
    newer = [e for e in expected if next(p for p in batch if p.external_id == e).created_at > cleared]
    assert every_page(ws, query, limit=3, newer_than=cleared) == newer


def _as_post(p: NewPost) -> Post:
    return Post(0, p.channel, p.external_id, p.text, p.created_at)
