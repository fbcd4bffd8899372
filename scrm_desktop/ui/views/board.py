"""A board: stream columns side by side in a splitter, built from a BoardSpec and kept in step with it as the
user edits, mutes, clears, moves (drag or menu), resizes and removes columns."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QScrollArea,
    QSplitter,
    QWidget,
)

from scrm_desktop.streams import MAX_NAME, BoardSpec, ColumnSpec, StreamService, author_mute
from scrm_desktop.ui.models.stream_model import StreamModel
from scrm_desktop.ui.tasks import TaskRunner
from scrm_desktop.ui.theme import Theme
from scrm_desktop.ui.viewports import own_viewport
from scrm_desktop.ui.views.stream_column import COLUMN_MIME, MIN_WIDTH, StreamColumn

if TYPE_CHECKING:
    from scrm_desktop.ui.views.column_dialog import ColumnValues

log = logging.getLogger(__name__)


def _export_query(service: StreamService, query: str, path: str, cleared: datetime | None) -> Any:
    from scrm_desktop import exports  # on the worker, when a column is first exported

    return exports.export_query(service, query, path, newer_than=cleared)


WIDTH_STEP = 80
EXPORT_FILTER = "CSV (*.csv);;JSON (*.json)"


class BoardView(QWidget):
    changed = Signal()  # the spec changed: save the layout
    post_selected = Signal(object)
    post_action_requested = Signal(str, object)  # a POST_ACTIONS key and the post, from a column's menu
    read_toggled = Signal(list, bool)  # post ids, read
    marked_read = Signal(list)  # post ids already stored as read (a cleared column): other columns update their rows
    message = Signal(str)  # for the status bar
    column_saved = Signal(str)  # a temporary (search) column became a saved one: its id
    exported = Signal(str, int)  # a column's posts were written to a file: its path, the rows
    notify_posts = Signal(str, str, list)  # a "notify" column got live posts: column id, column name, posts

    def __init__(
        self,
        spec: BoardSpec,
        service: StreamService,
        theme: Theme,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        parent: QWidget | None = None,
        counter: TaskRunner | None = None,
        reads: TaskRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("Board")
        self.spec = spec
        self.service = service
        self.reads = reads or TaskRunner(self)  # pages and live checks, off the GUI thread
        self.counter = counter or TaskRunner(self)  # unread counts: a slow count never holds a page back
        self.theme = theme
        self._now = now
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setHandleWidth(10)
        self.splitter.splitterMoved.connect(self._sizes_moved)
        # More columns than fit: the board scrolls sideways instead of squeezing cards unreadably narrow.
        self.scroll = QScrollArea()
        own_viewport(self.scroll, QPalette.ColorRole.Window)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(self.splitter)
        self.scroll.viewport().setObjectName("Board")
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 10, 10, 10)
        row.addWidget(self.scroll)
        self.setAcceptDrops(True)
        self.columns: list[StreamColumn] = []
        self.loaded = False  # its columns have been read (reload) at least once
        self._held: list[StreamColumn] = []  # columns whose first read waits (reload(first_only=True))
        for column_spec in spec.columns:
            self._add_widget(column_spec, len(self.columns))
        self._apply_widths()

    # ---- building ----------------------------------------------------------------------------------------
    def _loaders(self, spec: ColumnSpec) -> tuple[Callable, Callable]:
        query, cleared = spec.full_query(), spec.cleared()
        return (
            lambda before, limit: self.service.page(query, before, limit, cleared),
            lambda after_id: self.service.since(query, after_id, cleared),
        )

    def _add_widget(self, spec: ColumnSpec, index: int) -> StreamColumn:
        model = StreamModel(*self._loaders(spec), parent=self, worker=self.reads, latest_id=self.service.latest_id)
        column = StreamColumn(spec.name, model, self.theme, column_id=spec.id)
        column.spec = spec  # type: ignore[attr-defined]
        model.posts_arrived.connect(lambda posts, c=column: self._arrived(c, posts))
        column.set_notify(spec.notify)
        column.actions_by_key["save"].setVisible(spec.temporary)
        column.post_selected.connect(self.post_selected)
        column.post_action_requested.connect(self.post_action_requested)
        column.read_toggled.connect(self.read_toggled)
        column.action_requested.connect(lambda key, c=column: self.act(c, key))
        column.mute_author_requested.connect(lambda handle, c=column: self.mute(c, author_mute(handle)))
        self.splitter.insertWidget(index, column)
        self.columns.insert(index, column)
        self._update_move_actions()
        return column

    def _arrived(self, column: StreamColumn, posts: list) -> None:
        spec = self.spec_of(column)
        if spec.notify:
            self.notify_posts.emit(spec.id, spec.name, posts)

    def add_new(self) -> None:
        """Every column checks for posts stored since its last look (one read per column at a time)."""
        for column in self.columns:
            column.model.add_new()

    def refresh_posts(self, post_ids: list[int]) -> None:
        """Posts edited by their authors: each column re-reads those its query matches now."""
        for column in self.columns:
            spec = self.spec_of(column)
            query, cleared = spec.full_query(), spec.cleared()
            column.model.refresh_posts(post_ids, lambda ids, q=query, c=cleared: self.service.matching(q, ids, c))

    def spec_of(self, column: StreamColumn) -> ColumnSpec:
        return column.spec  # type: ignore[attr-defined,no-any-return]

    def reload(self, counts: bool = True, *, first_only: bool = False) -> None:
        """Every column from its newest posts; `counts=False` leaves the unread counts for later (the window's
        start counts once the first posts are on screen). `first_only`: the first column now, the others held
        until `reload_held()` (the window's start: their reads would share the GIL with the first one's paint)."""
        self.loaded = True
        for i, column in enumerate(self.columns):
            if first_only and i > 0:
                column.model.hold()
                self._held.append(column)
            else:
                column.model.reload()
        if counts:
            self.refresh_counts()

    def reload_held(self) -> None:
        """The columns `reload(first_only=True)` held, from their newest posts."""
        held, self._held = self._held, []
        for column in held:
            if column in self.columns:
                column.model.reload()

    def refresh_counts(self) -> None:
        """Recount the columns' unread posts (in the background; the headers update when it is done)."""
        for column in self.columns:
            spec = self.spec_of(column)
            query, cleared = spec.full_query(), spec.cleared()
            self.counter.run(
                lambda q=query, c=cleared: self.service.count_unread(q, c),
                column.set_unread_total,
                key=("unread", spec.id),
                failure=lambda exc, c=column: self._count_failed(c, exc),  # the column shows its query's problem
                owner=column,
            )

    @staticmethod
    def _count_failed(column: StreamColumn, exc: Exception) -> None:
        log.debug("unread count failed: %s", exc)
        column.set_unread_total(None)

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        for column in self.columns:
            column.set_theme(theme)

    # ---- column actions ----------------------------------------------------------------------------------
    def act(self, column: StreamColumn, key: str) -> None:
        handlers: dict[str, Callable[[StreamColumn], object]] = {
            "edit": self.edit,
            "rename": self.rename,
            "save": self.save_temporary,
            "clear": self.clear,
            "refresh": lambda c: (c.model.reload(), self.refresh_counts()),
            "move_left": lambda c: self.move(c, self.columns.index(c) - 1),
            "move_right": lambda c: self.move(c, self.columns.index(c) + 1),
            "wider": lambda c: self.resize_column(c, WIDTH_STEP),
            "narrower": lambda c: self.resize_column(c, -WIDTH_STEP),
            "remove": self.confirm_remove,
            "export": self.export,
        }
        handlers[key](column)

    def add_column(self, spec: ColumnSpec, index: int | None = None) -> StreamColumn:
        index = len(self.columns) if index is None else index
        self.spec.columns.insert(index, spec)
        column = self._add_widget(spec, index)
        column.model.reload()
        self.refresh_counts()
        self._changed()
        return column

    def new_column(self) -> StreamColumn | None:
        from scrm_desktop.ui.views.column_dialog import ColumnDialog, ColumnValues  # made when asked for

        dialog = ColumnDialog(ColumnValues("", "", False, []), "New column", self)
        if dialog.exec() != ColumnDialog.DialogCode.Accepted:
            return None
        v = dialog.values()
        return self.add_column(ColumnSpec(v.name, v.query, v.notify, v.mutes))

    def edit(self, column: StreamColumn) -> bool:
        spec = self.spec_of(column)
        from scrm_desktop.ui.views.column_dialog import ColumnDialog, ColumnValues

        dialog = ColumnDialog(ColumnValues(spec.name, spec.query, spec.notify, list(spec.mutes)), "Edit column", self)
        if dialog.exec() != ColumnDialog.DialogCode.Accepted:
            return False
        self.apply(column, dialog.values())
        return True

    def apply(self, column: StreamColumn, values: ColumnValues) -> None:
        spec = self.spec_of(column)
        requery = (values.query, values.mutes) != (spec.query, spec.mutes)
        spec.name, spec.query, spec.notify, spec.mutes = values.name, values.query, values.notify, list(values.mutes)
        column.set_title(spec.name)
        column.set_notify(spec.notify)
        if requery:
            self._requery(column)
        self._changed()

    def rename(self, column: StreamColumn) -> None:
        from PySide6.QtWidgets import QInputDialog  # dialogs' classes load when first used, not at the start

        spec = self.spec_of(column)
        name, ok = QInputDialog.getText(self, "Rename column", "Name", text=spec.name)
        if ok and name.strip():
            spec.name = name.strip()[:MAX_NAME]
            column.set_title(spec.name)
            self._changed()

    def mute(self, column: StreamColumn, atom: str) -> None:
        spec = self.spec_of(column)
        if atom not in spec.mutes:
            spec.mutes.append(atom)
            self._requery(column)
            self._changed()
            self.message.emit(f"Muted {atom} in “{spec.name}” (edit the column to undo)")

    def clear(self, column: StreamColumn) -> None:
        """Mark everything the column shows read, then hide it: the column starts over from now. Marking runs on
        the read worker (a busy column can hold a million unread posts); the column updates when it is done."""
        spec = self.spec_of(column)
        query, cleared, name = spec.full_query(), spec.cleared(), spec.name

        def job() -> tuple[list[int], datetime | None]:
            return self.service.mark_all_read(query, cleared), self.service.newest(query)

        def done(result: Any) -> None:
            ids, newest = result
            if spec not in self.spec.columns:  # removed meanwhile: the posts are marked read all the same
                return
            now = self._now().astimezone(UTC).replace(tzinfo=None)
            spec.cleared_at = max(now, newest or now).isoformat()
            self._requery(column)
            self._changed()
            if ids:
                self.marked_read.emit(ids)
            self.message.emit(f"Cleared “{name}”: {len(ids):,} marked read")

        self.message.emit(f"Clearing “{name}”…")
        self.reads.run(  # a locked database or an unusable query must not crash the GUI
            job, done, key=("clear", spec.id), failure=lambda exc: self.message.emit(f"Could not clear “{name}”: {exc}")
        )

    def export(self, column: StreamColumn) -> None:
        """Every post of the column (not only the loaded rows) to CSV or JSON, chosen in a file dialog."""
        spec = self.spec_of(column)
        name = "".join(ch if ch.isalnum() else "_" for ch in spec.name.lower()).strip("_") or "posts"
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getSaveFileName(self, f"Export “{spec.name}”", f"{name}.csv", EXPORT_FILTER)
        if path:
            self.export_to(column, path)

    def export_to(self, column: StreamColumn, path: str) -> None:
        """Write the column's posts on the read worker; `exported(path, rows)` or a message when it is done."""
        spec = self.spec_of(column)
        query, cleared, name = spec.full_query(), spec.cleared(), spec.name

        def done(rows: Any) -> None:
            self.message.emit(f"Exported {rows:,} post(s) of “{name}” to {path}")
            self.exported.emit(path, rows)

        self.message.emit(f"Exporting “{name}”…")
        self.reads.run(
            lambda: _export_query(self.service, query, path, cleared),
            done,
            key=("export", spec.id, path),
            failure=lambda exc: self.message.emit(f"Could not export “{name}”: {exc}"),
        )

    def save_temporary(self, column: StreamColumn) -> None:
        spec = self.spec_of(column)
        spec.temporary = False
        spec.name = spec.name.removeprefix("Search: ")[:MAX_NAME] or "Search"
        column.set_title(spec.name)
        column.actions_by_key["save"].setVisible(False)
        self._changed()
        self.column_saved.emit(spec.id)

    def confirm_remove(self, column: StreamColumn) -> None:
        from PySide6.QtWidgets import QMessageBox

        spec = self.spec_of(column)
        if not spec.temporary:
            answer = QMessageBox.question(self, "Remove column", f"Remove the column “{spec.name}”? Posts stay.")
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.remove(column)

    def remove(self, column: StreamColumn) -> None:
        self.spec.columns.remove(self.spec_of(column))
        self.columns.remove(column)
        column.hide()
        column.setParent(None)
        column.deleteLater()
        self._update_move_actions()
        self._changed()

    def move(self, column: StreamColumn, index: int) -> None:
        if not 0 <= index < len(self.columns) or self.columns.index(column) == index:
            return
        spec = self.spec_of(column)
        sizes = dict(zip(self.columns, self.splitter.sizes(), strict=False))
        self.columns.remove(column)
        self.columns.insert(index, column)
        self.spec.columns.remove(spec)
        self.spec.columns.insert(index, spec)
        self.splitter.insertWidget(index, column)  # an existing child moves
        self.splitter.setSizes([sizes.get(c, 0) for c in self.columns])
        self._update_move_actions()
        self._changed()

    def _requery(self, column: StreamColumn) -> None:
        column.model.set_loaders(*self._loaders(self.spec_of(column)))
        self.refresh_counts()

    def _update_move_actions(self) -> None:
        for i, column in enumerate(self.columns):
            column.actions_by_key["move_left"].setEnabled(i > 0)
            column.actions_by_key["move_right"].setEnabled(i < len(self.columns) - 1)

    def _changed(self) -> None:
        self.changed.emit()

    # ---- widths ------------------------------------------------------------------------------------------
    def _apply_widths(self) -> None:
        widths = [self.spec_of(c).width for c in self.columns]
        if widths and all(widths):
            self._set_sizes(widths)

    def _set_sizes(self, sizes: list[int]) -> None:
        """Columns at these widths; wider in total than the board, the board scrolls sideways."""
        sizes = [max(MIN_WIDTH, s) for s in sizes]
        handles = self.splitter.handleWidth() * max(0, len(sizes) - 1)
        self.splitter.setMinimumWidth(sum(sizes) + handles)
        self.splitter.setSizes(sizes)

    def resize_column(self, column: StreamColumn, delta: int) -> None:
        """Wider or narrower by `delta` px, the others keeping theirs (the splitter handle trades with a
        neighbour; this works when every column is already at its narrowest too)."""
        sizes = self.splitter.sizes()
        i = self.columns.index(column)
        sizes[i] = max(MIN_WIDTH, sizes[i] + delta)
        self._set_sizes(sizes)
        self._sizes_moved()

    def _sizes_moved(self, *_args: object) -> None:
        if not any(self.splitter.sizes()):
            return  # not laid out yet
        for column, size in zip(self.columns, self.splitter.sizes(), strict=False):
            self.spec_of(column).width = size
        self._changed()

    # ---- drag a column by its header -----------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasFormat(COLUMN_MIME):
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if event.mimeData().hasFormat(COLUMN_MIME):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        column_id = bytes(event.mimeData().data(COLUMN_MIME).data()).decode(errors="replace")
        column = next((c for c in self.columns if c.column_id == column_id), None)
        if column is None:
            return
        slot = self.drop_index(event.position().toPoint().x())
        # The slot counts the dragged column itself: past its old place, everything shifts left by one.
        self.move(column, slot - 1 if slot > self.columns.index(column) else slot)
        event.acceptProposedAction()

    def drop_index(self, x: int) -> int:
        """The gap a drop at board x points at: before the first column whose middle is right of x."""
        for i, column in enumerate(self.columns):
            if x < column.mapTo(self, column.rect().center()).x():
                return i
        return len(self.columns)
