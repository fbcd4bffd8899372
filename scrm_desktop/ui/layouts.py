"""Emptying a layout whose widgets are made again (the ARM panel's lines, the tree's answers, report pages).

Each widget taken out is hidden, detached from its parent and only then deleted: a widget deleted later while
still a child could be reached by its parent's polish or layout meanwhile, and Qt crashed in the ARM panel's
tests that way (a QLabel with selectable text, deleted by the deferred delete with its parent in place)."""

from __future__ import annotations

from PySide6.QtWidgets import QLayout


def empty(layout: QLayout, keep: int = 0) -> None:
    """Take every item out of `layout` but the last `keep` (a stretch at the end, say) and discard its widget."""
    while layout.count() > keep:
        item = layout.takeAt(0)
        widget = item.widget() if item is not None else None
        if widget is not None:
            widget.hide()
            widget.setParent(None)  # Python's now: deleted when the last reference goes, which is at once
            widget.deleteLater()
