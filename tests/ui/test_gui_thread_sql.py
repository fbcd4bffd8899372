"""No SQL on the GUI thread once the main window has painted: the window and its feature windows are driven
through their normal flows while a SQLAlchemy `before_cursor_execute` listener on the workspace's engine notes
every statement run on the main thread.

Allowed before the first paint (and so not recorded): opening the workspace (engine, migrations, demo seed),
building the main window, and what the test itself does to set the scene. Everything after `window.show()` has
painted (selecting a post, marking it read, opening a case, each window and dialog) must read and write through
the GUI's task runner (ui/tasks.py).

Not driven yet (they still read on the GUI thread, see docs/gui-tasks.md): Sources > Manage sources (its
table and its writes), the customer link dialog, the topic editor's writes."""

from __future__ import annotations

import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QDialog, QInputDialog, QWidget
from sqlalchemy import event

from scrm_desktop.app import build_window
from scrm_desktop.workspace import Workspace
from tests.ui.helpers import settled


@dataclass
class GuiThreadSql:
    """Statements run on the main thread while recording, each with the ui/ frames that asked for it."""

    on: bool = False
    hits: list[tuple[str, list[str]]] = field(default_factory=list)

    def __call__(self, _conn, _cursor, statement, _params, _context, _executemany) -> None:  # type: ignore[no-untyped-def]
        if self.on and threading.current_thread() is threading.main_thread():
            frames = [
                f"{f.filename.split('scrm_desktop/')[-1]}:{f.lineno} {f.name}"
                for f in traceback.extract_stack()
                if "scrm_desktop/ui/" in f.filename or "scrm_desktop/app.py" in f.filename
            ]
            self.hits.append((" ".join(statement.split())[:120], frames[-4:]))

    @contextmanager
    def paused(self) -> Iterator[None]:
        """The test's own look at the database (not the GUI's)."""
        was, self.on = self.on, False
        try:
            yield
        finally:
            self.on = was

    def report(self) -> str:
        seen: dict[str, int] = {}
        for statement, frames in self.hits:
            key = f"{statement}\n      from {' <- '.join(reversed(frames)) or '(no ui frame)'}"
            seen[key] = seen.get(key, 0) + 1
        return "\n".join(f"  {n}x {key}" for key, n in seen.items())


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace.open(str(tmp_path), demo=True)  # seeds cases, an incident, customers, rules
    workspace.run_once()  # a day of demo posts
    workspace.set_agent_name("Ana")  # this desktop's agent (else the first post action asks for a name)
    yield workspace
    workspace.close()


@pytest.fixture
def gui_sql(ws) -> Iterator[GuiThreadSql]:
    recorder = GuiThreadSql()
    event.listen(ws.db.engine, "before_cursor_execute", recorder)
    yield recorder
    event.remove(ws.db.engine, "before_cursor_execute", recorder)


OURS: list[QWidget] = []  # the main window under test (its feature windows hang off it; dialogs are children)


def ours() -> list[QWidget]:
    window = OURS[0]
    return [window, *getattr(window, "feature_windows", {}).values()]


def wait_settled(qtbot) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: settled(*ours()), timeout=30_000)


class DialogAnswerer:
    """Answers each modal dialog as a person would once its data is in: an input dialog gets its first choice
    (or a title) and OK, any other dialog is looked at and closed."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.timer = QTimer()
        self.timer.setInterval(20)
        self.timer.timeout.connect(self._answer)
        self.timer.start()

    def _answer(self) -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None or not settled(*ours()):  # its data still on the way
            return
        self.seen.append(dialog.windowTitle() or type(dialog).__name__)
        if isinstance(dialog, QInputDialog):
            if dialog.inputMode() == QInputDialog.InputMode.TextInput:
                dialog.setTextValue("Router outage")
            dialog.accept()
        else:
            dialog.reject()

    def stop(self) -> None:
        self.timer.stop()


def test_no_sql_runs_on_the_gui_thread_after_the_first_paint(qtbot, ws, gui_sql):
    window, bridge = build_window(ws)
    qtbot.addWidget(window)
    OURS[:] = [window]
    window.resize(1200, 800)
    window.show()
    qtbot.waitExposed(window)
    answerer = DialogAnswerer()
    gui_sql.on = True  # the first paint is done: from here on, nothing
    try:
        drive_the_desk(qtbot, window, ws, gui_sql)
        drive_the_feature_windows(qtbot, window, ws)
        drive_the_dialogs(qtbot, window, ws)
        wait_settled(qtbot)
        assert {"Add to an incident", "New incident", "Business rules"} <= set(answerer.seen)
        assert not gui_sql.hits, "SQL ran on the GUI thread:\n" + gui_sql.report()
    finally:
        gui_sql.on = False
        answerer.stop()
        for w in list(getattr(window, "feature_windows", {}).values()):
            w.close()
        window.close()
        bridge.close()
        OURS.clear()


def drive_the_desk(qtbot, window, ws, gui_sql) -> None:  # type: ignore[no-untyped-def]
    column = window.columns[0]
    qtbot.waitUntil(lambda: column.model.rowCount() > 10, timeout=30_000)
    wait_settled(qtbot)
    column.view.setFocus()
    column.view.setCurrentIndex(column.model.index(0, 0))  # select a post: the detail pane, marked read
    qtbot.waitUntil(lambda: window.detail.post is not None)
    wait_settled(qtbot)
    assert window.detail.reasons.text().startswith(("Why:", "Agent:"))  # what the store knows arrived
    qtbot.keyClick(column.view, Qt.Key.Key_M)  # mark unread again
    qtbot.keyClick(column.view, Qt.Key.Key_J)  # the next post
    wait_settled(qtbot)
    window.refresh_health()
    window.run_all_now()
    writer = threading.Thread(target=ws.run_once)  # live posts from a listener thread
    writer.start()
    writer.join(60)
    qtbot.waitUntil(lambda: settled(window) and not any(c.model.busy for c in window.columns), timeout=30_000)
    window.detail.correct_buttons["negative"].click()  # a correction
    wait_settled(qtbot)
    window.run_search()
    wait_settled(qtbot)


def drive_the_feature_windows(qtbot, window, ws) -> None:  # type: ignore[no-untyped-def]
    actions = {a.text(): a for a in window.findChildren(QAction)}
    for text in ("&Dashboard", "&Agent queue", "&Customers", "&Wall display", "&Reports…"):
        actions[text].trigger()
        wait_settled(qtbot)
    agent = window.feature_windows["agent"]
    post = window.columns[0].model.post_at(0)
    window.post_action_requested.emit("case", post)  # open a case from a post: the agent window claims it
    qtbot.waitUntil(lambda: agent.case is not None, timeout=30_000)
    wait_settled(qtbot)
    agent.open_next()
    wait_settled(qtbot)
    window.post_action_requested.emit("add_case", window.columns[0].model.post_at(1))  # add-to-case dialog
    wait_settled(qtbot)
    window.post_action_requested.emit("add_incident", window.columns[0].model.post_at(2))  # add-to-incident
    wait_settled(qtbot)
    customers = window.feature_windows["customers"]
    for index in range(customers.tabs.count()):
        customers.tabs.setCurrentIndex(index)
        wait_settled(qtbot)
    dashboard = window.feature_windows["dashboard"]
    dashboard.refresh()
    wait_settled(qtbot)


def drive_the_dialogs(qtbot, window, ws) -> None:  # type: ignore[no-untyped-def]
    actions = {a.text(): a for a in window.findChildren(QAction)}
    # opened and left open (topics, templates, settings) or modal and answered by the DialogAnswerer (rules)
    for text in ("&Topics…", "Reply &templates…", "Business &rules…", "&Settings…"):
        actions[text].trigger()
        wait_settled(qtbot)
        for dialog in window.findChildren(QDialog):
            if dialog.isVisible():
                dialog.reject()
