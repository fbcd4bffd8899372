"""Stream boards without Qt: the saved layout (boards of columns, each a query with mutes) kept as JSON in the
workspace's config dir, and the service that turns a column's query into pages of posts."""

from __future__ import annotations

import json
import logging
import os
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrm_desktop.core.post import Post
from scrm_desktop.store import COUNT_CAP

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement

    from scrm_desktop.core.query import Query, QueryError
    from scrm_desktop.store.posts import PostRepo
    from scrm_desktop.workspace import Workspace

# The query language (core.query, store.query_sql) is imported where a query is read: the first column the
# window paints ("All mentions") has none, so its posts show before the parser and its fields are even imported.

log = logging.getLogger(__name__)

LAYOUT_FILE = "boards.json"
LAYOUT_VERSION = 1
MAX_NAME = 80
MARK_READ_CHUNK = 2000
UNREAD_SHOWN_MAX = COUNT_CAP - 1  # "999+": a count that reached the cap


def unread_text(n: int | None) -> str:
    """The unread count as a column header shows it ("" when the count failed)."""
    if n is None:
        return ""
    return f"{UNREAD_SHOWN_MAX:,}+ unread" if n > UNREAD_SHOWN_MAX else f"{n:,} unread"


def new_id() -> str:
    return os.urandom(6).hex()  # as uuid4().hex[:12], without importing uuid (and platform) at the start


# ---- the layout ------------------------------------------------------------------------------------------------
@dataclass
class ColumnSpec:
    """One column: a saved query, the words/authors muted in it, and when it was last cleared."""

    name: str
    query: str = ""
    notify: bool = False
    mutes: list[str] = field(default_factory=list)  # query atoms: `word`, `"a phrase"`, `author:x`
    cleared_at: str = ""  # ISO naive UTC; posts created at or before it are hidden
    width: int = 0  # splitter size in pixels; 0 = share evenly
    id: str = field(default_factory=new_id)
    temporary: bool = False  # a search result column: never saved

    def full_query(self) -> str:
        return compose_query(self.query, self.mutes)

    def cleared(self) -> datetime | None:
        try:
            return datetime.fromisoformat(self.cleared_at) if self.cleared_at else None
        except ValueError:
            return None


@dataclass
class BoardSpec:
    name: str
    columns: list[ColumnSpec] = field(default_factory=list)
    id: str = field(default_factory=new_id)


@dataclass
class Layout:
    boards: list[BoardSpec] = field(default_factory=list)
    current: int = 0

    def to_dict(self) -> dict[str, Any]:
        boards = [
            {**asdict(b), "columns": [_column_dict(c) for c in b.columns if not c.temporary]} for b in self.boards
        ]
        return {"version": LAYOUT_VERSION, "current": self.current, "boards": boards}

    @classmethod
    def from_dict(cls, raw: Any) -> Layout:
        """Build from parsed JSON; raises ValueError when the shape is wrong (unknown keys are ignored)."""
        if not isinstance(raw, dict) or not isinstance(raw.get("boards"), list):
            raise ValueError("the file does not hold a list of boards")
        boards = [_board(b) for b in raw["boards"]]
        if not boards:
            raise ValueError("the file holds no boards")
        current = raw.get("current", 0)
        current = current if isinstance(current, int) and 0 <= current < len(boards) else 0
        return cls(boards, current)

    def find(self, column_id: str) -> tuple[BoardSpec, ColumnSpec] | None:
        for board in self.boards:
            for column in board.columns:
                if column.id == column_id:
                    return board, column
        return None


def _column_dict(column: ColumnSpec) -> dict[str, Any]:
    out = asdict(column)
    out.pop("temporary")
    return out


def _text(raw: dict[str, Any], key: str, default: str = "", limit: int = 10_000) -> str:
    value = raw.get(key, default)
    if not isinstance(value, str):
        raise ValueError(f"{key!r} must be text")
    return value[:limit]


def _column(raw: Any) -> ColumnSpec:
    if not isinstance(raw, dict):
        raise ValueError("a column is not an object")
    mutes = raw.get("mutes", [])
    if not isinstance(mutes, list) or not all(isinstance(m, str) for m in mutes):
        raise ValueError("'mutes' must be a list of text")
    width = raw.get("width", 0)
    return ColumnSpec(
        name=_text(raw, "name", "Column", MAX_NAME) or "Column",
        query=_text(raw, "query"),
        notify=bool(raw.get("notify", False)),
        mutes=[m for m in mutes if m.strip()],
        cleared_at=_text(raw, "cleared_at"),
        width=width if isinstance(width, int) and width >= 0 else 0,
        id=_text(raw, "id") or new_id(),
    )


def _board(raw: Any) -> BoardSpec:
    if not isinstance(raw, dict) or not isinstance(raw.get("columns", []), list):
        raise ValueError("a board is not an object with a list of columns")
    return BoardSpec(
        name=_text(raw, "name", "Board", MAX_NAME) or "Board",
        columns=[_column(c) for c in raw.get("columns", [])],
        id=_text(raw, "id") or new_id(),
    )


def default_layout() -> Layout:
    """What a new workspace shows: one board of the columns a support team starts with."""
    return Layout(
        [
            BoardSpec(
                "Mentions",
                [
                    ColumnSpec("All mentions"),
                    ColumnSpec("Negative", "sentiment:negative", notify=True),
                    # by what the classifier read, not by words: "I recommend the Aero" is praise, not a lead
                    ColumnSpec("Questions & leads", "trait:future OR intent:purchase"),
                    ColumnSpec("Mastodon", "channel:mastodon"),
                ],
            )
        ]
    )


class LayoutStore:
    """Loads and saves the layout file; a file that cannot be read is kept aside and the default used."""

    def __init__(self, config_dir: Path) -> None:
        self.path = Path(config_dir) / LAYOUT_FILE
        self.problem = ""  # what went wrong at the last load, for the status bar

    def load(self) -> Layout:
        self.problem = ""
        if not self.path.exists():
            return default_layout()
        try:
            return Layout.from_dict(json.loads(self.path.read_text(encoding="utf-8")))
        except (OSError, ValueError, RecursionError) as exc:
            return self._keep_aside(exc)

    def _keep_aside(self, exc: Exception) -> Layout:
        backup = self.path.with_name(f"boards.broken-{datetime.now():%Y%m%d-%H%M%S}.json")
        try:
            os.replace(self.path, backup)
        except OSError as move_error:
            log.error("could not move the unreadable layout %s aside: %s", self.path, move_error)
        self.problem = f"The saved boards could not be read ({exc}); kept as {backup.name}, default boards shown."
        log.error("layout file %s could not be read (%s); kept it as %s", self.path, exc, backup)
        return default_layout()

    def save(self, layout: Layout) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(layout.to_dict(), indent=2, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.path)  # atomic: a crash never leaves half a layout


def first_column_shows_newest(config_dir: Path) -> bool:
    """Whether the first column of the board the window opens on shows every post, newest first (no query, no
    mutes): what the quick start can read without the query language or the store. Reads the saved layout
    without touching it (one that cannot be read is left for the window, which keeps it aside and says so)."""
    path = Path(config_dir) / LAYOUT_FILE
    try:
        layout = Layout.from_dict(json.loads(path.read_text(encoding="utf-8"))) if path.exists() else default_layout()
    except (OSError, ValueError, RecursionError):
        return False
    board = layout.boards[layout.current]
    return bool(board.columns) and not board.columns[0].full_query().strip()


# ---- queries with mutes ----------------------------------------------------------------------------------------
def compose_query(query: str, mutes: Sequence[str]) -> str:
    """The column's query with every mute excluded: `(query) -(mute) ...`."""
    parts = [f"({query})"] if query.strip() else []
    parts += [f"-({m.strip()})" for m in mutes if m.strip()]
    return " ".join(parts)


def author_mute(handle: str) -> str:
    """The mute atom that hides one author (quoted when the handle needs it)."""
    handle = handle.strip().lstrip("@")
    plain = handle and all(ch.isalnum() or ch in "._-@" for ch in handle)
    if plain:
        return f"author:{handle}"
    from scrm_desktop.core.query_ast import quote

    return f"author:{quote(handle)}"


def check_mute(mute: str) -> QueryError | None:
    """Why a mute cannot be used, or None. A mute is any non-empty query; it is excluded as a whole."""
    from scrm_desktop.core.query import QueryError, parse

    try:
        parse(mute, allow_empty=False)
    except QueryError as exc:
        return exc
    return None


def check_query(text: str) -> QueryError | None:
    from scrm_desktop.core.query import QueryError, parse
    from scrm_desktop.store.query_sql import to_sql

    try:
        to_sql(parse(text))
    except QueryError as exc:
        return exc
    return None


# ---- the service -----------------------------------------------------------------------------------------------
class StreamService:
    """Pages, live updates and counts for query text; compiled conditions are cached by text."""

    CACHE = 64

    def __init__(self, ws: Workspace) -> None:
        self._ws = ws
        self._cache: OrderedDict[str, ColumnElement[bool] | None] = OrderedDict()

    @property
    def _posts(self) -> PostRepo:  # the store's reader (the database opens on first use)
        return self._ws.db.posts

    def compile(self, query_text: str) -> ColumnElement[bool] | None:
        """The SQL condition for the text (None: every post). Raises QueryError for a query to fix."""
        if query_text in self._cache:
            self._cache.move_to_end(query_text)
            return self._cache[query_text]
        if not query_text:  # every post: what parse("") is, without importing the parser
            where = None
        else:
            from scrm_desktop.core.query import parse
            from scrm_desktop.store.query_sql import to_sql

            query = parse(query_text)
            where = None if query.is_empty else to_sql(query, self._ws.db.dialect)
        self._cache[query_text] = where
        if len(self._cache) > self.CACHE:
            self._cache.popitem(last=False)
        return where

    # `newer_than`: a cleared column hides the posts it held then (created at or before that time).
    def page(
        self, query_text: str, before: tuple | None = None, limit: int = 100, newer_than: datetime | None = None
    ) -> list[Post]:
        first = self._ws.first_page
        if first is not None and not query_text and before is None and not self._ws.database_open:
            return first.page(limit, newer_than)  # the quick start: the newest posts before the store is open
        return self._posts.page(self.compile(query_text), before=before, limit=limit, newer_than=newer_than)

    def since(self, query_text: str, after_id: int, newer_than: datetime | None = None) -> list[Post]:
        """Posts stored after `after_id` (a live update): only the new rows are read, full text included."""
        return self._posts.since(after_id, self.compile(query_text), newer_than=newer_than)

    def matching(self, query_text: str, post_ids: list[int], newer_than: datetime | None = None) -> list[Post]:
        """Those of these posts (edited by their authors) that the query matches now, as stored now."""
        return self._posts.by_ids(post_ids, self.compile(query_text), newer_than=newer_than)

    def count_unread(self, query_text: str, newer_than: datetime | None = None, cap: int | None = COUNT_CAP) -> int:
        """Unread posts of a column, counted up to `cap` (the header shows "999+" past it)."""
        return self._posts.unread_count(self.compile(query_text), newer_than=newer_than, cap=cap)

    def search(self, text: str, limit: int = 100) -> list[Post]:
        """Newest posts matching a search; an empty search is an error (it would list everything)."""
        from scrm_desktop.core.query import parse

        query: Query = parse(text, allow_empty=False)
        return self.page(query.text, limit=limit)

    def mark_all_read(self, query_text: str, newer_than: datetime | None = None) -> list[int]:
        """Mark every unread post of a column read, a chunk at a time; returns their ids."""
        unread = compose_query(query_text, []) + " is:unread" if query_text.strip() else "is:unread"
        done: list[int] = []
        while batch := self.page(unread, limit=MARK_READ_CHUNK, newer_than=newer_than):
            ids = [p.id for p in batch]
            self._posts.mark_read(ids)
            done += ids
        return done

    def latest_id(self) -> int:
        """The newest stored post's id: a column's live updates start after it."""
        return self._ws.latest_post_id()

    def newest(self, query_text: str) -> datetime | None:
        top = self.page(query_text, limit=1)
        return top[0].created_at if top else None
