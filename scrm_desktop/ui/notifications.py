"""Desktop notices for columns marked "notify": rate-limited per column and summarised ("12 new in Negative"),
shown by the system tray when there is one, else in the status bar."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QRectF, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap

from scrm_desktop.core.post import Post
from scrm_desktop.ui.views.post_delegate import display_text

if TYPE_CHECKING:
    from PySide6.QtWidgets import QSystemTrayIcon

INTERVAL_S = 60.0  # at most one notice per column per minute
FLUSH_MS = 5_000
SHOW_MS = 8_000


@dataclass
class _Pending:
    name: str
    count: int = 0
    sample: str = ""
    last_shown: float | None = None


class NoticeLimiter:
    """Decides what to say and when: the first post of a quiet column is told at once, what follows within
    the interval is added up and told as one summary when the interval has passed. No Qt, a settable clock."""

    def __init__(self, interval_s: float = INTERVAL_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval_s = interval_s
        self.clock = clock
        self._columns: dict[str, _Pending] = {}

    def add(self, key: str, name: str, posts: list[Post]) -> str | None:
        """Note new posts of a column; returns the notice to show now, or None when it has to wait."""
        if not posts:
            return None
        entry = self._columns.setdefault(key, _Pending(name))
        entry.name = name
        entry.count += len(posts)
        entry.sample = _sample(posts[0])
        return self._take(entry) if self._ready(entry) else None

    def due(self) -> list[str]:
        """Summaries whose wait is over (call on a timer)."""
        return [self._take(e) for e in self._columns.values() if e.count and self._ready(e)]

    def forget(self, key: str) -> None:
        self._columns.pop(key, None)

    def _ready(self, entry: _Pending) -> bool:
        return entry.last_shown is None or self.clock() - entry.last_shown >= self.interval_s

    def _take(self, entry: _Pending) -> str:
        text = f"New in {entry.name}: {entry.sample}" if entry.count == 1 else f"{entry.count:,} new in {entry.name}"
        entry.count, entry.sample, entry.last_shown = 0, "", self.clock()
        return text


def _sample(post: Post) -> str:
    who = post.author_name or post.author_handle or post.channel
    return display_text(f"{who}: {post.text}", 120)


def bell_icon(color: str = "#2f6fde") -> QIcon:
    """The tray icon, drawn (no image files): a round badge with a bell glyph, at several sizes."""
    icon = QIcon()
    for size in (16, 22, 32, 48, 64):
        pix = QPixmap(size, size)
        pix.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pix)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(QColor(color))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawEllipse(QRectF(0.5, 0.5, size - 1, size - 1))
        font = QFont()
        font.setPixelSize(int(size * 0.6))
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(QColor("white"))
        painter.drawText(QRectF(0, 0, size, size), Qt.AlignmentFlag.AlignCenter, "S")
        painter.end()
        icon.addPixmap(pix)
    return icon


class Notifier(QObject):
    """Shows notices through the tray (when the desktop has one) or the `fallback` (the status bar)."""

    shown = Signal(str, str)  # title, message: every notice actually shown

    def __init__(
        self,
        fallback: Callable[[str], None],
        parent: QObject | None = None,
        limiter: NoticeLimiter | None = None,
        use_tray: bool | None = None,
        *,
        start: bool = True,
    ) -> None:
        """`start=False`: the tray icon (and the flush timer) start with `start()` (the main window starts it once
        its first posts are on screen: putting an icon in the tray is not what the user is waiting for)."""
        super().__init__(parent)
        self.limiter = limiter or NoticeLimiter()
        self._fallback = fallback
        self._use_tray = use_tray
        self.tray: QSystemTrayIcon | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(FLUSH_MS)
        self._timer.timeout.connect(self.flush)
        if start:
            self.start()

    def start(self) -> None:
        from PySide6.QtWidgets import QSystemTrayIcon

        if self._timer.isActive():
            return
        tray = QSystemTrayIcon.isSystemTrayAvailable() if self._use_tray is None else self._use_tray
        if tray:
            self.tray = QSystemTrayIcon(bell_icon(), self)
            self.tray.setToolTip("scrm-desktop")
            self.tray.show()
        self._timer.start()

    def posts_arrived(self, key: str, column_name: str, posts: list[Post]) -> None:
        text = self.limiter.add(key, column_name, posts)
        if text:
            self._show(text)

    def rule_fired(self, rule_name: str, who: str, posts: list[Post]) -> None:
        """Posts a business rule with a `notify` action fired on: rate-limited per rule like a column."""
        name = f"rule “{rule_name}”" + (f" (for {who})" if who else "")
        self.posts_arrived(f"rule:{rule_name}\x1f{who}", name, posts)

    def flush(self) -> None:
        for text in self.limiter.due():
            self._show(text)

    def _show(self, text: str) -> None:
        title = "scrm-desktop"
        if self.tray is not None and self.tray.supportsMessages():
            self.tray.showMessage(title, text, self.tray.MessageIcon.Information, SHOW_MS)
        else:
            self._fallback(f"🔔 {text}")
        self.shown.emit(title, text)

    def close(self) -> None:
        self._timer.stop()
        if self.tray is not None:
            self.tray.hide()


# (hit id, rule name, who to notify, post): what RuleRepo.notices returns
RuleHit = tuple[int, str, str, Post]


class RuleNotices(QObject):
    """Desktop notices for rules with a `notify` action. After each ingest the new `notify` hits are read on a
    worker thread (from a cursor that starts at the newest hit when the window opens: old ones are not replayed)
    and told through the Notifier, rate-limited per rule. `fetch(after_id)` is RuleRepo.notices; `after_id` is
    where the notices start, or a function that reads it (RuleRepo.latest_hit_id), called on the worker by the
    first check (which tells nothing: it only notes the start)."""

    _read = Signal(object, object, object)  # start, hits, error (worker thread -> GUI thread)

    def __init__(
        self,
        fetch: Callable[[int], list[RuleHit]],
        notifier: Notifier,
        after_id: int | Callable[[], int],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._fetch = fetch
        self._notifier = notifier
        self._start_at = after_id if callable(after_id) else None
        self.after_id = 0 if callable(after_id) else after_id
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._busy = self._again = self._closed = False
        self._read.connect(self._arrived)

    def check(self) -> None:
        """Look for new notices (on posts_ingested); a check asked for while one runs follows it."""
        if self._closed:
            return
        if self._busy:
            self._again = True
            return
        self._busy = True
        after = self.after_id
        self._pool.start(lambda: self._run(after))

    def _run(self, after: int) -> None:  # worker thread
        start_at, start, hits = self._start_at, None, []
        try:
            if start_at is not None:  # the first check only notes where the notices start
                start, error = start_at(), None
            else:
                hits, error = self._fetch(after), None
        except Exception as exc:  # a locked database: try again on the next ingest
            error = exc
        with contextlib.suppress(RuntimeError):  # the window went away meanwhile
            self._read.emit(start, hits, error)

    def _arrived(self, start: int | None, hits: list[RuleHit], error: BaseException | None) -> None:
        self._busy = False
        if self._closed:
            return
        if start is not None:  # from here on, only later hits are told
            self._start_at = None
            self.after_id = max(self.after_id, start)
        if error is None and hits:
            self.after_id = max(self.after_id, hits[-1][0])
            by_rule: dict[tuple[str, str], list[Post]] = {}
            for _hit_id, rule_name, who, post in hits:
                by_rule.setdefault((rule_name, who), []).append(post)
            for (rule_name, who), posts in by_rule.items():
                self._notifier.rule_fired(rule_name, who, posts)
        if self._again or len(hits) >= 200:
            self._again = False
            self.check()

    def idle(self) -> bool:
        return not self._busy

    def close(self) -> None:
        self._closed = True
        self._pool.waitForDone(10_000)
