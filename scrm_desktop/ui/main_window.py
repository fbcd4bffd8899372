"""The main window: a board of stream columns, the detail pane, and a status bar with the sources' health."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from PySide6.QtCore import QSettings, Qt, QTimer, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTabWidget,
    QWidget,
)

from scrm_desktop.ui.bridge import Bridge
from scrm_desktop.ui.models.stream_model import StreamModel
from scrm_desktop.ui.theme import Theme
from scrm_desktop.ui.views.detail_pane import DetailPane
from scrm_desktop.ui.views.post_delegate import relative_time
from scrm_desktop.ui.views.stream_column import StreamColumn
from scrm_desktop.workspace import Workspace

log = logging.getLogger(__name__)
LIVE_BATCH_MS = 300


class MainWindow(QMainWindow):
    def __init__(self, ws: Workspace, bridge: Bridge, theme: Theme) -> None:
        super().__init__()
        self.ws = ws
        self.bridge = bridge
        self.theme = theme
        title = "scrm-desktop" + (" — demo workspace" if ws.name == "demo" else "")
        self.setWindowTitle(title)
        self.resize(1400, 860)

        self.columns: list[StreamColumn] = []
        self.boards = QTabWidget()
        self.boards.setDocumentMode(True)
        self.boards.addTab(self._build_board(), "Mentions")
        self.detail = DetailPane(theme, ws.db.posts.reasons, ws.db.posts.thread)
        self.detail.setMinimumWidth(340)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.boards)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([980, 420])
        self.setCentralWidget(split)

        self.health = QLabel()
        self.health.setObjectName("Muted")
        self.message = QLabel()
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.statusBar().addWidget(self.message, 1)
        self.statusBar().addPermanentWidget(self.health)
        self._build_menus()

        self._live = QTimer(self)
        self._live.setSingleShot(True)
        self._live.setInterval(LIVE_BATCH_MS)
        self._live.timeout.connect(self._apply_live)
        bridge.posts_ingested.connect(lambda *_: self._live.start() if not self._live.isActive() else None)
        bridge.source_changed.connect(lambda _name: self.refresh_health())
        bridge.error_raised.connect(self.show_error)
        self._health_timer = QTimer(self)
        self._health_timer.setInterval(15_000)
        self._health_timer.timeout.connect(self.refresh_health)
        self._health_timer.start()
        self._shown_errors: set[str] = set()
        for col in self.columns:
            col.model.reload()
        self.refresh_health()
        self._restore_geometry()

    # ---- layout ------------------------------------------------------------------------------------------
    def _build_board(self) -> QWidget:
        board = QWidget()
        board.setObjectName("Board")
        row = QHBoxLayout(board)
        row.setContentsMargins(10, 10, 10, 10)
        row.setSpacing(10)
        posts = self.ws.db.posts
        model = StreamModel(
            lambda before, limit: posts.page(before=before, limit=limit),
            lambda after_id: posts.since(after_id),
            self,
        )
        column = StreamColumn("All mentions", model, self.theme)
        column.post_selected.connect(self.detail_show)
        self.columns.append(column)
        row.addWidget(column)
        return board

    def detail_show(self, post) -> None:  # type: ignore[no-untyped-def]
        self.detail.show_post(post)
        if not post.is_read:
            self.ws.db.posts.mark_read([post.id])

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        sources = self.menuBar().addMenu("&Sources")
        run_all = QAction("&Run all sources now", self)
        run_all.setShortcut(QKeySequence("Ctrl+R"))
        run_all.triggered.connect(self.run_all_now)
        sources.addAction(run_all)
        help_menu = self.menuBar().addMenu("&Help")
        logs = QAction("Open &log folder", self)
        logs.triggered.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.ws.paths.logs))))
        help_menu.addAction(logs)
        about = QAction("&About scrm-desktop", self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    def _about(self) -> None:
        QMessageBox.about(
            self,
            "About scrm-desktop",
            f"scrm-desktop: a desktop Social CRM command center on data your team owns.\n\nDatabase: {self.ws.db_url}",
        )

    # ---- live data ---------------------------------------------------------------------------------------
    def _apply_live(self) -> None:
        for col in self.columns:
            col.model.add_new()

    def run_all_now(self) -> None:
        for s in self.ws.db.sources.list():
            if s.enabled:
                self.ws.scheduler.run_now(s.name)
        self.message.setText("Running all enabled sources…")

    def refresh_health(self) -> None:
        srcs = self.ws.db.sources.list()
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
            parts.append(
                f"last fetch {relative_time(last, datetime.now(UTC).replace(tzinfo=None))} ago".replace(
                    "now ago", "just now"
                )
            )
        self.health.setText("   ·   ".join(parts))

    def show_error(self, title: str, message: str) -> None:
        """Errors are shown once each, in the status bar (details in the log)."""
        key = f"{title}\n{message}"
        if key in self._shown_errors:
            return
        self._shown_errors.add(key)
        self.message.setText(f"⚠ {title}: {message}")
        self.message.setToolTip(message)

    # ---- persistence -------------------------------------------------------------------------------------
    def _restore_geometry(self) -> None:
        settings = self._qsettings()
        geometry = settings.value(f"{self.ws.name}/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)

    def _qsettings(self) -> QSettings:
        """Window layout only (typed settings live in settings.json)."""
        return QSettings(str(self.ws.paths.config / "layout.ini"), QSettings.Format.IniFormat)

    def closeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        self._qsettings().setValue(f"{self.ws.name}/geometry", self.saveGeometry())
        super().closeEvent(event)
