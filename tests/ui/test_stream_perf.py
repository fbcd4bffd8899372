"""Streams on big archives as a user notices them: capped unread counts, keyword columns that take only new
matching posts live, reads off the GUI thread, the author card, and the correction row only with a post."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from scrm_desktop.app import build_window
from scrm_desktop.listening.api import PostIn
from scrm_desktop.store import COUNT_CAP
from scrm_desktop.store.posts import NewPost
from scrm_desktop.streams import ColumnSpec
from scrm_desktop.workspace import Workspace
from tests.ui.helpers import settled as runners_idle

NOW = datetime.now(UTC).replace(microsecond=0, tzinfo=None)


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace.open(str(tmp_path / "home"))
    yield workspace
    workspace.close()


@pytest.fixture
def window(qtbot, ws):
    win, bridge = build_window(ws)
    qtbot.addWidget(win)
    win.resize(1900, 900)
    win.show()
    qtbot.waitExposed(win)
    yield win
    bridge.close()


def texts(column) -> list[str]:
    return [column.model.post_at(r).text for r in range(column.model.rowCount())]


def settled(window) -> bool:
    return runners_idle(window) and not any(c.model.busy for c in window.columns)


def post(i: int, text: str, minutes_ago: float = 0, author: str = "someone") -> PostIn:
    return PostIn(
        channel="mastodon",
        external_id=f"p{i}",
        text=text,
        created_at=datetime.now(UTC) - timedelta(minutes=minutes_ago),
        author_handle=author,
    )


def test_an_unread_count_past_the_cap_shows_999_plus(qtbot, ws):
    ws.db.posts.write_batch(
        [NewPost("rss", f"x{i}", f"post {i}", NOW - timedelta(seconds=i)) for i in range(COUNT_CAP + 5)], now=NOW
    )
    win, bridge = build_window(ws)
    qtbot.addWidget(win)
    try:
        first = win.columns[0]
        qtbot.waitUntil(lambda: first.count.text() != "")
        assert first.count.toolTip() == "999+ unread" and first.count.text() in ("999+ unread", "999+")
        ws.db.posts.mark_read([p.id for p in ws.db.posts.page(limit=COUNT_CAP)])
        win.current_board().refresh_counts()
        qtbot.waitUntil(lambda: first.count.toolTip() == "5 unread")
    finally:
        bridge.close()


def test_a_keyword_column_takes_only_new_matching_posts_live(qtbot, window, ws):
    ws.ingestor.ingest([post(1, "an old refund story", minutes_ago=30), post(2, "old news", minutes_ago=29)])
    board = window.current_board()
    refunds = board.add_column(ColumnSpec("Refunds", "refund"))
    qtbot.waitUntil(lambda: texts(refunds) == ["an old refund story"])
    ws.ingestor.ingest(
        [post(3, "refund please", minutes_ago=2), post(4, "laptop is great", minutes_ago=1), post(5, "refund now")]
    )
    qtbot.waitUntil(lambda: len(texts(refunds)) == 3 and settled(window))
    assert texts(refunds) == ["refund now", "refund please", "an old refund story"]


def test_live_posts_are_read_off_the_gui_thread(qtbot, window, ws):
    readers: set[str] = set()
    column = window.columns[0]
    qtbot.waitUntil(lambda: settled(window))  # the first page read: the post comes live, not in that page
    load = column.model._load_since  # the board's loader, wrapped to note the thread it runs on

    def noting(after_id: int):
        readers.add(threading.current_thread().name)
        return load(after_id)

    column.model._load_since = noting
    ws.ingestor.ingest([post(1, "hello")])
    qtbot.waitUntil(lambda: texts(column) == ["hello"])
    assert readers and threading.main_thread().name not in readers


def test_a_failed_read_is_shown_in_the_column(qtbot, window):
    column = window.columns[0]

    def broken(_before, _limit):
        raise RuntimeError("database is locked")

    column.model.set_loaders(broken, lambda after_id: [])
    qtbot.waitUntil(lambda: column.problem.isVisibleTo(column))
    assert "database is locked" in column.problem.text()


def test_the_author_card_says_how_many_posts_we_hold_from_the_author(qtbot, window, ws):
    ws.ingestor.ingest(
        [
            post(1, "first from ann", minutes_ago=3, author="ann"),
            post(2, "second from ann", minutes_ago=2, author="ann"),
            post(3, "third from ann", minutes_ago=1, author="ann"),
            post(4, "from bob", author="bob"),
        ]
    )
    column = window.columns[0]
    qtbot.waitUntil(lambda: column.model.rowCount() == 4)
    row = next(r for r in range(4) if column.model.post_at(r).text == "third from ann")
    column.view.setCurrentIndex(column.model.index(row, 0))
    qtbot.waitUntil(lambda: settled(window))  # the pane reads the author's history in the background
    card = window.detail.author_card
    assert card.isVisibleTo(window.detail)
    assert card.text().startswith("3 posts from this author")
    assert "second from ann" in card.text() and "third from ann" not in card.text()


def test_the_correction_row_shows_only_with_a_post(qtbot, window, ws):
    detail = window.detail
    assert not detail.correct_row.isVisibleTo(detail)
    ws.ingestor.ingest([post(1, "hello there")])
    column = window.columns[0]
    qtbot.waitUntil(lambda: column.model.rowCount() == 1)
    column.view.setCurrentIndex(column.model.index(0, 0))
    assert detail.correct_row.isVisibleTo(detail)
    detail.show_post(None)
    assert not detail.correct_row.isVisibleTo(detail)


def test_clearing_a_column_marks_its_posts_read_off_the_gui_thread(qtbot, window, ws):
    ws.ingestor.ingest([post(i, f"clear me {i}", minutes_ago=5 + i) for i in range(30)])
    column = window.columns[0]
    qtbot.waitUntil(lambda: column.model.rowCount() == 30)
    writers: set[str] = set()
    mark = ws.db.posts.mark_read  # the real store call, wrapped to note the thread it runs on

    def noting(post_ids, read=True):  # type: ignore[no-untyped-def]
        writers.add(threading.current_thread().name)
        return mark(post_ids, read)

    ws.db.posts.mark_read = noting
    column.actions_by_key["clear"].trigger()
    assert "Clearing" in window.message.text()
    qtbot.waitUntil(lambda: settled(window) and "30 marked read" in window.message.text())
    assert writers and threading.main_thread().name not in writers
    assert ws.db.posts.unread_count() == 0 and column.model.rowCount() == 0
