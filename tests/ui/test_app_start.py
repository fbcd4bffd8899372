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
