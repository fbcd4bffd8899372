"""The quick start's reader (store/sqlite_file.py): the newest posts of the workspace's SQLite file read with the
standard library, exactly as the store reads them, and only from a file at this version's schema."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from scrm_desktop.core.rules import Rule, parse_actions
from scrm_desktop.listening.api import PostIn
from scrm_desktop.store.revisions import migration_heads
from scrm_desktop.store.sqlite_file import FIRST_PAGE_MAX, FirstPage
from scrm_desktop.workspace import Workspace

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
TEXTS = ["Acme refund still not here", "Acme laptop is great", "Corvex refund came fast", "nothing to see"]


def rich_workspace(basedir) -> Workspace:  # type: ignore[no-untyped-def]
    """Posts with topics, rule tags, a case with an assignee, a VIP author, read and unread, same-second ties."""
    ws = Workspace.open(str(basedir))
    ws.topics.add("Acme", "brand", "acme")
    ws.rules.save(Rule("refunds", "refund", parse_actions("tag: refund\ntag: money")))
    posts = [
        PostIn("mastodon", f"p{i}", f"{TEXTS[i % 4]} {i}", NOW - timedelta(minutes=300 - i // 2), author_handle=f"a{i}")
        for i in range(260)
    ]
    posts.append(PostIn("rss", "anon", "no author at all", NOW, url="https://blog.example/1"))
    ws.ingestor.ingest(posts)
    newest = ws.db.posts.page(limit=10)
    case = ws.cases.open_from_post(newest[1].id, "lead")
    ws.cases.assign(case.id, "lead", "sam")
    ws.rules.set_vip(newest[2].author_id)
    ws.db.posts.mark_read([newest[3].id])
    return ws


def test_the_first_page_is_the_stores_first_page(basedir) -> None:  # type: ignore[no-untyped-def]
    ws = rich_workspace(basedir)
    try:
        reader = FirstPage.open_if_current(ws.paths.database_file, migration_heads())
        assert reader is not None
        for limit in (1, 100, FIRST_PAGE_MAX):
            assert reader.page(limit) == ws.db.posts.page(limit=limit)
        cleared = ws.db.posts.page(limit=50)[-1].created_at  # a cleared column hides what it held then
        assert reader.page(100, newer_than=cleared) == ws.db.posts.page(limit=100, newer_than=cleared)
        assert reader.latest_id() == ws.db.posts.latest_id()
        page = reader.page(100)
        assert any(p.tags == ("refund", "money") for p in page) and any(p.topics == ("Acme",) for p in page)
        assert any(p.assignee == "sam" for p in page) and any(p.author_vip for p in page)
        assert any(p.is_read for p in page) and any(p.author_handle == "" for p in page)
    finally:
        ws.close()


def test_a_page_is_bounded(basedir) -> None:  # type: ignore[no-untyped-def]
    ws = rich_workspace(basedir)
    try:
        reader = FirstPage(ws.paths.database_file)
        assert len(reader.page(10_000)) == FIRST_PAGE_MAX
    finally:
        ws.close()


def test_only_a_file_at_this_versions_schema_is_read(basedir, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert FirstPage.open_if_current(tmp_path / "none.db", migration_heads()) is None  # a first start
    ws = Workspace.open(str(basedir))
    ws.close()
    database = ws.paths.database_file
    assert FirstPage.open_if_current(database, migration_heads()) is not None
    assert FirstPage.open_if_current(database, ()) is None  # the migration files could not be read: no guess
    with sqlite3.connect(database) as conn:  # an older file (an upgrade to run) or a newer version's
        conn.execute("UPDATE alembic_version SET version_num = '9999_newer'")
    assert FirstPage.open_if_current(database, migration_heads()) is None
    database.write_bytes(b"\0garbage" * 4096)  # a damaged file: the usual open says so
    for extra in database.parent.glob("scrm.db-*"):
        extra.unlink()
    assert FirstPage.open_if_current(database, migration_heads()) is None


def test_reading_changes_nothing(basedir) -> None:  # type: ignore[no-untyped-def]
    ws = rich_workspace(basedir)
    ws.close()
    reader = FirstPage(ws.paths.database_file)
    with reader._connect() as conn, pytest.raises(sqlite3.OperationalError, match="readonly"):
        conn.execute("DELETE FROM posts")
