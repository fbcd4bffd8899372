"""The app's start (app.start_gui): the window first, then what the first sight of the posts need not wait for."""

from __future__ import annotations

import pytest

from scrm_desktop.app import start_gui
from scrm_desktop.store.backup import list_backups
from scrm_desktop.workspace import Workspace


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace.open(str(tmp_path), demo=True)
    yield workspace
    workspace.close()


def test_once_the_window_has_painted_listening_starts_and_the_days_backup_is_made(qtbot, ws) -> None:
    window, bridge = start_gui(ws)
    qtbot.addWidget(window)
    try:
        assert window.isVisible()
        # the demo source runs and its posts reach the first column
        qtbot.waitUntil(lambda: window.columns[0].model.rowCount() > 0, timeout=30_000)
        assert ws.scheduler.running
        qtbot.waitUntil(lambda: len(list_backups(ws.database_file)) == 1, timeout=30_000)  # on a worker
        dialog = window.first_start_dialog  # no agent name yet: "your name" is asked, without blocking
        assert dialog is not None and dialog.isVisible()
    finally:
        bridge.close()
        ws.close()


def test_what_follows_the_first_paint_runs_even_when_the_window_is_never_painted(qtbot) -> None:
    """A window started minimised (or on another desktop) is not painted: listening must start all the same."""
    from PySide6.QtWidgets import QWidget

    from scrm_desktop.ui.first_paint import FirstPaint

    hidden = QWidget()  # never shown, so never painted
    qtbot.addWidget(hidden)
    ran = []
    hidden.first_paint = FirstPaint(hidden, lambda: ran.append("started"))
    qtbot.waitUntil(lambda: ran == ["started"], timeout=FirstPaint.LATEST_MS + 10_000)
    hidden.show()  # painted at last: nothing runs a second time
    qtbot.waitExposed(hidden)
    assert ran == ["started"]


def test_a_quick_start_shows_the_stores_newest_posts_then_opens_the_database_and_starts_the_rest(
    qtbot, tmp_path
) -> None:
    """A workspace used before, opened as the GUI opens it (`quick`): the first column shows the very posts the
    store would, read before the database is opened; once they are on screen the database opens (off the GUI
    thread) and what waits for the first sight starts: listening, the day's backup, the "your name" check."""
    from datetime import UTC, datetime, timedelta

    from scrm_desktop.listening.api import PostIn
    from scrm_desktop.streams import first_column_shows_newest

    used = Workspace.open(str(tmp_path))
    now = datetime.now(UTC)
    used.ingestor.ingest([PostIn("rss", f"p{i}", f"post {i}", now - timedelta(minutes=i)) for i in range(150)])
    expected = used.db.posts.page(limit=100)
    used.close()

    ws = Workspace.open(str(tmp_path), quick=first_column_shows_newest)
    assert ws.first_page is not None and not ws.database_open
    window, bridge = start_gui(ws)
    qtbot.addWidget(window)
    try:
        model = window.columns[0].model
        qtbot.waitUntil(lambda: model.rowCount() > 0, timeout=30_000)
        assert [model.post_at(r) for r in range(model.rowCount())] == expected
        qtbot.waitUntil(lambda: window._started, timeout=30_000)
        assert ws.database_open
        qtbot.waitUntil(lambda: ws.scheduler.running, timeout=30_000)
        qtbot.waitUntil(lambda: len(list_backups(ws.database_file)) == 1, timeout=30_000)
        assert window.first_start_dialog is not None and window.first_start_dialog.isVisible()
        model.fetchMore()  # the next page comes from the store now
        qtbot.waitUntil(lambda: model.rowCount() == 150, timeout=30_000)
    finally:
        bridge.close()
        ws.close()


def test_a_workspace_the_quick_start_cannot_read_is_opened_the_usual_way(tmp_path) -> None:
    from scrm_desktop.streams import first_column_shows_newest

    ws = Workspace.open(str(tmp_path), quick=first_column_shows_newest)  # a first start: no file yet
    try:
        assert ws.first_page is None and ws.database_open
    finally:
        ws.close()
    (tmp_path / "config").mkdir(exist_ok=True)
    (tmp_path / "config" / "boards.json").write_text(
        '{"version": 1, "boards": [{"name": "B", "columns": [{"name": "Neg", "query": "sentiment:negative"}]}]}'
    )
    ws = Workspace.open(str(tmp_path), quick=first_column_shows_newest)  # its first column has a query
    try:
        assert ws.first_page is None and ws.database_open
    finally:
        ws.close()
