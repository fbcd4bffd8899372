"""One stream column: a header (title, unread count, "new" badge, a ⋯ menu, a handle to drag the column) over a
list of post cards that keeps the reading position when new posts land on top."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QModelIndex, QPersistentModelIndex, QPoint, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QDrag, QMouseEvent, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from scrm_desktop.core.post import Post
from scrm_desktop.streams import unread_text
from scrm_desktop.ui.models.stream_model import KEEP_AFTER_TRIM, PAGE, StreamModel
from scrm_desktop.ui.theme import Theme
from scrm_desktop.ui.viewports import own_viewport
from scrm_desktop.ui.views.post_actions import POST_ACTIONS
from scrm_desktop.ui.views.post_delegate import PostDelegate

COLUMN_MIME = "application/x-scrm-column"
MIN_WIDTH = 230
EMPTY = "No posts here yet. New ones appear as they arrive."
# What the ⋯ menu offers, in order (None: a separator); the board carries them out.
HEADER_ACTIONS: tuple[tuple[str, str] | None, ...] = (
    ("edit", "Edit column…"),
    ("rename", "Rename…"),
    ("save", "Save as column"),
    None,
    ("clear", "Mark all read and clear"),
    ("refresh", "Reload"),
    ("export", "Export posts…"),
    None,
    ("move_left", "Move left"),
    ("move_right", "Move right"),
    ("wider", "Wider"),
    ("narrower", "Narrower"),
    None,
    ("remove", "Remove column"),
)


class _TitleLabel(QLabel):
    """The column name, elided with … when the column is narrow (the full name is in the tooltip)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(40)
        self.full = ""
        self.set_full(text)

    def set_full(self, text: str) -> None:
        self.full = text
        self.setToolTip(text)
        if self.isVisible():
            self._elide()
        else:  # elided when shown (its first resize), in the font the style sheet gives it then
            self.setText(text)

    def text(self) -> str:  # the name, not its elided form
        return self.full

    def sizeHint(self) -> QSize:
        return QSize(self.fontMetrics().horizontalAdvance(self.full) + 4, super().sizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        self.setText(self.fontMetrics().elidedText(self.full, Qt.TextElideMode.ElideRight, max(10, self.width())))


class _Header(QFrame):
    """The column's title bar; dragging it moves the column."""

    def __init__(self, column: StreamColumn) -> None:
        super().__init__(column)
        self.setObjectName("ColumnHeader")
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        self.setToolTip("Drag to move the column")
        self._column = column
        self._press: QPoint | None = None

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._column.fit_count()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position().toPoint()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        moved = self._press is not None and (event.position().toPoint() - self._press).manhattanLength()
        if moved and moved >= QApplication.startDragDistance():
            self._press = None
            drag = QDrag(self)
            mime = QMimeData()
            mime.setData(COLUMN_MIME, self._column.column_id.encode())
            drag.setMimeData(mime)
            drag.setPixmap(self.grab())
            drag.exec(Qt.DropAction.MoveAction)
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._press = None
        super().mouseReleaseEvent(event)


class StreamColumn(QFrame):
    post_selected = Signal(object)  # Post
    action_requested = Signal(str)  # a HEADER_ACTIONS key
    read_toggled = Signal(list, bool)  # post ids, read
    mute_author_requested = Signal(str)  # author handle
    post_action_requested = Signal(str, object)  # a POST_ACTIONS key, the Post (open a case, reply...)

    def __init__(self, title: str, model: StreamModel, theme: Theme, parent=None, column_id: str = "") -> None:  # type: ignore[no-untyped-def]
        super().__init__(parent)
        self.setObjectName("Column")
        self.model = model
        self.column_id = column_id or title
        self._build_header(title)
        self._build_view(title, theme)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 4)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(self.problem)
        layout.addWidget(self.empty)
        layout.addWidget(self.view, 1)
        self.setMinimumWidth(MIN_WIDTH)

        self._anchor: QPersistentModelIndex | None = None
        self._anchor_offset = 0
        model.rowsAboutToBeInserted.connect(self._remember_position)
        model.rowsInserted.connect(self._restore_position)
        model.unread_changed.connect(self._show_unread)
        model.load_failed.connect(self._show_problem)
        model.posts_arrived.connect(self._trim_at_top)
        for sig in (model.modelReset, model.rowsInserted, model.rowsRemoved):
            sig.connect(self._update_empty)
        model.modelReset.connect(lambda: self.problem.hide())

    def _build_header(self, title: str) -> None:
        self.header = _Header(self)
        self.title = _TitleLabel(title)
        self.title.setObjectName("ColumnTitle")
        self.badge = QLabel()
        self.badge.setObjectName("Badge")
        self.badge.setToolTip("New posts above: scroll to the top to read them")
        self.badge.hide()
        self.count = QLabel()
        self._unread = ""  # "739 unread": the count in words (the label may show the number alone)
        self.count.setObjectName("Muted")
        self.bell = QLabel("⚑")
        self.bell.setToolTip("Desktop notifications are on for this column")
        self.bell.hide()
        self.menu = QMenu(self)
        self.actions_by_key: dict[str, QAction] = {}
        for entry in HEADER_ACTIONS:
            if entry is None:
                self.menu.addSeparator()
                continue
            key, text = entry
            action = self.menu.addAction(text)
            action.triggered.connect(lambda _=False, k=key: self.action_requested.emit(k))
            self.actions_by_key[key] = action
        self.more = QToolButton()
        self.more.setText("⋯")
        self.more.setObjectName("ColumnMenu")
        self.more.setToolTip("Column menu")
        self.more.setAccessibleName(f"{title} column menu")
        self.more.setAutoRaise(True)
        self.more.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.more.setMenu(self.menu)
        self.more.setStyleSheet("QToolButton::menu-indicator { image: none; width: 0px; }")
        head = QHBoxLayout(self.header)
        head.setContentsMargins(12, 8, 6, 6)
        head.setSpacing(6)
        head.addWidget(self.title, 1)
        head.addWidget(self.bell)
        head.addWidget(self.badge)
        head.addWidget(self.count)
        head.addWidget(self.more)

    def _build_view(self, title: str, theme: Theme) -> None:
        self.problem = QLabel()
        self.problem.setObjectName("ColumnProblem")
        self.problem.setWordWrap(True)
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.problem.hide()
        self.empty = QLabel(EMPTY)
        self.empty.setTextFormat(Qt.TextFormat.PlainText)
        self.empty.setObjectName("Muted")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.empty.setContentsMargins(16, 24, 16, 0)
        self.empty.hide()
        self.view = QListView()
        own_viewport(self.view)
        self.view.setModel(self.model)
        self.delegate = PostDelegate(theme, self.view)
        self.view.setItemDelegate(self.delegate)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.verticalScrollBar().setSingleStep(24)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setUniformItemSizes(False)
        self.view.setBatchSize(40)  # see _layout_in_batches
        self.view.setWordWrap(True)
        self.view.setMouseTracking(True)
        self.view.setAccessibleName(f"{title} stream")
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._post_menu)
        self.view.selectionModel().currentChanged.connect(self._current_changed)
        self.view.verticalScrollBar().valueChanged.connect(self._scrolled)

    # ---- header ------------------------------------------------------------------------------------------
    def set_title(self, title: str) -> None:
        self.title.set_full(title)
        self.fit_count()
        self.view.setAccessibleName(f"{title} stream")
        self.more.setAccessibleName(f"{title} column menu")

    def set_unread_total(self, n: int | None) -> None:
        """The column's unread posts; counts stop at the store's cap and show as "999+ unread"."""
        self._unread = unread_text(n)
        self.count.setToolTip(self._unread)
        self.fit_count()

    def fit_count(self) -> None:
        """The count as "739 unread" when the title fits beside it, else as "739" (the name goes first; the
        tooltip has the words), worked out from the header's width alone so the two never take turns."""
        full = self._unread
        head = self.header.layout()
        if head is None or not full:
            self.count.setText(full)
            return
        margins = head.contentsMargins()
        others = [w for w in (self.bell, self.badge, self.more) if not w.isHidden()]
        room = self.header.width() - margins.left() - margins.right() - sum(w.sizeHint().width() for w in others)
        room -= head.spacing() * (len(others) + 1)
        wide = self.title.sizeHint().width() + self.count.fontMetrics().horizontalAdvance(full) <= room
        self.count.setText(full if wide else full.removesuffix(" unread"))

    def set_notify(self, on: bool) -> None:
        self.bell.setVisible(on)
        self.fit_count()

    def set_theme(self, theme: Theme) -> None:
        self.delegate.theme = theme
        self.view.viewport().update()

    def _show_problem(self, message: str) -> None:
        self.problem.setText(f"⚠ This column could not be loaded: {message}")
        self.problem.show()

    def set_empty_text(self, text: str = "") -> None:
        """What the column says while it has no posts ("" for the usual line)."""
        self.empty.setText(text or EMPTY)

    def _update_empty(self, *_args: object) -> None:
        self.empty.setVisible(self.model.rowCount() == 0 and not self.problem.isVisible())

    # ---- reading position --------------------------------------------------------------------------------
    def at_top(self) -> bool:
        return self.view.verticalScrollBar().value() <= 2

    def _layout_in_batches(self, batched: bool) -> None:
        """At the top, rows are laid out 40 at a time between other events, so a live batch never holds the GUI
        thread; scrolled down, in one pass, because keeping the reading position needs the rows placed."""
        mode = QListView.LayoutMode.Batched if batched else QListView.LayoutMode.SinglePass
        if self.view.layoutMode() != mode:
            self.view.setLayoutMode(mode)

    def _remember_position(self, _parent: QModelIndex, first: int, _last: int) -> None:
        self._anchor = None
        self._layout_in_batches(self.at_top())
        if first != 0 or self.at_top():
            return
        idx = self.view.indexAt(QPoint(4, 1))
        if idx.isValid():
            self._anchor = QPersistentModelIndex(idx)
            self._anchor_offset = self.view.visualRect(idx).top()

    def _restore_position(self, *_args: object) -> None:
        anchor, self._anchor = self._anchor, None
        if anchor is None or not anchor.isValid():
            return
        idx = self.model.index(anchor.row(), 0)
        self.view.scrollTo(idx, QAbstractItemView.ScrollHint.PositionAtTop)
        bar = self.view.verticalScrollBar()
        bar.setValue(bar.value() - self._anchor_offset)

    def first_visible_post(self) -> Post | None:
        idx = self.view.indexAt(QPoint(4, 1))
        return self.model.post_at(idx.row()) if idx.isValid() else None

    # ---- unread ------------------------------------------------------------------------------------------
    def _scrolled(self, value: int) -> None:
        self._layout_in_batches(value <= 2)
        if value > 2:
            return
        if self.model.unread:
            self.model.mark_all_seen()
        if self.model.over_cap:
            self.model.trim()  # back at the top: memory stays flat however far the reader scrolled

    def _trim_at_top(self, _posts: object) -> None:
        # A reader at the top of a busy column never scrolls, so live posts would pile up without this; and the
        # list lays out every row it holds on each insert, so at the top it holds no more than a page or two.
        if self.at_top() and self.model.loaded > KEEP_AFTER_TRIM + PAGE:
            self.model.trim()

    def _show_unread(self, n: int) -> None:
        if n and not self.at_top():
            self.badge.setText(f"{n} new")
            self.badge.show()
        else:
            self.badge.hide()
            if n:
                self.model.mark_all_seen()
        self.fit_count()

    # ---- posts -------------------------------------------------------------------------------------------
    def current_post(self) -> Post | None:
        return self.model.post_at(self.view.currentIndex().row())

    def move(self, delta: int) -> None:
        """Select the next (delta 1) or previous (-1) post; the first one when nothing is selected yet."""
        rows = self.model.rowCount()
        if rows == 0:
            return
        current = self.view.currentIndex()
        row = 0 if not current.isValid() else min(max(current.row() + delta, 0), rows - 1)
        if row == rows - 1 and self.model.canFetchMore():
            self.model.fetchMore()
        idx = self.model.index(row, 0)
        self.view.setCurrentIndex(idx)
        self.view.scrollTo(idx)

    def toggle_read(self) -> None:
        post = self.current_post()
        if post is not None:
            self.read_toggled.emit([post.id], not post.is_read)

    def open_link(self) -> bool:
        post = self.current_post()
        if post is None or not post.url:
            return False
        return QDesktopServices.openUrl(QUrl(post.url))

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        post = self.model.post_at(current.row())
        if post is not None:
            self.post_selected.emit(post)

    def _post_menu(self, pos: QPoint) -> None:
        idx = self.view.indexAt(pos)
        post = self.model.post_at(idx.row())
        if post is None:
            return
        self.view.setCurrentIndex(idx)
        menu = QMenu(self)
        for key, label, shortcut in POST_ACTIONS:
            menu.addAction(f"{label}\t{shortcut}", lambda k=key: self.post_action_requested.emit(k, post))
        menu.addSeparator()
        menu.addAction("Open link\tO", self.open_link).setEnabled(bool(post.url))
        menu.addAction("Mark unread\tM" if post.is_read else "Mark read\tM", self.toggle_read)
        if post.author_handle:
            who = post.author_handle.lstrip("@")[:60]
            menu.addAction(f"Mute @{who} in this column", lambda: self.mute_author_requested.emit(post.author_handle))
        menu.addAction("Copy text", lambda: QApplication.clipboard().setText(post.text))
        menu.exec(self.view.viewport().mapToGlobal(pos))


def column_of(widget: QWidget | None) -> StreamColumn | None:
    """The column a widget (say, the focused list) belongs to."""
    while widget is not None and not isinstance(widget, StreamColumn):
        widget = widget.parentWidget()
    return widget
