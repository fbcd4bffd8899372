"""Helpers for the GUI tests."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from scrm_desktop.ui.tasks import TaskRunner


def settled(*widgets: QWidget) -> bool:
    """Every background op the widgets' runners were asked for has landed (tests wait for this, never sleep)."""
    return all(t.idle() for w in widgets for t in w.findChildren(TaskRunner))
