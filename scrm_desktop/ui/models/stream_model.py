"""Item model of one stream column: keyset pages on demand (canFetchMore/fetchMore), live posts in batches, both
read off the GUI thread, and a cap on the rows held so memory does not grow with the archive."""

from __future__ import annotations

import dataclasses
import itertools
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from scrm_desktop.core.post import Post
from scrm_desktop.ui.tasks import TaskRunner

log = logging.getLogger(__name__)

PostRole = Qt.ItemDataRole.UserRole + 1
PAGE = 100
MAX_LOADED = 2000  # past this, and back at the top, the tail is dropped (paging brings it back)
KEEP_AFTER_TRIM = 2 * PAGE

Index = QModelIndex | QPersistentModelIndex
_model_keys = itertools.count(1)


class StreamModel(QAbstractListModel):
    """Rows are posts, newest first. `load_page(before, limit)` and `load_since(after_id)` read the store; with a
    `worker` they run on its thread and the rows land when the result is back (the GUI thread never waits on
    SQL), without one they run inline (scripts, model tests). At most one page read and one live read per
    column are under way at a time: live updates asked for meanwhile are merged into the next read."""

    unread_changed = Signal(int)
    load_failed = Signal(str)  # a message for the user: the store could not be read, or the query is unusable
    posts_arrived = Signal(list)  # live posts just added (newest first)
    page_loaded = Signal()

    def __init__(
        self,
        load_page: Callable[[tuple | None, int], Sequence[Post]],
        load_since: Callable[[int], Sequence[Post]],
        parent: Any = None,
        *,
        worker: TaskRunner | None = None,
        latest_id: Callable[[], int] | None = None,
    ) -> None:
        super().__init__(parent)
        self._load_page = load_page
        self._load_since = load_since
        self._worker = worker
        self._latest_id = latest_id  # read before the first page: live updates start from there
        self._key = next(_model_keys)
        self._generation = 0  # bumped by reload: results of older reads are dropped
        self._posts: list[Post] = []
        self._ids: set[int] = set()
        self._exhausted = False
        self._paging = False
        self._paging_from: tuple | None = None
        self._live_busy = False
        self._live_again = False
        self._max_id = 0
        self.unread = 0
        self.first_page_landed = False  # the first page read has answered (rows, none, or an error)
        self.last_added: list[Post] = []  # the posts the last live update brought, newest first (for notices)

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
        """Ask for the next page (the view calls this at the bottom); a page already under way is not asked twice."""
        if parent.isValid() or self._exhausted or self._paging:
            return
        last = self._posts[-1] if self._posts else None
        before = (last.created_at, last.id) if last else None
        load, latest = self._load_page, (self._latest_id if last is None else None)

        def read() -> tuple[int, Sequence[Post]]:
            top = latest() if latest else 0  # before the page: nothing stored after the page read is missed
            return top, load(before, PAGE)

        self._paging, self._paging_from = True, before
        self._run("page", read, lambda result, error: self._page_done(before, result, error))

    # ---- reads -------------------------------------------------------------------------------------------
    def _run(self, kind: object, read: Callable[[], Any], done: Callable[[Any, BaseException | None], None]) -> None:
        generation = self._generation

        def deliver(result: Any, error: BaseException | None) -> None:
            if generation == self._generation:
                done(result, error)

        if self._worker is None:
            try:
                result = read()
            except Exception as exc:
                deliver(None, exc)
            else:
                deliver(result, None)
        else:
            self._worker.run(
                read,
                lambda result: deliver(result, None),
                key=(self._key, kind),
                failure=lambda error: deliver(None, error),
                owner=self,
            )

    def _failed(self, error: BaseException) -> None:
        # a query the database rejects, a locked or vanished file: shown in the column, never fatal
        log.warning("stream could not be loaded: %s", error)
        self.load_failed.emit(str(error) or type(error).__name__)

    def _page_done(
        self, before: tuple | None, result: tuple[int, Sequence[Post]] | None, error: BaseException | None
    ) -> None:
        if not self._paging or before != self._paging_from:
            return  # the rows it would follow were trimmed meanwhile
        self._paging = False
        self.first_page_landed = True
        if error is not None or result is None:
            self._exhausted = True  # retried on the next reload; the column shows why
            self._failed(error or RuntimeError("no result"))
            return
        top, loaded = result
        self._max_id = max(self._max_id, top)
        page = [p for p in loaded if p.id not in self._ids]
        if len(loaded) < PAGE:
            self._exhausted = True
        if page:
            start = len(self._posts)
            self.beginInsertRows(QModelIndex(), start, start + len(page) - 1)
            self._append(page)
            self.endInsertRows()
        else:
            self._exhausted = True
        self.page_loaded.emit()
        if self._live_again:
            self.add_new()

    # ---- our API -----------------------------------------------------------------------------------------
    def reload(self) -> None:
        """Start over from the newest posts (the first page is read in the background when there is a worker)."""
        self._generation += 1
        self.beginResetModel()
        self._posts, self._ids, self._exhausted = [], set(), False
        self.endResetModel()
        self._max_id = 0
        self._paging = self._live_busy = self._live_again = False
        self.fetchMore()

    def hold(self) -> None:
        """Read nothing until `reload()` (a column of the board in sight while its first column's posts come
        first): the view asks for no page meanwhile, and a live check asked meanwhile waits for the first page."""
        self._paging, self._paging_from = True, ("held",)

    def set_loaders(
        self,
        load_page: Callable[[tuple | None, int], Sequence[Post]],
        load_since: Callable[[int], Sequence[Post]],
    ) -> None:
        """A new query (edited column, mute, clear): load from scratch."""
        self._load_page, self._load_since = load_page, load_since
        self.reload()

    @property
    def busy(self) -> bool:
        """A read is under way (tests and benchmarks wait for it)."""
        return self._paging or self._live_busy

    def _append(self, page: Sequence[Post]) -> None:
        self._posts.extend(page)
        self._ids.update(p.id for p in page)
        self._max_id = max(self._max_id, max(p.id for p in page))

    def add_new(self) -> None:
        """Read the posts stored since the last look (in the background); they land in time order. Asked again
        while a read is under way (or before the first page is in), the next read takes everything."""
        if self._live_busy or (self._paging and not self._posts):
            self._live_again = True
            return
        self._live_busy, self._live_again = True, False
        load, after = self._load_since, self._max_id
        self._run("since", lambda: load(after), self._since_done)

    def _since_done(self, loaded: Sequence[Post] | None, error: BaseException | None) -> None:
        self._live_busy = False
        if error is not None:
            self._failed(error)
        else:
            self._land(loaded or ())
        if self._live_again:
            self.add_new()

    def _land(self, loaded: Sequence[Post]) -> None:
        """Posts newer than the top go on top in one insert; older ones (a backfill) go where they belong if that
        part is loaded."""
        fresh = [p for p in loaded if p.id not in self._ids]
        self.last_added = []
        if not fresh:
            return
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
        self.last_added = fresh
        self.unread += len(fresh)
        self.unread_changed.emit(self.unread)
        self.posts_arrived.emit(fresh)

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

    def set_read(self, post_ids: Iterable[int], read: bool = True) -> None:
        """Show the new read state of these posts where they are loaded (the store is updated by the caller)."""
        wanted = set(post_ids) & self._ids
        for row, p in enumerate(self._posts):
            if p.id in wanted and p.is_read != read:
                self._posts[row] = dataclasses.replace(p, is_read=read)
                idx = self.index(row, 0)
                self.dataChanged.emit(idx, idx, [PostRole])

    def refresh_posts(self, post_ids: Iterable[int], load: Callable[[list[int]], Sequence[Post]]) -> None:
        """Posts edited by their authors: `load(ids)` gives those the column's query matches now (read in the
        background). Loaded cards show the new version, or go when the post no longer matches; a post that
        now matches lands as a live post would."""
        wanted = sorted(set(post_ids))
        if wanted:
            self._run(("edited", *wanted), lambda: load(wanted), lambda r, e: self._refreshed(wanted, r, e))

    def _refreshed(self, asked: list[int], loaded: Sequence[Post] | None, error: BaseException | None) -> None:
        if error is not None:
            self._failed(error)
            return
        fresh = {p.id: p for p in loaded or ()}
        gone = set(asked) - set(fresh)
        for row in reversed(range(len(self._posts))):
            p = self._posts[row]
            if p.id in fresh:
                self._posts[row] = dataclasses.replace(fresh[p.id], is_read=p.is_read)
                idx = self.index(row, 0)
                self.dataChanged.emit(idx, idx, [PostRole, Qt.ItemDataRole.DisplayRole])
            elif p.id in gone:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._posts[row]
                self._ids.discard(p.id)
                self.endRemoveRows()
        self._land([p for p in fresh.values() if p.id not in self._ids])

    def trim(self, keep: int = KEEP_AFTER_TRIM) -> int:
        """Drop loaded rows past `keep` (call when the reader is back at the top); returns how many."""
        if len(self._posts) <= keep:
            return 0
        dropped = len(self._posts) - keep
        self.beginRemoveRows(QModelIndex(), keep, len(self._posts) - 1)
        for p in self._posts[keep:]:
            self._ids.discard(p.id)
        del self._posts[keep:]
        self.endRemoveRows()
        self._exhausted = self._paging = False  # a page under way would follow rows that are gone: dropped
        return dropped

    @property
    def over_cap(self) -> bool:
        return len(self._posts) > MAX_LOADED

    def post_at(self, row: int) -> Post | None:
        return self._posts[row] if 0 <= row < len(self._posts) else None

    def row_of(self, post_id: int) -> int:
        return next((i for i, p in enumerate(self._posts) if p.id == post_id), -1)

    @property
    def loaded(self) -> int:
        return len(self._posts)
