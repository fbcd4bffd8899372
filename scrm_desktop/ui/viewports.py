"""A scroll area's viewport made from Python (the same widget Qt makes itself). Reading a viewport Qt made has
PySide look up its Python type among every widget class it knows, creating each class's enums first: the first
such read cost some 10 ms of the start. A viewport made here is already known, so reading it costs nothing."""

from __future__ import annotations

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QAbstractScrollArea, QWidget


def own_viewport(area: QAbstractScrollArea, role: QPalette.ColorRole = QPalette.ColorRole.Base) -> QWidget:
    """Give `area` a viewport set up as Qt's own (its name, background role and fill); call it before anything
    else configures the area. `role`: Base for item views, Window for a QScrollArea."""
    viewport = QWidget()
    viewport.setObjectName("qt_scrollarea_viewport")
    viewport.setBackgroundRole(role)
    viewport.setAutoFillBackground(True)
    area.setViewport(viewport)
    return viewport
