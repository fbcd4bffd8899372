"""The agent feature's part of the Work menu: Templates…, and incident banners that open the incident in the agent
window (from the main window and the dashboard)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu

if TYPE_CHECKING:
    from scrm_desktop.workspace import Workspace


def add_agent_actions(window: QMainWindow, ws: Workspace, menu: QMenu, show_agent: Callable[[], None]) -> None:
    """Work > Templates… and `window.open_incident(id)`; the main window's banner opens incidents through it."""

    def open_incident(incident_id: int) -> None:
        show_agent()
        view = window.feature_windows.get("agent")  # type: ignore[attr-defined]
        if view is not None:
            view.open_incident(incident_id)

    def templates() -> None:
        from scrm_desktop.ui.agent.template_editor import TemplateDialog

        dialog = TemplateDialog(ws, window)
        dialog.finished.connect(dialog.deleteLater)
        window.templates_dialog = dialog  # type: ignore[attr-defined]
        dialog.open()

    window.open_incident = open_incident  # type: ignore[attr-defined]
    action = QAction("Reply &templates…", window)
    action.setShortcut(QKeySequence("Ctrl+Shift+T"))
    action.triggered.connect(templates)
    menu.addAction(action)
    banner = getattr(window, "incident_banner", None)
    if banner is not None:
        banner.open_requested.connect(open_incident)


def connect_banner(view: Any, window: QMainWindow) -> None:
    """A feature window's banner (the dashboard's) opens incidents in the agent window too."""
    banner = getattr(view, "incident_banner", None)
    opener = getattr(window, "open_incident", None)
    if banner is not None and opener is not None:
        banner.open_requested.connect(opener)
