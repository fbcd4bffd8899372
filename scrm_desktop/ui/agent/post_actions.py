"""The agent's work on any post: open its case, reply to it, add it to an open case or to an incident. The main
window asks (post_action_requested); this carries it out in the agent window, as this desktop's agent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QInputDialog, QMainWindow, QWidget

from scrm_desktop.core.post import Post
from scrm_desktop.ui.dialogs.settings_dialog import AgentNameDialog

NEW_INCIDENT = "New incident…"


def ensure_agent(ws: Any, parent: QWidget | None) -> bool:
    """True once this desktop has an agent name (asked for now when it has none)."""
    if ws.settings.agent_name:
        return True
    return bool(AgentNameDialog(ws, parent).exec())


def first_start(ws: Any, parent: QWidget | None) -> AgentNameDialog | None:
    """On a desktop without an agent name, or whose name a teammate took on this database meanwhile: the
    "your name" dialog, opened (not waited for). None when the desktop already has its name."""
    dialog = AgentNameDialog(ws, parent)
    if ws.settings.agent_name:
        try:
            ws.set_agent_name(ws.settings.agent_name)  # known on this database (first use of a team database)
            return None
        except ValueError as exc:  # AgentNameTaken: a teammate's desktop uses the name
            dialog.error.setText(str(exc))
            dialog.error.show()
    dialog.open()
    return dialog


def _case_label(case: Any) -> str:
    subject = " ".join(case.subject.split())
    subject = subject if len(subject) <= 70 else subject[:69] + "…"
    who = case.author_name or case.author_handle or "?"
    return f"#{case.id} · P{case.priority} · {case.channel} · {who}: {subject}"


def install_post_actions(window: QMainWindow, ws: Any, show_agent: Callable[[], Any]) -> None:
    """Connect the main window's post actions to the agent window (claims as this desktop's agent)."""

    def handle(key: str, post: Post) -> None:
        if not ensure_agent(ws, window):
            return
        if key in ("case", "reply"):
            show_agent().open_post(post.id, reply=key == "reply")
        elif key == "add_case":
            add_to_case(post)
        elif key == "add_incident":
            add_to_incident(post)

    def add_to_case(post: Post) -> None:
        own = ws.cases.case_for_post(post.id)
        cases = [c for c in ws.cases.repo.open_cases_like(post.author_handle) if own is None or c.id != own.id]
        if not cases:
            window.show_message("There is no open case to add this post to: open a case for it instead (C).")
            return
        labels = [_case_label(c) for c in cases]
        choice, ok = QInputDialog.getItem(window, "Add to a case", "Add this post to:", labels, 0, False)
        if not ok:
            return
        case = cases[labels.index(choice)]
        ws.cases.add_post(case.id, post.id, ws.settings.agent_name)
        window.show_message(f"Post added to case #{case.id}.")
        show_agent().open_case(case.id)

    def add_to_incident(post: Post) -> None:
        incidents = ws.cases.repo.incidents()
        labels = [f"#{i.id} · level {i.severity} · {i.title}" for i in incidents] + [NEW_INCIDENT]
        choice, ok = QInputDialog.getItem(window, "Add to an incident", "This post is part of:", labels, 0, False)
        if not ok:
            return
        agent = ws.settings.agent_name
        if choice == NEW_INCIDENT:
            title, ok = QInputDialog.getText(window, "New incident", "What is going wrong (title):")
            if not ok or not title.strip():
                return
            incident = ws.cases.open_incident(title, 2, agent)
        else:
            incident = incidents[labels.index(choice)]
        case = ws.cases.case_for_post(post.id) or ws.cases.open_from_post(post.id, agent)
        ws.cases.link(case.id, incident.id, agent)
        window.show_message(f"Post's case #{case.id} linked to incident #{incident.id} “{incident.title}”.")
        view = show_agent()
        view.incidents.refresh(select=incident.id)
        view.refresh()

    window.post_action_requested.connect(handle)  # type: ignore[attr-defined]
