"""The main window: boards (tabs) of stream columns, the detail pane, a search box, menus and keyboard
shortcuts for every action, notices, and a status bar with the sources' health."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QPushButton,
    QSplitter,
    QTabWidget,
    QToolButton,
    QWidget,
)

from scrm_desktop.core.post import Post
from scrm_desktop.streams import MAX_NAME, BoardSpec, ColumnSpec, LayoutStore, StreamService, check_query
from scrm_desktop.ui import theme as themes
from scrm_desktop.ui.bridge import Bridge
from scrm_desktop.ui.first_paint import FirstPaint
from scrm_desktop.ui.notifications import Notifier, RuleNotices
from scrm_desktop.ui.tasks import TaskRunner
from scrm_desktop.ui.theme import Theme
from scrm_desktop.ui.views.board import BoardView
from scrm_desktop.ui.views.detail_pane import DetailPane
from scrm_desktop.ui.views.post_actions import POST_ACTIONS
from scrm_desktop.ui.views.post_delegate import relative_time
from scrm_desktop.ui.views.query_problem import INVALID_STYLE
from scrm_desktop.ui.views.stream_column import StreamColumn, column_of

if TYPE_CHECKING:
    from scrm_desktop.store.sources import Source
    from scrm_desktop.workspace import Workspace

log = logging.getLogger(__name__)


def _open_url(url: QUrl) -> None:
    from PySide6.QtGui import QDesktopServices

    QDesktopServices.openUrl(url)


def none_refcount_leaks() -> bool:
    """Whether this PySide6 drops a reference to None on every call of a void Qt method (PySide6 6.12.0 does:
    on CPython 3.11, where None is not immortal, the GUI then dies with "none_dealloc" after about a minute of
    painting cards)."""
    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(16):
        probe.setObjectName("probe")
    return sys.getrefcount(None) < before - 8


def guard_none_refcount() -> bool:
    """Give None the huge reference count CPython 3.12+ gives it by design (PEP 683), when the leak is there.
    Should live in the composition root (app.py); see the streams report. Returns whether it was needed."""
    if sys.version_info >= (3, 12) or not none_refcount_leaks():
        return False
    import ctypes

    ctypes.c_ssize_t.from_address(id(None)).value += 1 << 40  # ob_refcnt is PyObject's first field
    log.warning("PySide6 leaks references to None; None made immortal so the GUI does not crash")
    return True


guard_none_refcount()
LIVE_BATCH_MS = 300
NO_SOURCES = (
    "Nothing is listened to yet. Add a source (Sources > Manage sources…, or the button below): RSS and Atom "
    "feeds, Mastodon, Reddit, Hacker News, Bluesky, YouTube comments, e-mail. Posts you already have come in "
    "with `scrm-desktop import posts.csv`."
)
# The GUI thread runs Python for every card it lays out or paints, and must take the GIL for each call; with the
# reader and writer threads keeping it for CPython's default 5 ms at a time, a layout of a few hundred cards
# waited seconds under live ingest. A shorter slice bounds each wait (bench_streams: ui_stall_p99_ms).
GIL_SWITCH_S = 0.0005
COUNTS_MS = 1500  # unread totals are recounted at most this often while posts stream in
SAVE_MS = 400
THEMES = (("auto", "&Auto (follow the system)"), ("light", "&Light"), ("dark", "&Dark"))
# (menu text, shortcuts, method); the help overlay lists the same table
NAVIGATION = (
    ("&Next post", ("J",), "next_post"),
    ("&Previous post", ("K",), "previous_post"),
    ("Column &left", ("H", "Left"), "column_left"),
    ("Column &right", ("L", "Right"), "column_right"),
    ("&Open link", ("O",), "open_link"),
    ("Toggle &read", ("Space", "M"), "toggle_read"),
    ("&Search", ("/",), "focus_search"),
)


class MainWindow(QMainWindow):
    # a POST_ACTIONS key and the post (from a column's menu, the detail pane or the Post menu): the agent
    # feature opens a case, a reply, or adds the post to a case or an incident
    post_action_requested = Signal(str, object)
    agent_changed = Signal(str)  # the agent's display name changed (Settings)
    # once, when the first column has painted its first page (or after FirstPaint.LATEST_MS): what the first sight
    # of the posts need not wait for starts then (the incident banner, rule notices; the app's listening...)
    first_posts_shown = Signal()
    # the quick start's database (Workspace.quick_reader) could not be opened after the first paint: the app
    # starts again the usual way, which tells the user why (app.run_gui)
    database_failed = Signal(object)

    def __init__(self, ws: Workspace, bridge: Bridge, theme: Theme) -> None:
        super().__init__()
        self.ws = ws
        self.bridge = bridge
        self.theme = theme
        self.setWindowTitle("scrm-desktop" + (" — demo workspace" if ws.name == "demo" else ""))
        self.resize(1400, 860)
        self.service = StreamService(ws)
        sys.setswitchinterval(min(sys.getswitchinterval(), GIL_SWITCH_S))
        self.counter = TaskRunner(self)  # unread counts, on a thread of their own: a slow count holds no page back
        self.reads = TaskRunner(self)  # every read and write the window asks for (pages, live checks, marks...)
        self.layout_store = LayoutStore(ws.paths.config)
        self.layout_spec = self.layout_store.load()
        self.columns: list[StreamColumn] = []  # every board's columns, board by board
        self._current: StreamColumn | None = None
        self._shown_errors: set[str] = set()
        self._started = False  # the first posts have been on screen (what was left for then has started)

        self._timers()
        self._build_central()
        self._build_status()
        self._build_search()
        self._build_menus()
        self._overlay: QWidget | None = None  # the shortcuts help, made when first asked for (?)
        self.notifier = Notifier(self.show_message, self, start=False)  # started with the first posts on screen
        # the rules are read (and their package imported) off the GUI thread, from the first check on
        self.rule_notices = RuleNotices(lambda after: ws.rules.notices(after), self.notifier, self._newest_hit, self)
        bridge.posts_ingested.connect(lambda *_: self.rule_notices.check())  # rules with a `notify` action
        bridge.posts_ingested.connect(lambda *_: self._live.start() if not self._live.isActive() else None)
        bridge.posts_edited.connect(self._posts_edited)  # authors' edits: shown cards and the detail pane follow
        bridge.source_changed.connect(lambda _name: self.refresh_health())
        bridge.error_raised.connect(self.show_error)
        QApplication.instance().focusChanged.connect(self._focus_changed)
        if self.current_board() is not None:  # its first column first; its others, the boards, counts... after it
            self.current_board().reload(counts=False, first_only=True)
        self._restore_geometry()
        if self.layout_store.problem:
            self.show_message(self.layout_store.problem)
        shown, ready = self._first_sight()
        self.first_paint = FirstPaint(shown, self._first_posts_shown, ready)

    def _newest_hit(self) -> int:  # on the rule notices' worker
        return self.ws.rules.latest_hit_id()

    def _first_sight(self) -> tuple[QWidget, Callable[[], bool]]:
        """What the user first looks at, and when it is there: the first column painted with its first page."""
        board = self.current_board()
        if board is None or not board.columns:
            return self, lambda: True
        model = board.columns[0].model
        return board.columns[0].view.viewport(), lambda: model.first_page_landed

    def _first_posts_shown(self) -> None:
        """The first posts are on screen: the rest starts, once the database is open (the quick start opens it
        now, on a worker; if it cannot be opened, `database_failed` says why and nothing else starts)."""
        if self.ws.database_open:
            self._start_the_rest()
        else:
            self.reads.run(lambda: self.ws.db, lambda _db: self._start_the_rest(), failure=self.database_failed.emit)

    def _start_the_rest(self) -> None:
        self._started = True
        for board in self.boards_views():
            board.reload_held()  # the rest of the board in sight (the user may have switched boards since)
            if not board.loaded:
                board.reload(counts=False)
        if self.current_board() is not None:
            self.current_board().refresh_counts()
        self.refresh_health()
        self._health_timer.start()
        self.notifier.start()
        self.rule_notices.check()  # notices start from the newest hit now (old ones are not replayed)
        if self.incident_banner is not None:
            self.incident_banner.start()
        self.first_posts_shown.emit()

    # ---- layout ------------------------------------------------------------------------------------------
    def _build_central(self) -> None:
        self.boards = QTabWidget()
        self.boards.setDocumentMode(True)
        self.boards.setMovable(True)
        self.boards.tabBar().tabMoved.connect(self._tab_moved)
        self.boards.currentChanged.connect(self._board_switched)
        self.boards.tabBar().setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.boards.tabBar().customContextMenuRequested.connect(self._tab_menu)
        add = QToolButton()
        add.setText("+")
        add.setToolTip("New board")
        add.setAutoRaise(True)
        add.clicked.connect(self.new_board)
        self.boards.setCornerWidget(add, Qt.Corner.TopRightCorner)
        for spec in self.layout_spec.boards:
            self._add_board_view(spec)
        self.boards.setCurrentIndex(self.layout_spec.current)

        def posts():  # type: ignore[no-untyped-def]  # read when called, off this thread (a quick start opens it later)
            return self.ws.db.posts

        self.detail = DetailPane(
            self.theme,
            lambda post_id: posts().reasons(post_id),
            lambda post, *a, **kw: posts().thread(post, *a, **kw),
            author_for=lambda *a, **kw: posts().author_history(*a, **kw),
        )
        self.detail.setMinimumWidth(340)
        self.detail.action_requested.connect(self.post_action_requested)
        self.detail.edit_for = lambda *a, **kw: posts().edit_note(*a, **kw)  # "edited …" and the text before it
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.boards)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([1000, 400])
        self.main_split = split
        from scrm_desktop.ui.agent.incident_banner import with_banner

        # while a crisis-level incident is open; read once the first posts are on screen
        self.incident_banner, central = with_banner(self.ws, split, start=False)
        self.setCentralWidget(central)

    def _add_board_view(self, spec: BoardSpec, index: int | None = None) -> BoardView:
        board = BoardView(
            spec, self.service, self.theme, lambda: self.ws.clock(), counter=self.counter, reads=self.reads
        )
        board.notify_posts.connect(self._notify_posts)
        board.changed.connect(self._layout_changed)
        board.post_selected.connect(self.detail_show)
        board.post_action_requested.connect(self.post_action_requested)
        board.read_toggled.connect(self.set_read)
        board.marked_read.connect(self._rows_read)
        board.message.connect(self.show_message)
        index = self.boards.count() if index is None else index
        self.boards.insertTab(index, board, spec.name)
        self._sync_columns()
        return board

    def boards_views(self) -> list[BoardView]:
        return [self.boards.widget(i) for i in range(self.boards.count())]  # type: ignore[misc]

    def current_board(self) -> BoardView:
        return self.boards.currentWidget()  # type: ignore[return-value]

    def _sync_columns(self) -> None:
        self.columns = [c for b in self.boards_views() for c in b.columns]

    def _build_status(self) -> None:
        self.health = QLabel()
        self.health.setObjectName("Muted")
        self.message = QLabel()
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.statusBar().addWidget(self.message, 1)
        self.add_source = QPushButton("Add a source…")  # shown while the workspace listens to nothing
        self.add_source.setToolTip(
            "Sources > Manage sources…: RSS and Atom feeds, Mastodon, Reddit, Hacker News, "
            "Bluesky, YouTube comments, e-mail"
        )
        self.add_source.clicked.connect(self.open_sources)
        self.add_source.hide()
        self.statusBar().addPermanentWidget(self.add_source)
        self.statusBar().addPermanentWidget(self.health)

    def _build_search(self) -> None:
        self.search = QLineEdit()
        self.search.setObjectName("SearchBox")
        self.search.setPlaceholderText("Search all posts…   ( / )")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search all posts")
        self.search.setMaximumWidth(520)
        self.search.setMinimumWidth(320)
        self.search.setStyleSheet(INVALID_STYLE)
        self.search.returnPressed.connect(self.run_search)
        self.search.textChanged.connect(lambda: self._search_problem(""))
        bar = self.addToolBar("Search")
        bar.setObjectName("SearchBar")
        bar.setMovable(False)
        bar.addWidget(self.search)
        spacer = QWidget()
        bar.addWidget(spacer)
        new_col = bar.addAction("+ Column")
        new_col.setToolTip("Add a column to this board")
        new_col.triggered.connect(self.new_column)

    def _timers(self) -> None:
        self._live = QTimer(self)
        self._live.setSingleShot(True)
        self._live.setInterval(LIVE_BATCH_MS)
        self._live.timeout.connect(self._apply_live)
        self._counts = QTimer(self)
        self._counts.setSingleShot(True)
        self._counts.setInterval(COUNTS_MS)
        self._counts.timeout.connect(lambda: self.current_board() and self.current_board().refresh_counts())
        self._save = QTimer(self)
        self._save.setSingleShot(True)
        self._save.setInterval(SAVE_MS)
        self._save.timeout.connect(self.save_layout)
        self._health_timer = QTimer(self)
        self._health_timer.setInterval(15_000)
        self._health_timer.timeout.connect(self.refresh_health)  # started with the first posts on screen

    # ---- menus -------------------------------------------------------------------------------------------
    def _action(self, menu: QMenu, text: str, slot, shortcuts=()) -> QAction:  # type: ignore[no-untyped-def]
        action = QAction(text, self)
        if shortcuts:
            action.setShortcuts([QKeySequence(s) for s in shortcuts])
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self._action(file_menu, "&Settings…", self.open_settings, ("Ctrl+,", QKeySequence.StandardKey.Preferences))
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, (QKeySequence.StandardKey.Quit,))
        self._build_view_menu(bar.addMenu("&View"))
        go = bar.addMenu("&Go")
        self.nav_actions = {m: self._action(go, t, getattr(self, m), keys) for t, keys, m in NAVIGATION}
        post_menu = bar.addMenu("&Post")
        self.post_actions = {
            key: self._action(post_menu, label, lambda _=False, k=key: self.post_action(k), (shortcut,))
            for key, label, shortcut in POST_ACTIONS
        }
        column = bar.addMenu("&Column")
        self._action(column, "&New column…", self.new_column, ("Ctrl+Shift+N",))
        for key, text in (
            ("edit", "&Edit column…"),
            ("rename", "&Rename…"),
            ("clear", "Mark all read and &clear"),
            ("export", "E&xport posts…"),  # every post of the column or search, as the column's ⋯ menu
        ):
            self._action(column, text, lambda _=False, k=key: self.column_action(k))
        column.addSeparator()
        self._action(column, "Move &left", lambda: self.column_action("move_left"), ("Ctrl+Shift+Left",))
        self._action(column, "Move &right", lambda: self.column_action("move_right"), ("Ctrl+Shift+Right",))
        column.addSeparator()
        self._action(column, "Re&move column", lambda: self.column_action("remove"))
        sources = bar.addMenu("&Sources")
        self._action(sources, "&Manage sources…", self.open_sources)
        self._action(sources, "&Run all sources now", self.run_all_now, ("Ctrl+R",))
        sources.addSeparator()
        self._action(sources, "&Import posts from a file…", self.import_posts, ("Ctrl+I",))
        help_menu = bar.addMenu("&Help")
        self._action(
            help_menu, "&Keyboard shortcuts", self.show_shortcuts, ("?", QKeySequence.StandardKey.HelpContents)
        )
        logs = QUrl.fromLocalFile(str(self.ws.paths.logs))
        self._action(help_menu, "Open &log folder", lambda: _open_url(logs))
        self._action(help_menu, "&About scrm-desktop", self._about)

    def _build_view_menu(self, view: QMenu) -> None:
        self._action(view, "&New board…", self.new_board, ("Ctrl+Shift+B",))
        self._action(view, "&Rename board…", self.rename_board)
        self._action(view, "Re&move board", self.remove_board)
        view.addSeparator()
        theme_menu = view.addMenu("&Theme")
        group = QActionGroup(self)
        self.theme_actions: dict[str, QAction] = {}
        for name, text in THEMES:
            action = self._action(theme_menu, text, lambda _=False, n=name: self.set_theme(n))
            action.setCheckable(True)
            action.setChecked(self.ws.settings.theme == name)
            group.addAction(action)
            self.theme_actions[name] = action

    def shortcut_rows(self) -> list[tuple[str, str]]:
        rows = [(" / ".join(keys), text.replace("&", "")) for text, keys, _m in NAVIGATION]
        rows += [(shortcut, label.rstrip("…") + " (the selected post)") for _k, label, shortcut in POST_ACTIONS]
        return [*rows, ("?", "This help"), ("Ctrl+R", "Run all sources now"), ("Ctrl+Shift+N", "New column")]

    def post_action(self, key: str) -> None:
        """Open a case / reply / add to a case or incident for the post in the detail pane."""
        if self.detail.post is None:
            self.show_message("Select a post first (J/K move through a column).")
            return
        self.post_action_requested.emit(key, self.detail.post)

    def open_settings(self) -> None:
        """File > Settings: your name, the brand, the theme."""
        from scrm_desktop.ui.dialogs.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.ws, self)
        self.settings_dialog = dialog

        def done(result: int) -> None:
            if result and dialog.theme_chosen != self.ws.settings.theme:
                self.set_theme(dialog.theme_chosen)
            if result:
                self.agent_changed.emit(self.ws.settings.agent_name)
                self.show_message(f"Settings saved. You work as {self.ws.settings.agent_name or '(no name yet)'}.")

        dialog.finished.connect(done)
        dialog.open()

    def _about(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.about(
            self,
            "About scrm-desktop",
            f"scrm-desktop: a desktop Social CRM command center on data your team owns.\n\nDatabase: {self.ws.db_url}",
        )

    # ---- the current column and keyboard navigation -----------------------------------------------------------
    def current_column(self) -> StreamColumn | None:
        board = self.current_board()
        if board is None or not board.columns:
            return None
        if self._current in board.columns:
            return self._current
        return board.columns[0]

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        column = column_of(new)
        if column is not None:
            self._current = column

    def focus_column(self, column: StreamColumn) -> None:
        self._current = column
        self.current_board().scroll.ensureWidgetVisible(column, 0, 0)
        column.view.setFocus(Qt.FocusReason.ShortcutFocusReason)
        if not column.view.currentIndex().isValid():
            column.move(0)

    def next_post(self) -> None:
        self._step(1)

    def previous_post(self) -> None:
        self._step(-1)

    def _step(self, delta: int) -> None:
        column = self.current_column()
        if column is not None:
            column.view.setFocus(Qt.FocusReason.ShortcutFocusReason)
            column.move(delta)

    def column_left(self) -> None:
        self._switch_column(-1)

    def column_right(self) -> None:
        self._switch_column(1)

    def _switch_column(self, delta: int) -> None:
        column = self.current_column()
        if column is None:
            return
        cols = self.current_board().columns
        self.focus_column(cols[min(max(cols.index(column) + delta, 0), len(cols) - 1)])

    def open_link(self) -> None:
        column = self.current_column()
        if column is not None and not column.open_link():
            self.show_message("This post has no link to open.")

    def toggle_read(self) -> None:
        column = self.current_column()
        if column is not None:
            column.toggle_read()

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    @property
    def overlay(self) -> QWidget:
        """The keyboard shortcuts help (Help > Keyboard shortcuts, ?), made the first time it is shown."""
        if self._overlay is None:
            from scrm_desktop.ui.views.shortcuts_overlay import ShortcutsOverlay

            self._overlay = ShortcutsOverlay(self.shortcut_rows(), self)
        return self._overlay

    def show_shortcuts(self) -> None:
        self.overlay.open()  # type: ignore[attr-defined]

    def column_action(self, key: str) -> None:
        column = self.current_column()
        if column is not None:
            self.current_board().act(column, key)

    # ---- boards and columns ------------------------------------------------------------------------------
    def new_column(self) -> None:
        column = self.current_board().new_column()
        if column is not None:
            self._sync_columns()
            self.focus_column(column)

    def new_board(self) -> None:
        from PySide6.QtWidgets import QInputDialog

        name, ok = QInputDialog.getText(self, "New board", "Board name")
        if not ok or not name.strip():
            return
        spec = BoardSpec(name.strip()[:MAX_NAME], [ColumnSpec("All mentions")])
        self.layout_spec.boards.append(spec)
        board = self._add_board_view(spec)
        board.reload()
        self.boards.setCurrentWidget(board)
        self._layout_changed()

    def rename_board(self) -> None:
        from PySide6.QtWidgets import QInputDialog

        board = self.current_board()
        name, ok = QInputDialog.getText(self, "Rename board", "Board name", text=board.spec.name)
        if ok and name.strip():
            board.spec.name = name.strip()[:MAX_NAME]
            self.boards.setTabText(self.boards.indexOf(board), board.spec.name)
            self._layout_changed()

    def remove_board(self) -> None:
        board = self.current_board()
        if self.boards.count() == 1:
            self.show_message("A workspace keeps at least one board.")
            return
        from PySide6.QtWidgets import QMessageBox

        question = f"Remove the board “{board.spec.name}” and its columns? Posts stay."
        if QMessageBox.question(self, "Remove board", question) != QMessageBox.StandardButton.Yes:
            return
        self.layout_spec.boards.remove(board.spec)
        self.boards.removeTab(self.boards.indexOf(board))
        board.deleteLater()
        self._sync_columns()
        self._layout_changed()

    def _tab_menu(self, pos) -> None:  # type: ignore[no-untyped-def]
        index = self.boards.tabBar().tabAt(pos)
        if index < 0:
            return
        self.boards.setCurrentIndex(index)
        menu = QMenu(self)
        menu.addAction("Rename board…", self.rename_board)
        menu.addAction("New column…", self.new_column)
        menu.addSeparator()
        menu.addAction("Remove board", self.remove_board)
        menu.exec(self.boards.tabBar().mapToGlobal(pos))

    def _tab_moved(self, _from: int, _to: int) -> None:
        self.layout_spec.boards = [b.spec for b in self.boards_views()]
        self._sync_columns()
        self._layout_changed()

    def _board_switched(self, index: int) -> None:
        if 0 <= index < len(self.layout_spec.boards):
            self.layout_spec.current = index
            self._save.start()
            board = self.current_board()
            if board is not None and self._started:  # before the first posts show, __init__ reads the board
                if not board.loaded:
                    board.reload(counts=False)
                board.refresh_counts()

    # ---- search ------------------------------------------------------------------------------------------
    def run_search(self) -> StreamColumn | None:
        text = self.search.text().strip()
        if not text:
            return None
        err = check_query(text)
        if err is not None:
            self._search_problem(f"{err.message}\n{err.pretty(text)}")
            self.search.setCursorPosition(min(err.position, len(text)))
            self.show_message(f"Search: {err.message}")
            return None
        board = self.current_board()
        existing = next((c for c in board.columns if board.spec_of(c).temporary), None)
        if existing is not None:
            board.remove(existing)
        column = board.add_column(ColumnSpec(f"Search: {text}"[:MAX_NAME], text, temporary=True))
        self._sync_columns()
        self.focus_column(column)
        self.show_message(f"Search results for “{text}” are in the last column; its ⋯ menu saves it.")
        return column

    def _search_problem(self, problem: str) -> None:
        self.search.setProperty("invalid", bool(problem))
        self.search.setToolTip(problem or 'Full-text search: words, "phrases", OR, -exclude, field:value')
        self.search.style().unpolish(self.search)
        self.search.style().polish(self.search)

    # ---- posts -------------------------------------------------------------------------------------------
    def detail_show(self, post: Post) -> None:
        self.detail.show_post(post)
        if not post.is_read:
            self.set_read([post.id], True)

    def _posts_edited(self, post_ids: list[int]) -> None:
        for board in self.boards_views():
            board.refresh_posts(post_ids)
        shown = self.detail.post
        if shown is not None and shown.id in post_ids:

            def done(post: Post | None) -> None:
                if post is not None and self.detail.post and self.detail.post.id == post.id:
                    self.detail.show_post(post)

            self.reads.run(lambda: self.ws.db.posts.get(shown.id), done, key=("detail-edited", shown.id))

    def set_read(self, post_ids: list[int], read: bool) -> None:
        """The rows change at once; the store is written in the background (a locked database: the rows go back
        and the status bar says why, the click is not lost silently)."""
        for column in self.columns:
            column.model.set_read(post_ids, read)

        def failed(exc: Exception) -> None:
            for column in self.columns:
                column.model.set_read(post_ids, not read)
            self.show_message(f"Could not change the read state: {exc}")

        ws = self.ws  # `ws.db` read on the worker: a quick start may not have opened it yet
        self.reads.run(lambda: ws.db.posts.mark_read(post_ids, read), lambda _: self._counts.start(), failure=failed)

    def _rows_read(self, post_ids: list[int]) -> None:
        """Posts a cleared column stored as read: the other columns' loaded rows follow, counts refresh."""
        for column in self.columns:
            column.model.set_read(post_ids, True)
        self._counts.start()

    def _apply_live(self) -> None:
        """One live check per column per tick, read in the background; the rows land when it is done."""
        for board in self.boards_views():
            board.add_new()
        if not self._counts.isActive():
            self._counts.start()

    def _notify_posts(self, column_id: str, column_name: str, posts: list[Post]) -> None:
        self.notifier.posts_arrived(column_id, column_name, posts)

    # ---- theme -------------------------------------------------------------------------------------------
    def set_theme(self, name: str) -> None:
        self.ws.settings.theme = name
        try:
            self.ws.settings.save(self.ws.paths.settings_file)
        except OSError as exc:
            self.show_message(f"The theme could not be saved: {exc}")
        self.theme = themes.pick(name)
        themes.apply(QApplication.instance(), self.theme)
        for board in self.boards_views():
            board.set_theme(self.theme)
        self.detail.theme = self.theme
        self.detail.show_post(self.detail.post)
        self.theme_actions[name].setChecked(True)

    # ---- sources and health ----------------------------------------------------------------------------------
    def open_sources(self) -> None:
        from scrm_desktop.ui.dialogs.sources_dialog import SourcesDialog  # only built when asked for

        dialog = SourcesDialog(self.ws, self.bridge, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.sources_dialog = dialog
        dialog.show()

    def import_posts(self, path: str | None = None) -> None:
        """Sources > Import posts from a file…: the import dialog (it asks for the file unless given one)."""
        from scrm_desktop.ui.dialogs.import_dialog import ImportPostsDialog  # only built when asked for

        dialog = ImportPostsDialog(self.ws, path, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.import_dialog = dialog
        dialog.show()
        if path is None:
            dialog.ask()

    def run_all_now(self) -> None:
        def run(sources: list[Source]) -> None:
            for s in sources:
                if s.enabled:
                    self.ws.scheduler.run_now(s.name)

        self.reads.run(lambda: self.ws.db.sources.list(), run, key="run-all")
        self.show_message("Running all enabled sources…")

    def refresh_health(self) -> None:
        """The status bar's sources line (the sources are read in the background)."""
        self.reads.run(lambda: self.ws.db.sources.list(), self._show_health, key="health")

    def _show_health(self, srcs: list[Source]) -> None:
        self.add_source.setVisible(not srcs)
        for column in self.columns:
            column.set_empty_text(NO_SOURCES if not srcs else "")
        enabled = [s for s in srcs if s.enabled]
        failing = [s for s in srcs if not s.healthy]
        parts = [f"{len(enabled)} source(s) listening"]
        if failing:
            names = ", ".join(s.name for s in failing[:3])
            parts.append(f"⚠ {len(failing)} with errors: {names}")
            worst = failing[0]
            self.health.setToolTip(f"{worst.name}: {worst.disabled_reason or worst.last_error}")
        else:
            self.health.setToolTip("All sources healthy")
        last = max((s.last_success_at for s in srcs if s.last_success_at), default=None)
        if last:
            ago = relative_time(last, datetime.now(UTC).replace(tzinfo=None))
            parts.append("last fetch just now" if ago == "now" else f"last fetch {ago} ago")
        self.health.setText("   ·   ".join(parts))

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setToolTip(text)

    def show_error(self, title: str, message: str) -> None:
        """Errors are shown once each, in the status bar (details in the log)."""
        key = f"{title}\n{message}"
        if key in self._shown_errors:
            return
        self._shown_errors.add(key)
        self.message.setText(f"⚠ {title}: {message}")
        self.message.setToolTip(message)

    # ---- persistence -------------------------------------------------------------------------------------
    def _layout_changed(self) -> None:
        self._sync_columns()
        self._save.start()

    def save_layout(self) -> None:
        self._save.stop()
        try:
            self.layout_store.save(self.layout_spec)
        except OSError as exc:
            self.show_message(f"The boards could not be saved: {exc}")

    def _restore_geometry(self) -> None:
        settings = self._qsettings()
        geometry = settings.value(f"{self.ws.name}/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        split = settings.value(f"{self.ws.name}/detail_split")
        if split is not None:
            self.main_split.restoreState(split)

    def _qsettings(self) -> QSettings:
        """Window geometry only (boards live in boards.json, typed settings in settings.json)."""
        return QSettings(str(self.ws.paths.config / "layout.ini"), QSettings.Format.IniFormat)

    def closeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        settings = self._qsettings()
        settings.setValue(f"{self.ws.name}/geometry", self.saveGeometry())
        settings.setValue(f"{self.ws.name}/detail_split", self.main_split.saveState())
        self.save_layout()
        self.notifier.close()
        self.rule_notices.close()
        for tasks in self.findChildren(TaskRunner):  # pages, counts, the detail pane, the banner...
            tasks.close()
        for feature in getattr(self, "feature_windows", {}).values():  # the agent window, the dashboard...
            feature.close()  # each lets its background reads finish before the workspace goes away
        QApplication.instance().focusChanged.disconnect(self._focus_changed)
        super().closeEvent(event)
