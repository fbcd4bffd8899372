"""One stream column: a header (title, unread count) over a list of post cards that keeps the reading position
when new posts land on top."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QFrame, QHBoxLayout, QLabel, QListView, QVBoxLayout

from scrm_desktop.core.post import Post
from scrm_desktop.ui.models.stream_model import StreamModel
from scrm_desktop.ui.theme import Theme
from scrm_desktop.ui.views.post_delegate import PostDelegate


class StreamColumn(QFrame):
    post_selected = Signal(object)  # Post

    def __init__(self, title: str, model: StreamModel, theme: Theme, parent=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(parent)
        self.setObjectName("Column")
        self.model = model
        self.title = QLabel(title)
        self.title.setObjectName("ColumnTitle")
        self.badge = QLabel()
        self.badge.setObjectName("Badge")
        self.badge.hide()
        self.count = QLabel()
        self.count.setObjectName("Muted")
        head = QHBoxLayout()
        head.setContentsMargins(12, 10, 12, 6)
        head.addWidget(self.title)
        head.addWidget(self.badge)
        head.addStretch(1)
        head.addWidget(self.count)

        self.view = QListView()
        self.view.setModel(model)
        self.view.setItemDelegate(PostDelegate(theme, self.view))
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setUniformItemSizes(False)
        self.view.setWordWrap(True)
        self.view.setAccessibleName(f"{title} stream")
        self.view.selectionModel().currentChanged.connect(self._current_changed)
        self.view.verticalScrollBar().valueChanged.connect(self._scrolled)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 4)
        layout.setSpacing(0)
        layout.addLayout(head)
        layout.addWidget(self.view, 1)
        self.setMinimumWidth(320)

        self._anchor: QPersistentModelIndex | None = None
        self._anchor_offset = 0
        model.rowsAboutToBeInserted.connect(self._remember_position)
        model.rowsInserted.connect(self._restore_position)
        model.unread_changed.connect(self._show_unread)
        model.modelReset.connect(self._update_count)
        model.rowsInserted.connect(self._update_count)

    # ---- reading position --------------------------------------------------------------------------------
    def at_top(self) -> bool:
        return self.view.verticalScrollBar().value() <= 2

    def _remember_position(self, _parent: QModelIndex, first: int, _last: int) -> None:
        self._anchor = None
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
        if value <= 2 and self.model.unread:
            self.model.mark_all_seen()

    def _show_unread(self, n: int) -> None:
        if n and not self.at_top():
            self.badge.setText(f"{n} new")
            self.badge.show()
        else:
            self.badge.hide()
            if n:
                self.model.mark_all_seen()

    def _update_count(self, *_args: object) -> None:
        self.count.setText(f"{self.model.loaded:,} loaded")

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        post = self.model.post_at(current.row())
        if post is not None:
            self.post_selected.emit(post)
