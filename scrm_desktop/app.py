"""Composition root of the GUI: a QApplication over a Workspace, the bridge, the main window; snapshots."""

from __future__ import annotations

import gc
import logging
import signal
import sys
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEventLoop, Qt, QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from scrm_desktop import __version__
from scrm_desktop.ui import theme as themes
from scrm_desktop.ui.bridge import Bridge, ErrorLogHandler
from scrm_desktop.ui.main_window import MainWindow
from scrm_desktop.ui.tasks import TaskRunner
from scrm_desktop.workspace import Workspace

if TYPE_CHECKING:
    from scrm_desktop.ui.reports.data import ReportRequest

log = logging.getLogger(__name__)


def ensure_app() -> QApplication:
    app = QApplication.instance()
    if app is None:
        QCoreApplication.setOrganizationName("scrm-desktop")
        QCoreApplication.setApplicationName("scrm-desktop")
        QCoreApplication.setApplicationVersion(__version__)
        app = QApplication(sys.argv[:1])
        _hint_emoji_font()
    return app  # type: ignore[return-value]


def _hint_emoji_font() -> None:
    """Emoji draw as glyphs through the bundled emoji font where the system has none (ui/fonts.py); if even that
    cannot be loaded, say which package fixes it (once, in the log)."""
    from PySide6.QtGui import QFontDatabase

    from scrm_desktop.platform_check import emoji_font_hint
    from scrm_desktop.ui.fonts import install_emoji_font

    if install_emoji_font() is not None or QApplication.platformName() in ("offscreen", "minimal"):
        return
    hint = emoji_font_hint(QFontDatabase.families())
    if hint:
        log.warning("%s", hint)


RESTORE_TEXT = "Restore the last backup"
SALVAGE_TEXT = "Salvage the readable rows"


def startup_error_box(
    message: str, title: str = "scrm-desktop cannot start", backup: Path | None = None, salvage: bool = False
) -> QMessageBox:
    """The dialog shown before any window when the app cannot open its database (started from a launcher, the
    user sees no terminal). With `backup`, it offers to restore it; with `salvage` (a damaged file), to copy the
    rows that can still be read into a new database and open that."""
    ensure_app()
    first, _, rest = message.partition(": ")
    box = QMessageBox(QMessageBox.Icon.Critical, title, first if rest else message)
    box.setTextFormat(Qt.TextFormat.PlainText)
    if rest:
        box.setInformativeText(rest)
    box.setStandardButtons(QMessageBox.StandardButton.Close)
    details = []
    if backup is not None:
        box.addButton(RESTORE_TEXT, QMessageBox.ButtonRole.AcceptRole)
        details.append(f"The last backup: {backup}")
    if salvage:
        box.addButton(SALVAGE_TEXT, QMessageBox.ButtonRole.AcceptRole)
        details.append(
            "Salvage reads the damaged file and copies every row that can still be read (often newer than the last "
            "backup) into a new, checked database, which the app then opens."
        )
    if details:
        box.setDetailedText("\n".join([*details, "The current file is kept beside it, nothing is deleted."]))
    return box


def show_startup_error(message: str, backup: Path | None = None, salvage: bool = False) -> str | None:
    """Show `message` in a dialog and wait for the user: "restore" (the `backup`), "salvage" or None (closed).
    Nothing is shown (None) when Qt cannot open a window here."""
    if QApplication.instance() is None and not _can_show_windows():
        return None
    box = startup_error_box(message, backup=backup, salvage=salvage)
    box.exec()
    clicked = box.clickedButton()
    chosen = clicked.text() if clicked is not None else ""
    if backup is not None and chosen == RESTORE_TEXT:
        return "restore"
    return "salvage" if salvage and chosen == SALVAGE_TEXT else None


def show_info(title: str, message: str) -> None:
    """A plain information dialog before any window (what a start-up repair did); nothing without a display."""
    if QApplication.instance() is None and not _can_show_windows():
        return
    ensure_app()
    box = QMessageBox(QMessageBox.Icon.Information, title, message)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.exec()


def salvage_with_progress(database: Path):  # type: ignore[no-untyped-def]
    """Salvage `database` (store/salvage.py) on a worker thread while a progress dialog says how far it is; the
    result, or the BackupError it raised."""
    from PySide6.QtWidgets import QProgressDialog

    from scrm_desktop.store.salvage import salvage

    ensure_app()
    state: dict[str, object] = {"table": "", "copied": 0}
    dialog = QProgressDialog("Salvaging the readable rows…", "", 0, 0)
    dialog.setWindowTitle("scrm-desktop")
    dialog.setCancelButton(None)
    dialog.setMinimumDuration(0)
    dialog.show()

    def progress(table: str, copied: int) -> None:
        state["table"], state["copied"] = table, copied

    def work() -> None:
        try:
            state["result"] = salvage(database, progress=progress)
        except Exception as exc:
            state["error"] = exc

    worker = threading.Thread(target=work, name="salvage", daemon=True)
    worker.start()
    while worker.is_alive():
        dialog.setLabelText(f"Salvaging {state['table'] or 'the database'}: {state['copied']:,} rows…")
        QApplication.processEvents()
        worker.join(0.05)
    dialog.close()
    if "error" in state:
        raise state["error"]  # type: ignore[misc]
    return state["result"]


def _can_show_windows() -> bool:
    from scrm_desktop.platform_check import display_problem

    return display_problem("gui") is None


def show_notices(ws: Workspace, parent: QWidget) -> list[QMessageBox]:
    """What the workspace has to tell the user (a settings file that could not be read and was kept aside), each
    in a dialog over the main window that does not block it."""
    boxes = []
    for notice in ws.notices:
        box = QMessageBox(QMessageBox.Icon.Warning, "Settings were reset", notice, parent=parent)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        boxes.append(box)
    ws.notices.clear()
    return boxes


def build_window(ws: Workspace) -> tuple[MainWindow, Bridge]:
    app = ensure_app()
    theme = themes.pick(ws.settings.theme)
    themes.apply(app, theme, sheet=False)  # the style sheet once the window's widgets are made (theme.apply)
    bridge = Bridge(ws.events, latest_id=ws.latest_post_id)  # its first look (off this thread) is the start
    window = MainWindow(ws, bridge, theme)
    themes.apply_sheet(app, theme)
    window.detail.on_correct = ws.correct_sentiment
    window.detail.classification_for = lambda post_id: ws.db.posts.classification(post_id)
    window.detail.on_correct_class = lambda post_id, field, value: ws.corrections.correct(
        post_id, field, value, agent=ws.settings.agent_name
    )
    install_work_menu(window, ws, bridge)
    install_view_menu(window, ws)
    install_reports_menu(window, ws)
    return window, bridge


def _feature_window(window: MainWindow, key: str, build):  # type: ignore[no-untyped-def]
    """The window of a feature (built the first time it is asked for, then kept to show again)."""
    features = window.__dict__.setdefault("feature_windows", {})
    if features.get(key) is None:
        features[key] = build()
    return features[key]


def _raise(widget) -> None:  # type: ignore[no-untyped-def]
    widget.raise_()
    widget.activateWindow()


def install_reports_menu(window: MainWindow, ws: Workspace) -> None:
    """File > Reports… (Ctrl+Shift+P): the audit and care reports as PDF, with a preview, exports and schedules."""
    from PySide6.QtGui import QAction, QKeySequence

    menu = next((a.menu() for a in window.menuBar().actions() if a.text() == "&File"), None)
    if menu is None:
        return

    def reports():  # type: ignore[no-untyped-def]
        from scrm_desktop.ui.reports.window import ReportsWindow

        view = ReportsWindow(ws)
        view.setWindowTitle(f"Reports — {window.windowTitle()}")
        return view

    def show_reports() -> None:
        view = _feature_window(window, "reports", reports)
        view.show()
        _raise(view)
        view.preview_on_opening()

    action = QAction("&Reports…", window)
    action.setShortcut(QKeySequence("Ctrl+Shift+P"))
    action.triggered.connect(show_reports)
    first = menu.actions()[0] if menu.actions() else None
    menu.insertAction(first, action)
    if first is not None:
        menu.insertSeparator(first)
    window.reports_action = action  # type: ignore[attr-defined]


def install_view_menu(window: MainWindow, ws: Workspace) -> None:
    """View > Wall display (F11): the command-center view full screen, in a window of its own (Esc leaves
    full screen; closing it returns to the desk)."""
    from PySide6.QtGui import QAction, QKeySequence

    menu = next((a.menu() for a in window.menuBar().actions() if a.text() == "&View"), None)
    if menu is None:
        menu = window.menuBar().addMenu("&View")

    def show_wall() -> None:
        from scrm_desktop.ui.wall import WallView

        wall = _feature_window(window, "wall", lambda: WallView(ws))
        wall.showFullScreen()
        _raise(wall)

    menu.addSeparator()
    action = QAction("&Wall display", window)
    action.setShortcut(QKeySequence("F11"))
    action.triggered.connect(show_wall)
    menu.addAction(action)
    window.wall_action = action  # type: ignore[attr-defined]


def install_work_menu(window: MainWindow, ws: Workspace, bridge: Bridge) -> None:
    """The dashboard and the agent queue open in windows of their own (a second screen, a wall display);
    a click on a chart opens the posts behind it as a column in the main window."""
    from PySide6.QtGui import QAction, QKeySequence
    from PySide6.QtWidgets import QMenu

    bar = window.menuBar()
    menu = QMenu("&Work", bar)
    help_menu = next((a for a in bar.actions() if a.text() == "&Help"), None)
    if help_menu is not None:
        bar.insertMenu(help_menu, menu)  # Help stays the last menu
    else:
        bar.addMenu(menu)
    window.feature_windows = {}  # type: ignore[attr-defined]

    def show(key: str, build):  # type: ignore[no-untyped-def]
        widget = window.feature_windows.get(key)  # type: ignore[attr-defined]
        if widget is None:
            widget = build()
            window.feature_windows[key] = widget  # type: ignore[attr-defined]
        widget.show()
        widget.raise_()
        widget.activateWindow()
        return widget

    def dashboard():  # type: ignore[no-untyped-def]
        from scrm_desktop.ui.dashboard.view import DashboardView

        view = DashboardView(ws, bridge)
        view.setWindowTitle(f"Dashboard — {window.windowTitle()}")
        view.resize(1500, 950)
        view.posts_requested.connect(lambda query, _title: open_posts(query))
        from scrm_desktop.ui.agent.work_menu import connect_banner

        connect_banner(view, window)  # its incident banner opens the incident in the agent window
        return view

    def agent():  # type: ignore[no-untyped-def]
        from scrm_desktop.ui.agent.view import AgentView

        view = AgentView(ws, bridge, agent=ws.settings.agent_name)
        view.setWindowTitle(f"Agent queue — {window.windowTitle()}")
        view.resize(1400, 900)
        return view

    def rules() -> None:
        from scrm_desktop.ui.rules.rules_dialog import RulesDialog

        RulesDialog(ws, window).exec()

    def topics() -> None:
        from scrm_desktop.ui.dashboard.topics_dialog import TopicsDialog

        dialog = TopicsDialog(ws, window)
        open_dashboard = window.feature_windows.get("dashboard")  # type: ignore[attr-defined]
        if open_dashboard is not None:
            dialog.topics_changed.connect(open_dashboard.refresh)
        dialog.finished.connect(dialog.deleteLater)
        window.topics_dialog = dialog  # type: ignore[attr-defined]
        dialog.open()

    def customers():  # type: ignore[no-untyped-def]
        from scrm_desktop.ui.customers.window import CustomersWindow

        view = CustomersWindow(ws, ws.settings.agent_name)
        view.setWindowTitle(f"Customers — {window.windowTitle()}")
        return view

    def link_customer(post) -> None:  # type: ignore[no-untyped-def]
        from scrm_desktop.ui.customers.link_dialog import LinkDialog

        def show(profile) -> None:  # type: ignore[no-untyped-def]
            if profile is not None:
                dialog = LinkDialog(ws.customers, profile, ws.settings.agent_name, window)
                dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
                dialog.finished.connect(lambda _r: window.detail.show_post(window.detail.post))  # the link again
                window.link_dialog = dialog  # type: ignore[attr-defined]
                dialog.open()

        if post.author_id is not None:  # the profile is read off the GUI thread
            window.reads.run(lambda: ws.customers.profile(post.author_id), show, key="link-customer")

    def open_posts(query: str) -> None:
        window.search.setText(query)
        window.run_search()
        window.raise_()
        window.activateWindow()

    for text, shortcut, slot in (
        ("&Dashboard", "Ctrl+Shift+D", lambda: show("dashboard", dashboard)),
        ("&Agent queue", "Ctrl+Shift+A", lambda: show("agent", agent)),
        ("&Topics…", "", topics),
        ("&Customers", "Ctrl+Shift+U", lambda: show("customers", customers)),
        ("Business &rules…", "", rules),
    ):
        action = QAction(text, window)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
    from scrm_desktop.ui.agent.work_menu import add_agent_actions

    add_agent_actions(window, ws, menu, lambda: show("agent", agent))  # Reply templates…; banners open incidents
    from scrm_desktop.ui.agent.post_actions import install_post_actions

    install_post_actions(window, ws, lambda: show("agent", agent))  # any post: open a case, reply, add to one

    def agent_renamed(name: str) -> None:
        view = window.feature_windows.get("agent")  # type: ignore[attr-defined]
        if view is not None:
            view.set_agent(name)

    window.agent_changed.connect(agent_renamed)
    window.detail.customer_for = lambda author: ws.customers.customer_for_author(author)  # the linked record
    window.detail.on_link_customer = link_customer


def start_gui(ws: Workspace) -> tuple[MainWindow, Bridge]:
    """Build and show the main window. What the first sight of the posts need not wait for runs once the first
    column has painted its posts (MainWindow.first_posts_shown): the "your name" check and notices, listening,
    the day's backup (on a worker), the plugins' list."""
    window, bridge = build_window(ws)
    window.first_posts_shown.connect(lambda: _after_first_paint(ws, window))
    window.database_failed.connect(lambda exc: _database_failed(window, exc))
    watch_for_damage(ws, window, bridge)
    window.show()
    return window, bridge


KEEP_WORKING_TEXT = "Keep working"
QUIT_TEXT = "Quit"


def watch_for_damage(ws: Workspace, window: MainWindow, bridge: Bridge) -> None:
    """A damaged page that a read meets once the app is running (the open reads only the schema): told once, in
    a dialog over the window that offers what the start-up dialog offers (restore the last backup, salvage the
    readable rows) and does it (`repair_while_running`), or keep working (what reads the damaged part fails) or
    quit. `window` must outlive the reads (the main window: the app ends with it). Called before the window
    shows: what it needs is imported when a read fails (the store's engine imports SQLAlchemy, which the quick
    start leaves until after the first paint)."""
    from scrm_desktop.ui import tasks

    told: list[QMessageBox] = []  # the one dialog, once shown

    def check(exc: Exception) -> None:
        import shiboken6

        from scrm_desktop.store.backup import POSTGRES_HINT, latest_backup
        from scrm_desktop.store.engine import damage
        from scrm_desktop.store.salvage import salvageable

        words = damage(exc)
        if words is None or not shiboken6.isValid(window) or told:
            return
        database = ws.database_file
        found = latest_backup(database) if database is not None else None
        box = QMessageBox(
            QMessageBox.Icon.Critical,
            "The database is damaged",
            f"The database {database or ws.db_url} is damaged ({words}); what reads the damaged part fails.",
            parent=window,
        )
        box.setTextFormat(Qt.TextFormat.PlainText)
        if database is None:
            box.setInformativeText(f"Restore it on the server: {POSTGRES_HINT}.")
            box.setStandardButtons(QMessageBox.StandardButton.Close)
        else:
            todo = f"put its last backup ({found}) back" if found else "no backup was made"
            can_salvage = salvageable(database)
            salvage_words = ", or keep the rows that can still be read (salvage)" if can_salvage else ""
            box.setInformativeText(
                f"The app can {todo}{salvage_words}: it closes the workspace, does it, and opens it again; the "
                "damaged file is kept beside it (docs/guide/backups.md)."
                if found or can_salvage
                else "No backup was made and nothing can be salvaged (docs/guide/backups.md)."
            )
            if found is not None:
                box.addButton(RESTORE_TEXT, QMessageBox.ButtonRole.AcceptRole)
            if can_salvage:
                box.addButton(SALVAGE_TEXT, QMessageBox.ButtonRole.AcceptRole)
            box.addButton(KEEP_WORKING_TEXT, QMessageBox.ButtonRole.RejectRole)
            box.addButton(QUIT_TEXT, QMessageBox.ButtonRole.DestructiveRole)

            def chosen(button: object) -> None:
                text = button.text() if button is not None else ""  # type: ignore[attr-defined]
                if text == QUIT_TEXT:
                    window.close()
                elif text in (RESTORE_TEXT, SALVAGE_TEXT):
                    how = "restore" if text == RESTORE_TEXT else "salvage"
                    QTimer.singleShot(0, lambda: repair_while_running(ws, window, bridge, how, found))

            box.buttonClicked.connect(chosen)
        box.open()
        told.append(box)

    tasks.fault_listener = check  # the newest main window's (one per app; a test makes several)


def repair_database(
    database: Path, how: str, backup: Path | None, tell: Callable[[str], None] = log.info
) -> str | None:
    """Put the last `backup` in place of the closed `database` ("restore"), or salvage its readable rows into a
    new database and put that in place ("salvage"), as the start-up dialog (cli._open_or_tell), the running
    app (`repair_while_running`) and `db restore` / `db salvage` do (store/backup.py restore, store/salvage.py):
    each step is told in a line to `tell`; returns what salvage kept, in words for a dialog (None for restore).
    Raises BackupError, nothing changed."""
    from scrm_desktop.store.backup import BackupError, restore

    if how == "restore":
        if backup is None:
            raise BackupError(f"there is no backup of {database} to restore")
        tell(restore(database, backup).summary())
        return None
    done = salvage_with_progress(database)
    tell(done.summary())
    tell(restore(database, done.out).summary())
    done.out.unlink(missing_ok=True)  # it is in place now; the damaged file is kept aside
    return f"{done.summary(where=False)}. The damaged file is kept beside it."


def repair_while_running(ws: Workspace, window: MainWindow, bridge: Bridge, how: str, backup: Path | None) -> None:
    """The running app's answer to a damaged database: the workspace closes cleanly (the window's reads and
    listening stopped, the workers stopped), the database is restored or salvaged (`repair_database`), and the
    same workspace opens again in a new main window, so the user works on the repaired file. The new window,
    bridge and workspace are `window.replaced_by` (run_gui closes them at the end); when the repair fails, the
    app says why and quits (the damaged file is unchanged)."""
    from scrm_desktop.store.backup import BackupError

    database = ws.database_file
    assert database is not None  # no repair is offered for a server database
    geometry = window.geometry()
    app = ensure_app()
    quits = app.quitOnLastWindowClosed()
    app.setQuitOnLastWindowClosed(False)  # the window closes before its successor shows
    window.close()  # its task runners and feature windows finish their reads first
    bridge.close()
    ws.close(wait=True)
    try:
        said = repair_database(database, how, backup)
    except BackupError as exc:
        app.setQuitOnLastWindowClosed(quits)
        log.warning("the damaged database could not be repaired: %s", exc)
        box = startup_error_box(str(exc), title="The database was not repaired")
        box.exec()
        QCoreApplication.exit(1)
        return
    again = Workspace(ws.paths, db_url=ws.db_url, name=ws.name)
    new_window, new_bridge = start_gui(again)
    new_window.setGeometry(geometry)
    app.setQuitOnLastWindowClosed(quits)
    window.replaced_by = (new_window, new_bridge, again)  # type: ignore[attr-defined]
    if said is not None:
        box = QMessageBox(QMessageBox.Icon.Information, "Database salvaged", said, parent=new_window)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.open()
        new_window.salvaged_box = box  # type: ignore[attr-defined]


DATABASE_FAILED = 75  # run_gui: the quick start's database could not be opened; start again the usual way


def _database_failed(window: MainWindow, exc: BaseException) -> None:
    log.warning("the database could not be opened after the first paint (%s): starting the usual way", exc)
    window.database_error = exc  # type: ignore[attr-defined]
    QCoreApplication.exit(DATABASE_FAILED)


def _after_first_paint(ws: Workspace, window: MainWindow) -> None:
    from scrm_desktop.ui.agent.post_actions import first_start

    gc.freeze()  # what the start made lives as long as the app: later collections need not look at it again
    gc.enable()  # (cli.py turned collection off for the start)

    window.first_start_dialog = first_start(ws, window)  # type: ignore[attr-defined]  # "your name", once
    window.notice_boxes = show_notices(ws, window)  # type: ignore[attr-defined]

    def start() -> None:  # reads the sources: on a runner of its own, so no stream read waits for it
        ws.start_listening()
        ws.scheduler.run_periodic_now("backup")  # the day's backup, on a worker (a large file takes a while)

    window.starting = TaskRunner(window)  # type: ignore[attr-defined]
    window.starting.run(start, failure=lambda exc: window.show_error("Listening did not start", str(exc)))  # type: ignore[attr-defined]
    # every plugin imported now, off this thread: one that fails is logged as at every start
    threading.Thread(target=ws.registry.load_all, name="plugins-import", daemon=True).start()


def quit_on_signals(app: QCoreApplication) -> QTimer:
    """SIGTERM (a session logging out, `systemctl stop`, `kill`) and Ctrl+C quit the app as closing its window
    does: the workspace closes (a backup if due, the settings saved, worker processes stopped). Python runs a
    signal handler only between bytecodes, so a timer wakes the interpreter while Qt waits for events; keep the
    returned timer referenced."""

    def quit_(signum: int, _frame: object) -> None:
        log.info("%s: closing", signal.Signals(signum).name)
        app.quit()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, quit_)
    wake = QTimer(app)
    wake.start(250)
    wake.timeout.connect(lambda: None)
    return wake


def run_gui(ws: Workspace) -> int:
    app = ensure_app()
    handler = ErrorLogHandler(ws.events)
    logging.getLogger().addHandler(handler)
    window, bridge = start_gui(ws)  # kept referenced while the app runs
    _wake = quit_on_signals(app)
    try:
        code = app.exec()
        while getattr(window, "replaced_by", None) is not None:  # repaired while running: the workspace reopened
            bridge.close()
            window, bridge, ws = window.replaced_by  # type: ignore[attr-defined]
        if getattr(window, "database_error", None) is not None:
            window.close()  # the quick start failed: cli.py opens the workspace again, the usual way
            return DATABASE_FAILED
        return code
    finally:
        logging.getLogger().removeHandler(handler)
        bridge.close()
        ws.backup_if_due()
        ws.close(wait=False)


def run_wall(ws: Workspace, *, listen: bool = False, fullscreen: bool = True) -> int:
    """The wall display alone (a kiosk): full screen, dark, no mouse needed. `listen` also runs the enabled
    sources here; leave it off when a `listen` service or a teammate's desktop listens to the same database."""
    from scrm_desktop.ui.wall import WallView

    app = ensure_app()
    themes.apply(app, themes.DARK)
    handler = ErrorLogHandler(ws.events)
    logging.getLogger().addHandler(handler)
    wall = WallView(ws)
    if fullscreen:
        wall.setCursor(Qt.CursorShape.BlankCursor)  # nobody points at a wall
        wall.showFullScreen()
    else:
        wall.resize(1600, 900)
        wall.show()
    if listen:  # reads the sources: off the GUI thread
        wall.loader.run(ws.start_listening, failure=lambda exc: log.error("listening did not start: %s", exc))
    _wake = quit_on_signals(app)
    try:
        return app.exec()
    finally:
        logging.getLogger().removeHandler(handler)
        wall.close_loader()
        ws.close(wait=False)


def _settle(ms: int = 200) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def _settle_tasks(window: MainWindow, cap_s: float = 20.0) -> None:
    """Let the window's background reads land (pages, counts, the detail pane), then one more paint."""
    import time

    from scrm_desktop.ui.tasks import TaskRunner

    deadline = time.monotonic() + cap_s
    _settle(50)
    while time.monotonic() < deadline:
        if all(t.idle() for t in window.findChildren(TaskRunner)) and not any(c.model.busy for c in window.columns):
            break
        _settle(50)
    _settle(50)


def _render_streams(ws: Workspace, size: tuple[int, int]) -> QImage:
    window, bridge = build_window(ws)
    window.resize(*size)
    window.show()
    _settle_tasks(window)
    if window.columns and window.columns[0].model.rowCount():
        window.columns[0].view.setCurrentIndex(window.columns[0].model.index(0, 0))
        _settle_tasks(window)
    image = window.grab().toImage()
    bridge.close()
    window.close()
    return image


def _render_dashboard(ws: Workspace, size: tuple[int, int]) -> QImage:
    from scrm_desktop.ui.dashboard.view import render_dashboard

    themes.apply(ensure_app(), themes.pick(ws.settings.theme))
    return render_dashboard(ws, size)


def _render_agent(ws: Workspace, size: tuple[int, int]) -> QImage:
    from scrm_desktop.ui.agent.view import render_agent

    themes.apply(ensure_app(), themes.pick(ws.settings.theme))
    return render_agent(ws, size)


def _render_wall(ws: Workspace, size: tuple[int, int]) -> QImage:
    from scrm_desktop.ui.wall import render_wall

    themes.apply(ensure_app(), themes.DARK)
    return render_wall(ws, size)


VIEWS = {"streams": _render_streams, "dashboard": _render_dashboard, "agent": _render_agent, "wall": _render_wall}


def snapshot(ws: Workspace, view: str, out: Path, size: tuple[int, int], *, listen: bool = False) -> int:
    """Render a view offscreen to PNG. On a demo workspace that never listened the demo source runs once first."""
    try:
        ensure_app()
        never_listened = all(s.last_run_at is None for s in ws.db.sources.list())
        if listen or (ws.name == "demo" and never_listened):
            ws.run_once()
        image = VIEWS[view](ws, size)
        out.parent.mkdir(parents=True, exist_ok=True)
        ok = image.save(str(out), "PNG")
    finally:
        ws.close()
    if not ok:
        print(f"scrm-desktop: could not write {out}", file=sys.stderr)
        return 1
    print(f"wrote {out} ({size[0]}x{size[1]}, view {view})")
    return 0


# ---- reports ------------------------------------------------------------------------------------------------
def ensure_offscreen_app() -> QApplication:
    """A QApplication for rendering reports: offscreen unless a platform was chosen (no screen is needed)."""
    import os

    if QApplication.instance() is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    return ensure_app()


def write_report(
    ws: Workspace, request: ReportRequest, out: Path, progress: Callable[[int, int, str], None] | None = None
) -> int:
    """Gather and write one report (ui.reports.data.ReportRequest) as PDF in this thread; the page count.
    The demo workspace gets its day of posts and sample care work first, so its report has something to say."""
    from scrm_desktop.ui.reports.data import gather
    from scrm_desktop.ui.reports.pdf import ReportDocument

    ensure_offscreen_app()
    if ws.name == "demo":
        from scrm_desktop.demo_workspace import seed_care_history

        if not any(s.last_run_at for s in ws.db.sources.list() if s.plugin == "demo"):
            ws.run_once()  # its day of posts (the posts `seed` wrote at first start are only a handful)
        seed_care_history(ws)
    data = gather(ws, request, progress)
    return ReportDocument(data).write_pdf(out)


def export_measures(ws: Workspace, request: ReportRequest, out: Path, fmt: str | None = None) -> int:
    """The measurement table of a period (and brand) to CSV or JSON; the rows written."""
    from scrm_desktop import exports
    from scrm_desktop.engage.outbox import naive
    from scrm_desktop.ui.dashboard.data import CUSTOM, Filters, build
    from scrm_desktop.ui.reports.data import pick_brand

    period = request.period
    exports.format_of(out, fmt)
    brand = pick_brand(ws.topics.list(), request.brand)
    filters = Filters(CUSTOM, brand.name if brand else "", "", period.start, period.end)
    snap = build(ws.topics, naive(ws.clock()), filters, charts=False, influence=getattr(ws, "influence", None))
    return exports.write(exports.measures_table(snap.measures), out, fmt)


def run_due_reports(ws: Workspace, today: date | None = None) -> list[Path]:
    """Scheduled reports (settings extra["reports"]): for each schedule, write the newest whole period's audit,
    and its measurement table as CSV, into its folder unless they are there already; the files written."""
    from scrm_desktop.core.report import file_stem, last_complete, schedules_from_settings
    from scrm_desktop.ui.reports.data import ReportRequest

    day = today or ws.clock().date()
    written = []
    for schedule in schedules_from_settings(ws.settings.extra.get("reports")):
        request = ReportRequest("audit", last_complete(schedule.every, day), schedule.brand)
        stem = file_stem(f"audit-{schedule.every}", request.period, schedule.brand)
        folder = Path(schedule.folder).expanduser()
        pdf, csv_file = folder / f"{stem}.pdf", folder / f"{stem}-measures.csv"
        if not pdf.exists():
            write_report(ws, request, pdf)
            written.append(pdf)
        if not csv_file.exists():
            export_measures(ws, request, csv_file)
            written.append(csv_file)
    for path in written:
        log.info("scheduled report written: %s", path)
    return written
