"""The Work menu: dashboard and agent queue windows, and a chart click that opens the posts behind it."""

from __future__ import annotations

import pytest

from scrm_desktop.app import build_window
from scrm_desktop.workspace import Workspace


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace.open(str(tmp_path), demo=True)
    yield workspace
    workspace.close()


def action(window, text):
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Work")
    return next(a for a in menu.actions() if a.text() == text)


def test_dashboard_opens_and_a_click_opens_a_column(qtbot, ws):
    ws.run_once()
    window, bridge = build_window(ws)
    qtbot.addWidget(window)
    window.show()
    action(window, "&Dashboard").trigger()
    dashboard = window.feature_windows["dashboard"]
    qtbot.addWidget(dashboard)
    qtbot.waitUntil(dashboard.isVisible)
    dashboard.posts_requested.emit('topic:"Brightwave Care" sentiment:negative', "Negative about Brightwave Care")
    columns = window.current_board().columns
    qtbot.waitUntil(lambda: columns[-1].model.rowCount() > 0)  # the column reads its first page in the background
    assert all(p.sentiment_label == "negative" for p in (columns[-1].model.post_at(r) for r in range(10)))
    action(window, "&Agent queue").trigger()
    qtbot.addWidget(window.feature_windows["agent"])
    assert window.feature_windows["agent"].isVisible()
    bridge.close()


def test_help_is_the_last_menu(qtbot, ws):
    window, bridge = build_window(ws)
    qtbot.addWidget(window)
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles[-2:] == ["&Work", "&Help"]
    bridge.close()
