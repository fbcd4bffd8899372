"""Stream reads that stay cheap on big archives, on a real temp SQLite database: capped unread counts, live
checks that read only new rows (full text included), full-text pages planned from the time index."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from scrm_desktop.core.query import parse
from scrm_desktop.store import COUNT_CAP
from scrm_desktop.store import posts as posts_module
from scrm_desktop.store.database import Database
from scrm_desktop.store.posts import NewPost
from scrm_desktop.store.query_sql import to_sql

T0 = datetime(2026, 11, 20, 9, 0, 0)


@pytest.fixture
def db(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'scrm.db'}")
    yield database
    database.close()


def write(db: Database, texts: list[str], *, start: int = 0, author: str = "ann") -> None:
    batch = [
        NewPost("mastodon", f"x{start + i}", t, T0 + timedelta(minutes=start + i), author_handle=author)
        for i, t in enumerate(texts)
    ]
    db.posts.write_batch(batch, now=T0)


def where(text: str):
    return to_sql(parse(text))


def test_unread_counts_stop_at_the_cap(db):
    write(db, [f"post {i}" for i in range(COUNT_CAP + 200)])
    assert db.posts.unread_count() == COUNT_CAP + 200
    assert db.posts.unread_count(cap=COUNT_CAP) == COUNT_CAP
    db.posts.mark_read([p.id for p in db.posts.page(limit=1000)])
    assert db.posts.unread_count(cap=COUNT_CAP) == 200


def test_the_unread_index_is_what_a_capped_count_reads(db):
    with db.engine.connect() as conn:
        plan = " ".join(
            str(r[-1])
            for r in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT count(*) FROM (SELECT 1 FROM posts WHERE posts.is_read = 0 LIMIT 1000)"
            )
        )
    assert "ix_posts_unread" in plan


def test_a_live_check_of_a_keyword_column_brings_only_new_matching_posts(db):
    write(db, ["an old refund", "old and late refund", "nothing here"])
    after = db.posts.latest_id()
    write(db, ["a new refund", "new refund but late", "new and unrelated"], start=10)
    assert [p.text for p in db.posts.since(after, where("refund"))] == ["new refund but late", "a new refund"]
    assert [p.text for p in db.posts.since(after, where("refund -late"))] == ["a new refund"]
    assert [p.text for p in db.posts.since(after, where("-refund"))] == ["new and unrelated"]
    assert [p.text for p in db.posts.since(after, where("late OR unrelated"))] == [
        "new and unrelated",
        "new refund but late",
    ]


def test_newer_than_hides_what_a_cleared_column_held(db):
    write(db, ["refund one", "refund two", "refund three"])
    cut = T0 + timedelta(minutes=1)
    assert [p.text for p in db.posts.page(where("refund"), newer_than=cut)] == ["refund three"]
    assert [p.text for p in db.posts.since(0, where("refund"), newer_than=cut)] == ["refund three"]
    assert db.posts.unread_count(where("refund"), newer_than=cut) == 1


@pytest.mark.parametrize("query", ["refund", "refund -late", "refund OR late", "channel:mastodon refund"])
def test_full_text_pages_are_the_same_whichever_way_they_are_planned(db, monkeypatch, query):
    texts = [("refund " if i % 3 else "") + ("late " if i % 4 == 0 else "") + f"post {i}" for i in range(120)]
    write(db, texts)

    def every_page() -> list[int]:
        got, before = [], None
        while page := db.posts.page(where(query), before=before, limit=7):
            got += [p.id for p in page]
            before = (page[-1].created_at, page[-1].id)
        return got

    by_matches = every_page()  # few matches: SQLite reads them and sorts
    monkeypatch.setattr(posts_module, "RARE_MATCHES", 3)
    by_time_index = every_page()  # many matches: the (created_at, id) index is walked newest first
    assert by_time_index == by_matches and len(by_matches) == db.posts.count(where(query))


def test_author_history_counts_the_authors_posts_and_lists_the_latest(db):
    write(db, ["first", "second", "third"], author="ann")
    write(db, ["someone else"], start=10, author="bob")
    ann = db.posts.page(where("author:ann"), limit=1)[0]
    history = db.posts.author_history(ann.author_id, limit=2)
    assert history.post_count == 3 and [p.text for p in history.recent] == ["third", "second"]
    assert db.posts.author_history(None).post_count == 0
