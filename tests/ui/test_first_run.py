"""A new user's own workspace listens to nothing yet: every column and the status bar say how to add a source,
and the button opens the Sources dialog; once a source exists the columns say the usual line again."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from scrm_desktop.ui.views.stream_column import EMPTY
from scrm_desktop.workspace import Workspace
from tests.ui.helpers import settled


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace.open(str(tmp_path))  # not the demo: nothing added yet
    yield workspace
    workspace.close()


def test_an_empty_workspace_says_how_to_add_a_source(qtbot, window, ws):
    qtbot.waitUntil(lambda: window.add_source.isVisible())
    assert window.health.text().startswith("0 source(s) listening")
    for column in window.columns:
        assert column.empty.isVisible() and "Add a source (Sources > Manage sources…" in column.empty.text()
    qtbot.mouseClick(window.add_source, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.sources_dialog is not None and window.sources_dialog.isVisible())
    window.sources_dialog.close()

    ws.add_source("rss", "Our blog", {"url": "http://127.0.0.1:9/feed.xml"})
    window.refresh_health()
    qtbot.waitUntil(lambda: settled(window) and not window.add_source.isVisible())
    assert all(column.empty.text() == EMPTY for column in window.columns)
    assert window.health.text().startswith("1 source(s) listening")
