"""The Sources manager: a table of every source with its schedule and health, and the actions on them. The table
is read and every change written on the dialog's task runner (ui/tasks.py), never on the GUI thread."""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from scrm_desktop.core.backoff import format_interval
from scrm_desktop.ui.dialogs.credentials_dialog import CredentialsDialog
from scrm_desktop.ui.dialogs.source_form import SourceForm, error_label, plain_label, show_error
from scrm_desktop.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from scrm_desktop.listening.registry import PluginFailure
    from scrm_desktop.store.sources import Source
    from scrm_desktop.ui.bridge import Bridge
    from scrm_desktop.workspace import Workspace

log = logging.getLogger(__name__)
REFRESH_MS = 5000
EMPTY_HINT = "No sources yet: click Add… to listen to a feed or a social network."
CELL_CHARS = 160
TIP_CHARS = 2000
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

ModelIndex = QModelIndex | QPersistentModelIndex


def one_line(text: str, limit: int = CELL_CHARS) -> str:
    """Untrusted text squeezed into a table cell: no control characters, one line, bounded length."""
    flat = " ".join(_CONTROL.sub(" ", text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def plain_tooltip(text: str) -> str:
    """A tooltip showing `text` literally: Qt renders tooltips that look like HTML as HTML."""
    clipped = _CONTROL.sub(" ", text)[:TIP_CHARS]
    return "<p style='white-space:pre-wrap'>" + html.escape(clipped) + "</p>"


def relative(when: datetime | None, now: datetime) -> str:
    """'3 min ago' / 'in 4 min' for a stored (naive UTC) time; '—' when there is none."""
    if when is None:
        return "—"
    secs = (when - now).total_seconds()
    span = abs(secs)
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if span >= size:
            amount = f"{int(span // size)} {unit}"
            break
    else:
        return "now" if span < 5 else ("in a few s" if secs > 0 else "a few s ago")
    return f"in {amount}" if secs > 0 else f"{amount} ago"


def local_time(when: datetime | None) -> str:
    return when.replace(tzinfo=UTC).astimezone().strftime("%Y-%m-%d %H:%M:%S") if when else ""


def health(source: Source, running: bool = False) -> tuple[str, str]:
    """(what the Health cell says, its tooltip)."""
    if running:
        return "running…", "A fetch is under way"
    if source.disabled_reason:
        return "disabled: " + one_line(source.disabled_reason), source.disabled_reason
    if source.consecutive_failures:
        error = source.last_error or "unknown error"
        times = f"failed {source.consecutive_failures} time(s) in a row, last at {local_time(source.last_error_at)}"
        return "error: " + one_line(error), f"{error}\n\n({times})"
    if not source.enabled:
        return "paused", "Turned off: tick Enabled to listen again"
    if source.last_success_at is None:
        return "waiting for its first run", "Not run yet"
    return "OK", f"Last fetch succeeded at {local_time(source.last_success_at)}"


class SourcesModel(QAbstractTableModel):
    """Rows of `Source` values. Ticking Enabled emits `enabled_toggled`; the owner writes and reloads."""

    HEADERS = (
        "Name",
        "Plugin",
        "Schedule",
        "Enabled",
        "Health",
        "Last success",
        "Next run",
        "New, last run",
        "Posts, total",
    )
    NAME, PLUGIN, SCHEDULE, ENABLED, HEALTH, LAST_SUCCESS, NEXT_RUN, ITEMS_LAST, ITEMS_TOTAL = range(9)

    enabled_toggled = Signal(str, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sources: list[Source] = []
        self.running: set[str] = set()
        self.now = datetime.now(UTC).replace(tzinfo=None)

    def set_sources(self, sources: Sequence[Source], running: set[str], now: datetime) -> None:
        """Replace the rows; same names in the same order only repaint, so the selection stays."""
        same = [s.name for s in sources] == [s.name for s in self.sources]
        if not same:
            self.beginResetModel()
        self.sources, self.running, self.now = list(sources), set(running), now
        if not same:
            self.endResetModel()
        elif self.sources:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.sources) - 1, len(self.HEADERS) - 1))

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self.sources)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid() and index.column() == self.ENABLED:
            base |= Qt.ItemFlag.ItemIsUserCheckable
        return base

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.sources):
            return None
        source, col = self.sources[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(source, col)
        if role == Qt.ItemDataRole.CheckStateRole and col == self.ENABLED:
            return Qt.CheckState.Checked if source.enabled else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = self._tooltip(source, col)
            return plain_tooltip(tip) if tip else None
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (self.ITEMS_LAST, self.ITEMS_TOTAL):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _text(self, source: Source, col: int) -> str:
        if col == self.NAME:
            return one_line(source.name)
        if col == self.PLUGIN:
            return source.plugin
        if col == self.SCHEDULE:
            return f"every {format_interval(source.interval_s)}"
        if col == self.ENABLED:
            return "on" if source.enabled else "off"
        if col == self.HEALTH:
            return health(source, source.name in self.running)[0]
        if col == self.LAST_SUCCESS:
            return relative(source.last_success_at, self.now) if source.last_success_at else "never"
        if col == self.NEXT_RUN:
            return self._next_run(source)
        if col == self.ITEMS_LAST:
            return f"{source.items_last_run:,}"
        return f"{source.items_total:,}"

    def _next_run(self, source: Source) -> str:
        if not source.enabled or source.next_run_at is None:
            return "—"
        return "due now" if source.next_run_at <= self.now else relative(source.next_run_at, self.now)

    def _tooltip(self, source: Source, col: int) -> str:
        if col == self.NAME:
            return source.name
        if col == self.HEALTH:
            return health(source, source.name in self.running)[1]
        if col == self.LAST_SUCCESS:
            return local_time(source.last_success_at)
        if col == self.NEXT_RUN:
            return local_time(source.next_run_at) if source.enabled else ""
        return ""

    def setData(self, index: ModelIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or index.column() != self.ENABLED or role != Qt.ItemDataRole.CheckStateRole:
            return False
        checked = Qt.CheckState(value) == Qt.CheckState.Checked
        self.enabled_toggled.emit(self.sources[index.row()].name, checked)
        return True

    def row_of(self, name: str) -> int:
        return next((i for i, s in enumerate(self.sources) if s.name == name), -1)


class SourcesDialog(QDialog):
    """Lists every source and acts on the selected one. Fetches run on the scheduler's worker threads;
    the table refreshes when `bridge.source_changed` fires and on a timer while open."""

    def __init__(
        self,
        ws: Workspace,
        bridge: Bridge | None = None,
        parent: QWidget | None = None,
        refresh_ms: int = REFRESH_MS,
    ) -> None:
        super().__init__(parent)
        self.ws = ws
        self.bridge = bridge
        self.setWindowTitle("Sources")
        self.resize(1000, 520)
        self.tasks = TaskRunner(self)  # the table's reads and the actions' writes, in the order asked
        self.model = SourcesModel(self)
        self.model.enabled_toggled.connect(self.set_enabled)
        self.table = self._build_table()
        self.status = plain_label(muted=True)
        self.error = error_label()
        self.failures = QListWidget()
        self.failures_title = plain_label("Plugins that failed to load (their sources cannot run):")
        self._build_layout()
        self._timer = QTimer(self)
        self._timer.setInterval(refresh_ms)
        self._timer.timeout.connect(self.reload)
        self._watching = False
        self._read_failed = False
        self._watch(True)
        self.reload()
        self.show_failures(ws.registry.failures)

    # ---- layout ------------------------------------------------------------------------------------------
    def _build_table(self) -> QTableView:
        table = QTableView()
        table.setModel(self.model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.verticalHeader().hide()
        table.setWordWrap(False)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(SourcesModel.HEALTH, QHeaderView.ResizeMode.Stretch)
        table.doubleClicked.connect(lambda _index: self.edit_selected())
        table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        return table

    def _build_layout(self) -> None:
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        actions: list[tuple[str, str, Callable[[], None]]] = [
            ("add", "Add…", self.add_source),
            ("edit", "Edit…", self.edit_selected),
            ("remove", "Remove", self.remove_selected),
            ("run", "Run now", self.run_selected),
            ("credentials", "Credentials…", self.credentials_selected),
        ]
        for key, text, slot in actions:
            button = QPushButton(text)
            button.setAutoDefault(False)
            button.clicked.connect(lambda _checked=False, s=slot: s())
            self.buttons[key] = button
            row.addWidget(button)
        row.addStretch(1)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        layout.addWidget(self.error)
        layout.addWidget(self.status)
        layout.addWidget(self.failures_title)
        layout.addWidget(self.failures)

    def show_failures(self, failures: Sequence[PluginFailure]) -> None:
        self.failures.clear()
        for fail in failures:
            item = QListWidgetItem(one_line(f"{fail.name} ({fail.target}): {fail.error}", 400))
            item.setToolTip(plain_tooltip(fail.details or fail.error))
            self.failures.addItem(item)
        self.failures.setMaximumHeight(24 * min(len(failures), 4) + 8)
        self.failures_title.setVisible(bool(failures))
        self.failures.setVisible(bool(failures))

    # ---- data --------------------------------------------------------------------------------------------
    @Slot(str)
    def _source_changed(self, _name: str) -> None:
        self.reload()

    def reload(self, select: str | None = None) -> None:
        """Read the sources in the background; the rows land with the selection kept (or `select`)."""
        keep, ws = select or self.selected_name(), self.ws

        def read() -> tuple[list[Source], set[str]]:
            return ws.db.sources.list(), set(ws.scheduler.running_since())

        self.tasks.run(read, lambda got: self._show_rows(*got, keep), key="reload", failure=self._unreadable)

    def _unreadable(self, exc: Exception) -> None:
        """A shared database may be unreachable for a while: the last rows stay, the timer retries."""
        log.warning("could not read the sources: %s", exc)
        self._report(error=f"Could not read the sources from the database: {exc}")
        self._read_failed = True

    def _show_rows(self, rows: list[Source], running: set[str], keep: str | None) -> None:
        if self._read_failed:  # it is back
            self._read_failed = False
            self._report()
        self.model.set_sources(rows, running, datetime.now(UTC).replace(tzinfo=None))
        if keep and self.selected_name() != keep:
            self.select(keep)
        if not self.model.sources and not self.status.text():
            self.status.setText(EMPTY_HINT)
        elif self.model.sources and self.status.text() == EMPTY_HINT:
            self.status.setText("")
        self._update_buttons()

    def selected_name(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.sources[rows[0].row()].name if rows else None

    def select(self, name: str) -> None:
        row = self.model.row_of(name)
        if row >= 0:
            self.table.selectRow(row)

    def _selected_source(self) -> Source | None:
        name = self.selected_name()
        return next((s for s in self.model.sources if s.name == name), None) if name else None

    def _update_buttons(self) -> None:
        source = self._selected_source()
        for key in ("edit", "remove", "run"):
            self.buttons[key].setEnabled(source is not None)
        has_secrets = source is not None and source.plugin in self.ws.registry
        has_secrets = has_secrets and bool(self.ws.plugin(source.plugin).secret_fields)  # type: ignore[union-attr]
        self.buttons["credentials"].setEnabled(has_secrets)
        self.buttons["add"].setEnabled(bool(self.ws.registry.names()))

    def _report(self, message: str = "", error: str = "") -> None:
        self.status.setText(message)
        show_error(self.error, error)

    # ---- actions -----------------------------------------------------------------------------------------
    def add_source(self) -> None:
        self._open_form(SourceForm(self.ws, None, self))

    def edit_selected(self) -> None:
        source = self._selected_source()
        if source is not None:
            self._open_form(SourceForm(self.ws, source, self))

    def _open_form(self, form: SourceForm) -> None:
        """Window-modal and non-blocking: the table keeps refreshing behind it."""
        form.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        form.accepted.connect(lambda: self._form_saved(form.saved_name, form.plugin_name, adding=form.source is None))
        self.form = form
        form.open()

    def _form_saved(self, name: str, plugin: str, adding: bool) -> None:
        message = f"Saved {name}."
        if adding and plugin in self.ws.registry and self.ws.plugin(plugin).secret_fields:
            message += " It uses credentials: click Credentials… to store them."
        self._report(message)
        self.reload(select=name)

    def _write(self, work: Callable[[], object], said: str, failed: str) -> None:
        """A change to the sources, in the background (the actions are off meanwhile); then the table again."""

        def refused(exc: Exception) -> None:  # SourceError: removed meanwhile (another process, a teammate)
            self._report(error=str(exc) if isinstance(exc, ValueError) else f"{failed}: {exc}")
            self.reload()

        def done(_result: object) -> None:
            self._report(said)
            self.reload()

        self.tasks.run(work, done, failure=refused, busy=[self.table, *self.buttons.values()])

    def set_enabled(self, name: str, enabled: bool) -> None:
        ws = self.ws
        said = f"{name} is {'listening' if enabled else 'paused'}."
        self._write(lambda: ws.update_source(name, enabled=enabled), said, f"Could not change {name}")

    def remove_selected(self) -> None:
        name = self.selected_name()
        if name is None:
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Remove source",
            f"Remove the source “{one_line(name)}”?\n\n"
            "Its posts are kept. Its schedule and its stored credentials are removed.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda result: self._remove_confirmed(name, result))
        self.confirm = box
        box.open()

    def _remove_confirmed(self, name: str, result: int) -> None:
        if result != QMessageBox.StandardButton.Yes:
            return
        ws = self.ws
        self._write(lambda: ws.remove_source(name), f"Removed {name}; its posts are kept.", f"Could not remove {name}")

    def run_selected(self) -> None:
        name = self.selected_name()
        if name is None:
            return
        self.ws.scheduler.run_now(name)
        if self.ws.scheduler.running:
            self._report(f"Running {name}…")
        else:
            self._report(f"{name} will run as soon as listening starts.")

    def credentials_selected(self) -> None:
        source = self._selected_source()
        if source is None:
            return
        try:
            dialog = CredentialsDialog(self.ws, source, self)
        except LookupError as exc:  # its plugin is not loaded
            self._report(error=str(exc))
            return
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.credentials = dialog
        dialog.open()

    # ---- lifetime: watch for changes only while open --------------------------------------------------
    def _watch(self, on: bool) -> None:
        if on == self._watching:
            return
        self._watching = on
        if on:
            self._timer.start()
        else:
            self._timer.stop()
        if self.bridge is None:
            return
        if on:
            self.bridge.source_changed.connect(self._source_changed)
        else:
            self.bridge.source_changed.disconnect(self._source_changed)

    def showEvent(self, event: QShowEvent) -> None:
        if not self._watching:  # shown again after being closed
            self._watch(True)
            self.reload()
        super().showEvent(event)

    def done(self, result: int) -> None:
        self._watch(False)
        super().done(result)
