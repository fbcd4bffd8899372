"""No SQL on the GUI thread once the main window has painted: the window, its feature windows and its dialogs are
driven as a person uses them (open, edit, save, remove) while a SQLAlchemy `before_cursor_execute` listener on
the workspace's engine notes every statement run on the main thread.

Allowed before the first paint (and so not recorded): opening the workspace (engine, migrations, demo seed),
building the main window, and what the test itself does to set the scene (`gui_sql.paused()`). Everything after
`window.show()` (the start-up work after the first paint, selecting a post, marking it read, opening a case, each
window and dialog and what is saved in them) must read and write through the GUI's task runners (ui/tasks.py)."""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QDialog, QInputDialog, QMessageBox, QWidget
from sqlalchemy import event

from scrm_desktop.app import build_window, start_gui
from scrm_desktop.listening.api import FetchContext, FetchResult, Plugin
from scrm_desktop.workspace import Workspace
from tests.ui.helpers import settled

LEFT = Qt.MouseButton.LeftButton
pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


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


class KeyedPlugin(Plugin):
    """A plugin with a credential, so the Sources dialog offers its Credentials… form."""

    name = "keyed"
    title = "Keyed"
    secret_fields = ("api_token",)
    default_interval = 3600

    def fetch(self, ctx: FetchContext, cursor: Mapping[str, Any]) -> FetchResult:
        return FetchResult(posts=[], cursor={})


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace.open(str(tmp_path), demo=True, seed=True)  # cases, an incident, customers, rules
    workspace.registry.add(KeyedPlugin)
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
    """Answers each dialog that blocks the app (`exec()`) as a person would once its data is in: an input dialog
    gets its last choice (or a title) and OK, a question is answered Yes, any other dialog is looked at and
    closed. Dialogs opened over a window (`open()`) are the test's to drive."""

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
        if dialog.windowModality() != Qt.WindowModality.ApplicationModal:
            return
        self.seen.append(dialog.windowTitle() or type(dialog).__name__)
        if isinstance(dialog, QInputDialog):
            if dialog.comboBoxItems():  # the last choice (for incidents: "New incident…", which asks a title)
                dialog.setTextValue(dialog.comboBoxItems()[-1])
            elif dialog.inputMode() == QInputDialog.InputMode.TextInput:
                dialog.setTextValue("Router outage")
            dialog.accept()
        elif isinstance(dialog, QMessageBox) and dialog.button(QMessageBox.StandardButton.Yes) is not None:
            dialog.button(QMessageBox.StandardButton.Yes).click()
        else:
            dialog.reject()

    def stop(self) -> None:
        self.timer.stop()


@contextmanager
def main_window(qtbot, ws, gui_sql, *, start: Callable[[Workspace], Any] = build_window) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    """The main window built and shown (`start`: as the tests build it, or as the app starts); from its first
    paint on, SQL on the GUI thread is recorded and fails the test."""
    window, bridge = start(ws)
    qtbot.addWidget(window)
    OURS[:] = [window]
    window.resize(1200, 800)
    window.show()
    gui_sql.on = True  # from the first paint on, nothing
    qtbot.waitExposed(window)
    answerer = DialogAnswerer()
    try:
        yield window
        wait_settled(qtbot)
        assert not gui_sql.hits, "SQL ran on the GUI thread:\n" + gui_sql.report()
        window.answerer_saw = answerer.seen  # type: ignore[attr-defined]
    finally:
        gui_sql.on = False
        answerer.stop()
        for w in list(getattr(window, "feature_windows", {}).values()):
            w.close()
        window.close()
        bridge.close()
        OURS.clear()


def closed(dialog: QWidget) -> bool:
    """Closed (a dialog deleted on close counts too)."""
    return not shiboken6.isValid(dialog) or not dialog.isVisible()


def actions(window) -> dict[str, QAction]:  # type: ignore[no-untyped-def]
    return {a.text(): a for a in window.findChildren(QAction)}


# ---- the desk, the feature windows, the dialogs opened ---------------------------------------------------------
def test_no_sql_runs_on_the_gui_thread_after_the_first_paint(qtbot, ws, gui_sql):
    with main_window(qtbot, ws, gui_sql) as window:
        drive_the_desk(qtbot, window, ws)
        drive_the_feature_windows(qtbot, window)
        drive_the_dialogs(qtbot, window)
    assert {"Add to an incident", "New incident", "Business rules"} <= set(window.answerer_saw)


def drive_the_desk(qtbot, window, ws) -> None:  # type: ignore[no-untyped-def]
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


def drive_the_feature_windows(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    found = actions(window)
    for text in ("&Dashboard", "&Agent queue", "&Customers", "&Wall display", "&Reports…"):
        found[text].trigger()
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


def drive_the_dialogs(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    found = actions(window)
    # opened and left open (topics, templates, settings, sources) or modal and answered by the DialogAnswerer
    for text in ("&Topics…", "Reply &templates…", "Business &rules…", "&Settings…", "&Manage sources…"):
        found[text].trigger()
        wait_settled(qtbot)
        for dialog in window.findChildren(QDialog):
            if dialog.isVisible():
                dialog.reject()


# ---- the start: what runs once the window has painted ----------------------------------------------------------
def test_the_start_after_the_first_paint_runs_no_sql_on_the_gui_thread(qtbot, ws, gui_sql):
    """The app's own start (start_gui): the agent-name check, listening and the day's backup after the paint."""
    with main_window(qtbot, ws, gui_sql, start=start_gui) as window:
        qtbot.waitUntil(lambda: ws.scheduler.running, timeout=30_000)
        wait_settled(qtbot)
        assert not window.first_start_dialog.isVisible()  # the desktop's name is still its own


def test_a_quick_start_opens_its_database_and_runs_the_desk_off_the_gui_thread(qtbot, tmp_path):
    """The GUI's quick start (Workspace.open(quick=...)): the database is opened after the first paint, on a
    worker; from before the window is built, no statement of any engine (the one opened later too) runs on the
    GUI thread, while the desk is used as a person does."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import Engine

    from scrm_desktop.listening.api import PostIn
    from scrm_desktop.streams import first_column_shows_newest

    used = Workspace.open(str(tmp_path))
    now = datetime.now(UTC)
    texts = ("the refund never came", "love the new laptop", "is the store open today?")
    used.ingestor.ingest([PostIn("rss", f"p{i}", texts[i % 3], now - timedelta(minutes=i)) for i in range(40)])
    used.set_agent_name("Ana")
    used.close()
    recorder = GuiThreadSql(on=True)
    event.listen(Engine, "before_cursor_execute", recorder)  # every engine: the quick start's is made later
    quick = Workspace.open(str(tmp_path), quick=first_column_shows_newest)
    try:
        assert not quick.database_open
        with main_window(qtbot, quick, recorder, start=start_gui) as window:
            qtbot.waitUntil(lambda: window._started and quick.scheduler.running, timeout=30_000)
            assert quick.database_open
            drive_the_desk(qtbot, window, quick)
    finally:
        event.remove(Engine, "before_cursor_execute", recorder)
        quick.close()


def test_a_first_start_asks_for_the_name_and_saves_it_off_the_gui_thread(qtbot, ws, gui_sql):
    ws.settings.agent_name = ""  # a desktop that has no name yet
    with main_window(qtbot, ws, gui_sql, start=start_gui) as window:
        qtbot.waitUntil(lambda: getattr(window, "first_start_dialog", None) is not None, timeout=30_000)
        dialog = window.first_start_dialog
        qtbot.waitUntil(dialog.isVisible)
        dialog.name.setText("Ana")  # a teammate's desktop has it (the fixture's)...
        with gui_sql.paused():
            ws.settings.agent_id = "another-desktop"
        qtbot.mouseClick(dialog.ok, LEFT)
        qtbot.waitUntil(lambda: dialog.error.isVisible())
        assert "another agent" in dialog.error.text() and dialog.isVisible()
        dialog.name.setText("Ana Silva")
        qtbot.mouseClick(dialog.ok, LEFT)
        qtbot.waitUntil(lambda: closed(dialog))
    assert ws.settings.agent_name == "Ana Silva"


# ---- Sources > Manage sources: add, edit, pause, credentials, run, remove ------------------------------------
def test_the_sources_dialog_reads_and_writes_off_the_gui_thread(qtbot, ws, gui_sql, memory_keyring):
    with main_window(qtbot, ws, gui_sql) as window:
        actions(window)["&Manage sources…"].trigger()
        dialog = window.sources_dialog
        qtbot.waitUntil(lambda: dialog.model.row_of("Demo scenario") >= 0)
        wait_settled(qtbot)

        qtbot.mouseClick(dialog.buttons["add"], LEFT)  # add a source
        form = dialog.form
        form.plugin_box.setCurrentIndex(form.plugin_box.findData("keyed"))
        qtbot.keyClicks(form.name_edit, "Keyed feed")
        qtbot.mouseClick(form.save_button, LEFT)
        qtbot.waitUntil(lambda: closed(form))
        wait_settled(qtbot)
        assert dialog.selected_name() == "Keyed feed" and "Credentials" in dialog.status.text()

        qtbot.mouseClick(dialog.buttons["edit"], LEFT)  # edit it
        form = dialog.form
        form.every_edit.setText("2h")
        qtbot.mouseClick(form.save_button, LEFT)
        qtbot.waitUntil(lambda: closed(form))
        wait_settled(qtbot)
        assert dialog.model.sources[dialog.model.row_of("Keyed feed")].interval_s == 7200

        dialog.model.setData(  # untick Enabled
            dialog.model.index(dialog.model.row_of("Keyed feed"), dialog.model.ENABLED),
            Qt.CheckState.Unchecked.value,
            Qt.ItemDataRole.CheckStateRole,
        )
        wait_settled(qtbot)
        assert "paused" in dialog.status.text()

        qtbot.mouseClick(dialog.buttons["credentials"], LEFT)  # store its token
        qtbot.waitUntil(lambda: getattr(dialog, "credentials", None) is not None and dialog.credentials.isVisible())
        wait_settled(qtbot)
        creds = dialog.credentials
        qtbot.keyClicks(creds.edits["api_token"], "t0ken")
        qtbot.mouseClick(creds.save_button, LEFT)
        qtbot.waitUntil(lambda: creds.message.text().startswith("Saved"))
        wait_settled(qtbot)
        assert creds.states["api_token"].text() == "stored in the keyring"
        creds.reject()

        qtbot.mouseClick(dialog.buttons["run"], LEFT)  # run it once
        wait_settled(qtbot)
        qtbot.mouseClick(dialog.buttons["remove"], LEFT)  # and remove it, after the question
        qtbot.mouseClick(dialog.confirm.button(QMessageBox.StandardButton.Yes), LEFT)
        qtbot.waitUntil(lambda: dialog.model.row_of("Keyed feed") == -1, timeout=30_000)
        wait_settled(qtbot)
        dialog.accept()
    assert memory_keyring.store == {}  # its credential went with it


# ---- the customer link, from the detail pane ------------------------------------------------------------------
def test_the_customer_link_dialog_reads_and_writes_off_the_gui_thread(qtbot, ws, gui_sql):
    with main_window(qtbot, ws, gui_sql) as window:
        column = window.columns[0]
        qtbot.waitUntil(lambda: column.model.rowCount() > 0, timeout=30_000)
        column.view.setCurrentIndex(column.model.index(0, 0))
        qtbot.waitUntil(lambda: window.detail.link_customer.isVisible())
        wait_settled(qtbot)
        author = window.detail.post.author_id

        qtbot.mouseClick(window.detail.link_customer, LEFT)  # a new customer from this author
        qtbot.waitUntil(lambda: getattr(window, "link_dialog", None) is not None and window.link_dialog.isVisible())
        wait_settled(qtbot)
        dialog = window.link_dialog
        if dialog.unlink.isVisible():  # the demo linked this author already: unlink first
            qtbot.mouseClick(dialog.unlink, LEFT)
            qtbot.waitUntil(lambda: closed(dialog))
            wait_settled(qtbot)
            qtbot.mouseClick(window.detail.link_customer, LEFT)
            qtbot.waitUntil(lambda: window.link_dialog is not dialog and window.link_dialog.isVisible())
            wait_settled(qtbot)
            dialog = window.link_dialog
        qtbot.mouseClick(dialog.create, LEFT)
        qtbot.waitUntil(lambda: closed(dialog))
        wait_settled(qtbot)
        qtbot.waitUntil(lambda: window.detail.customer.isVisible())

        qtbot.mouseClick(window.detail.link_customer, LEFT)  # linked: unlink it again
        qtbot.waitUntil(lambda: window.link_dialog is not dialog and window.link_dialog.isVisible())
        wait_settled(qtbot)
        dialog = window.link_dialog
        assert dialog.unlink.isVisible()
        qtbot.mouseClick(dialog.unlink, LEFT)
        qtbot.waitUntil(lambda: closed(dialog))
        wait_settled(qtbot)

        qtbot.mouseClick(window.detail.link_customer, LEFT)  # and link it to a record found by a search
        qtbot.waitUntil(lambda: window.link_dialog is not dialog and window.link_dialog.isVisible())
        dialog = window.link_dialog
        qtbot.keyClicks(dialog.search, "a")
        wait_settled(qtbot)
        assert dialog.list.count() > 0
        qtbot.mouseClick(dialog.link, LEFT)
        qtbot.waitUntil(lambda: closed(dialog))
        wait_settled(qtbot)
    assert ws.customers.customer_for_author(author) is not None


# ---- Work > Topics…: add, change, remove ----------------------------------------------------------------------
def test_the_topic_editor_writes_off_the_gui_thread(qtbot, ws, gui_sql):
    with main_window(qtbot, ws, gui_sql) as window:
        actions(window)["&Topics…"].trigger()
        dialog = window.topics_dialog
        qtbot.waitUntil(lambda: dialog.list.count() > 0)
        wait_settled(qtbot)
        qtbot.mouseClick(dialog.new_button, LEFT)
        qtbot.keyClicks(dialog.name, "Batteries")
        qtbot.keyClicks(dialog.query, "battery OR charger")
        with qtbot.waitSignal(dialog.retagger.finished, timeout=30_000):
            qtbot.mouseClick(dialog.save_button, LEFT)  # a new topic: saved, then the archive re-tagged
        wait_settled(qtbot)
        dialog.select("Batteries")
        dialog.query.setText("battery")
        with qtbot.waitSignal(dialog.retagger.finished, timeout=30_000):
            qtbot.mouseClick(dialog.save_button, LEFT)  # a changed query
        wait_settled(qtbot)
        qtbot.mouseClick(dialog.remove_button, LEFT)  # removed, after the question
        qtbot.waitUntil(lambda: dialog.confirm_box is not None and dialog.confirm_box.isVisible())
        qtbot.mouseClick(dialog.confirm_box.button(QMessageBox.StandardButton.Yes), LEFT)
        qtbot.waitUntil(lambda: "Batteries" not in dialog.topic_names(), timeout=30_000)
        wait_settled(qtbot)
        dialog.reject()


# ---- File > Settings: a new name (the agent window holding a case lets go of it) and brand --------------------
def test_settings_save_off_the_gui_thread(qtbot, ws, gui_sql):
    with main_window(qtbot, ws, gui_sql) as window:
        actions(window)["&Agent queue"].trigger()
        agent = window.feature_windows["agent"]
        window.post_action_requested.emit("case", _first_post(qtbot, window))
        qtbot.waitUntil(lambda: agent.case is not None, timeout=30_000)
        wait_settled(qtbot)
        actions(window)["&Settings…"].trigger()
        dialog = window.settings_dialog
        dialog.name.setText("Ana Silva")
        dialog.brand.setText("Brightwave Care")
        qtbot.mouseClick(dialog.save_button, LEFT)
        qtbot.waitUntil(lambda: closed(dialog))
        wait_settled(qtbot)
        assert "You work as Ana Silva" in window.message.text()
        qtbot.waitUntil(lambda: agent.agent == "Ana Silva" and agent.case is None)
        wait_settled(qtbot)
    assert ws.settings.agent_name == "Ana Silva" and ws.cases.brand == "Brightwave Care"


def _first_post(qtbot, window):  # type: ignore[no-untyped-def]
    column = window.columns[0]
    qtbot.waitUntil(lambda: column.model.rowCount() > 0, timeout=30_000)
    return column.model.post_at(0)


# ---- the Customers window: records, profiles, suggested links --------------------------------------------------
def test_the_customers_window_writes_off_the_gui_thread(qtbot, ws, gui_sql):
    with main_window(qtbot, ws, gui_sql) as window:
        actions(window)["&Customers"].trigger()
        records = window.feature_windows["customers"].records
        wait_settled(qtbot)
        qtbot.mouseClick(records.new, LEFT)  # a new record, named and saved
        qtbot.waitUntil(lambda: records.customer is not None and records.name.isEnabled())
        wait_settled(qtbot)
        records.name.setText("Dana Whit")
        records.tags.setText("press")
        qtbot.mouseClick(records.save, LEFT)
        qtbot.waitUntil(lambda: records.status.text() == "Saved")
        wait_settled(qtbot)
        with gui_sql.paused():
            handle = ws.db.posts.page(limit=1)[0]
        records.link_input.setText(f"{handle.channel}:{handle.author_handle}")  # one of its profiles
        qtbot.mouseClick(records.link, LEFT)
        qtbot.waitUntil(lambda: records.status.text().startswith("Linked") and records.profiles.count() == 1)
        wait_settled(qtbot)
        records.profiles.setCurrentRow(0)
        wait_settled(qtbot)
        qtbot.mouseClick(records.unlink, LEFT)
        qtbot.waitUntil(lambda: records.status.text().startswith("Unlinked") and records.profiles.count() == 0)
        wait_settled(qtbot)
        for row in range(min(records.list.count(), 3)):  # look at a few records
            records.list.setCurrentRow(row)
            wait_settled(qtbot)
        records.list.setCurrentRow(records.list.count() - 1)
        wait_settled(qtbot)
        qtbot.mouseClick(records.delete, LEFT)
        qtbot.waitUntil(lambda: records.status.text().startswith("Deleted"))
        wait_settled(qtbot)

        suggestions = window.feature_windows["customers"].suggestions
        window.feature_windows["customers"].tabs.setCurrentWidget(suggestions)
        wait_settled(qtbot)
        if suggestions.table.rowCount():
            suggestions.table.selectRow(0)
            qtbot.mouseClick(suggestions.confirm, LEFT)
            qtbot.waitUntil(lambda: suggestions.undo.isEnabled())
            wait_settled(qtbot)
            qtbot.mouseClick(suggestions.undo, LEFT)
            wait_settled(qtbot)
        if suggestions.table.rowCount():
            suggestions.table.selectRow(0)
            qtbot.mouseClick(suggestions.dismiss, LEFT)
            wait_settled(qtbot)


# ---- the agent window's case actions, the dashboard's alerts ---------------------------------------------------
def test_the_agent_window_and_the_dashboard_act_off_the_gui_thread(qtbot, ws, gui_sql):
    with main_window(qtbot, ws, gui_sql) as window:
        actions(window)["&Agent queue"].trigger()
        agent = window.feature_windows["agent"]
        window.post_action_requested.emit("case", _first_post(qtbot, window))
        qtbot.waitUntil(lambda: agent.case is not None, timeout=30_000)
        wait_settled(qtbot)
        agent.show_tab(agent.tabs.indexOf(agent.templates))  # the template preview on this case
        agent.templates.body.setPlainText("Hi {first_name}, about {incident_url}")
        wait_settled(qtbot)
        agent.assign_menu.aboutToShow.emit()  # the teammates to assign to
        wait_settled(qtbot)
        agent.set_priority(2)
        wait_settled(qtbot)
        agent.add_note("Called them back")
        wait_settled(qtbot)
        agent.queue.setCurrentItem(agent.queue.topLevelItem(0))
        agent.queue.topLevelItem(0).setSelected(True)
        agent.link_selected_to_incident()  # answered by the DialogAnswerer
        wait_settled(qtbot)
        agent.release()
        wait_settled(qtbot)

        actions(window)["&Dashboard"].trigger()
        dashboard = window.feature_windows["dashboard"]
        wait_settled(qtbot)
        alerts = dashboard.alerts
        qtbot.waitUntil(lambda: alerts.list.count() > 0, timeout=30_000)
        alerts.list.setCurrentRow(0)
        qtbot.mouseClick(alerts.acknowledge_button, LEFT)
        wait_settled(qtbot)
        qtbot.waitUntil(lambda: not alerts.list.item(0).font().bold() or alerts.status.text())
