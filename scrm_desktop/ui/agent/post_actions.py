"""The agent's work on any post: open its case, reply to it, add it to an open case or to an incident. The main
window asks (post_action_requested); this carries it out in the agent window, as this desktop's agent."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QInputDialog, QMainWindow, QWidget

from scrm_desktop.core.post import Post

if TYPE_CHECKING:
    from scrm_desktop.ui.dialogs.settings_dialog import AgentNameDialog
    from scrm_desktop.workspace import Workspace

NEW_INCIDENT = "New incident…"


def ensure_agent(ws: Workspace, parent: QWidget | None) -> bool:
    """True once this desktop has an agent name (asked for now when it has none)."""
    if ws.settings.agent_name:
        return True
    from scrm_desktop.ui.dialogs.settings_dialog import AgentNameDialog

    return bool(AgentNameDialog(ws, parent).exec())


def first_start(ws: Workspace, parent: QWidget | None) -> AgentNameDialog:
    """The "your name" dialog of this desktop: opened now when it has no agent name; when it has one, the name is
    taken on the database in the background (the first use of a team database) and the dialog opens, saying why,
    only if a teammate's desktop took the name meanwhile. Never waited for."""
    from scrm_desktop.ui.dialogs.settings_dialog import AgentNameDialog

    dialog = AgentNameDialog(ws, parent)
    if ws.settings.agent_name:
        dialog.name.setText(ws.settings.agent_name)
        dialog.accept()  # checked as if typed; AgentNameTaken opens the dialog with the reason
    else:
        dialog.open()
    return dialog


def _case_label(case: Any) -> str:
    subject = " ".join(case.subject.split())
    subject = subject if len(subject) <= 70 else subject[:69] + "…"
    who = case.author_name or case.author_handle or "?"
    return f"#{case.id} · P{case.priority} · {case.channel} · {who}: {subject}"


def install_post_actions(window: QMainWindow, ws: Workspace, show_agent: Callable[[], Any]) -> None:
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

    tasks = window.reads  # type: ignore[attr-defined]  # the main window's runner: nothing waits on SQL here

    def failed(exc: Exception) -> None:
        window.show_message(f"Could not do it: {exc}")  # type: ignore[attr-defined]

    def add_to_case(post: Post) -> None:
        def others() -> list[Any]:
            own = ws.cases.case_for_post(post.id)
            return [c for c in ws.cases.repo.open_cases_like(post.author_handle) if own is None or c.id != own.id]

        tasks.run(others, lambda cases: choose_case(post, cases), key="add-case", failure=failed)

    def choose_case(post: Post, cases: list[Any]) -> None:
        if not cases:
            window.show_message("There is no open case to add this post to: open a case for it instead (C).")  # type: ignore[attr-defined]
            return
        labels = [_case_label(c) for c in cases]
        choice, ok = QInputDialog.getItem(window, "Add to a case", "Add this post to:", labels, 0, False)
        if not ok:
            return
        case = cases[labels.index(choice)]

        def added(_result: object) -> None:
            window.show_message(f"Post added to case #{case.id}.")  # type: ignore[attr-defined]
            show_agent().open_case(case.id)

        tasks.run(lambda: ws.cases.add_post(case.id, post.id, ws.settings.agent_name), added, failure=failed)

    def add_to_incident(post: Post) -> None:
        tasks.run(ws.cases.repo.incidents, lambda found: choose_incident(post, found), key="incidents", failure=failed)

    def choose_incident(post: Post, incidents: list[Any]) -> None:
        labels = [f"#{i.id} · level {i.severity} · {i.title}" for i in incidents] + [NEW_INCIDENT]
        choice, ok = QInputDialog.getItem(window, "Add to an incident", "This post is part of:", labels, 0, False)
        if not ok:
            return
        agent, title = ws.settings.agent_name, ""
        if choice == NEW_INCIDENT:
            title, ok = QInputDialog.getText(window, "New incident", "What is going wrong (title):")
            if not ok or not title.strip():
                return
        chosen = None if title else incidents[labels.index(choice)]

        def link() -> tuple[Any, Any]:
            incident = chosen or ws.cases.open_incident(title, 2, agent)
            case = ws.cases.case_for_post(post.id) or ws.cases.open_from_post(post.id, agent)
            ws.cases.link(case.id, incident.id, agent)
            return case, incident

        tasks.run(link, linked, failure=failed)

    def linked(result: tuple[Any, Any]) -> None:
        case, incident = result
        window.show_message(f"Post's case #{case.id} linked to incident #{incident.id} “{incident.title}”.")  # type: ignore[attr-defined]
        view = show_agent()
        view.incidents.refresh(select=incident.id)
        view.refresh()

    window.post_action_requested.connect(handle)  # type: ignore[attr-defined]
