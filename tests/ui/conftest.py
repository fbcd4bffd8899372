"""Fixtures shared by the GUI tests. Each test module defines its own `ws` (empty, demo, with a clock...)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from scrm_desktop.app import build_window


@pytest.fixture
def window(qtbot, ws) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """The main window on the module's workspace, as the app builds it, shown at 1200x800."""
    win, bridge = build_window(ws)
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    yield win
    bridge.close()
