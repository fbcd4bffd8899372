"""Item model of one stream column: keyset pages on demand (canFetchMore/fetchMore), live posts in batches."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from scrm_desktop.core.post import Post

PostRole = Qt.ItemDataRole.UserRole + 1
PAGE = 100

Index = QModelIndex | QPersistentModelIndex


class StreamModel(QAbstractListModel):
    """Rows are posts, newest first. `load_page(before, limit)` and `load_since(after_id)` read the store;
    both are short keyset queries."""

    unread_changed = Signal(int)

    def __init__(
        self,
        load_page: Callable[[tuple | None, int], Sequence[Post]],
        load_since: Callable[[int], Sequence[Post]],
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self._load_page = load_page
        self._load_since = load_since
        self._posts: list[Post] = []
        self._ids: set[int] = set()
        self._exhausted = False
        self._max_id = 0
        self.unread = 0

    # ---- Qt model API ------------------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._posts)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._posts):
            return None
        post = self._posts[index.row()]
        if role == PostRole:
            return post
        if role == Qt.ItemDataRole.DisplayRole:
            return post.text
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{post.channel} · {post.author_handle or 'unknown author'}"
        return None

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or self._exhausted:
            return
        last = self._posts[-1] if self._posts else None
        page = [p for p in self._load_page((last.created_at, last.id) if last else None, PAGE) if p.id not in self._ids]
        if len(page) == 0:
            self._exhausted = True
            return
        start = len(self._posts)
        self.beginInsertRows(QModelIndex(), start, start + len(page) - 1)
        self._append(page)
        self.endInsertRows()

    # ---- our API -----------------------------------------------------------------------------------------
    def reload(self) -> None:
        self.beginResetModel()
        self._posts, self._ids, self._exhausted = [], set(), False
        self.endResetModel()
        self._max_id = 0
        self.fetchMore()
        if self._posts:
            self._max_id = max(self._max_id, max(p.id for p in self._posts))

    def _append(self, page: Sequence[Post]) -> None:
        self._posts.extend(page)
        self._ids.update(p.id for p in page)
        self._max_id = max(self._max_id, max(p.id for p in page))

    def add_new(self) -> int:
        """Fetch posts stored since the last look and put them in time order. Posts newer than the top go on
        top in one insert; older ones (a backfill) go where they belong if that part is loaded."""
        fresh = [p for p in self._load_since(self._max_id) if p.id not in self._ids]
        if not fresh:
            return 0
        self._max_id = max(self._max_id, max(p.id for p in fresh))
        fresh.sort(key=lambda p: (p.created_at, p.id), reverse=True)
        top_key = (self._posts[0].created_at, self._posts[0].id) if self._posts else None
        on_top = [p for p in fresh if top_key is None or (p.created_at, p.id) > top_key]
        if on_top:
            self.beginInsertRows(QModelIndex(), 0, len(on_top) - 1)
            self._posts[0:0] = on_top
            self._ids.update(p.id for p in on_top)
            self.endInsertRows()
        for p in fresh[len(on_top) :]:
            self._insert_sorted(p)
        self.unread += len(fresh)
        self.unread_changed.emit(self.unread)
        return len(fresh)

    def _insert_sorted(self, post: Post) -> None:
        key = (post.created_at, post.id)
        lo, hi = 0, len(self._posts)
        while lo < hi:
            mid = (lo + hi) // 2
            if (self._posts[mid].created_at, self._posts[mid].id) > key:
                lo = mid + 1
            else:
                hi = mid
        if lo >= len(self._posts) and not self._exhausted:
            return  # belongs to a part not loaded yet; paging will bring it
        self.beginInsertRows(QModelIndex(), lo, lo)
        self._posts.insert(lo, post)
        self._ids.add(post.id)
        self.endInsertRows()

    def mark_all_seen(self) -> None:
        self.unread = 0
        self.unread_changed.emit(0)

    def post_at(self, row: int) -> Post | None:
        return self._posts[row] if 0 <= row < len(self._posts) else None

    def row_of(self, post_id: int) -> int:
        return next((i for i, p in enumerate(self._posts) if p.id == post_id), -1)

    @property
    def loaded(self) -> int:
        return len(self._posts)
