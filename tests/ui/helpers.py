"""Helpers for the GUI tests."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from scrm_desktop.ui.tasks import TaskRunner


def settled(*widgets: QWidget) -> bool:
    """Every background op the widgets' runners were asked for has landed (tests wait for this, never sleep)."""
    return all(t.idle() for w in widgets for t in w.findChildren(TaskRunner))


def open_top_case(qtbot, view) -> None:  # type: ignore[no-untyped-def]
    """As an agent does: the queue's top row, Return (claims it and opens it beside the queue)."""
    from PySide6.QtCore import Qt

    view.queue.setFocus()
    view.queue.setCurrentRow(0)
    qtbot.keyClick(view.queue, Qt.Key.Key_Return)
