"""Desktop notices for columns marked "notify": rate-limited per column and summarised ("12 new in Negative"),
shown by the system tray when there is one, else in the status bar."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QSystemTrayIcon

from scrm_desktop.core.post import Post
from scrm_desktop.ui.views.post_delegate import display_text

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
    ) -> None:
        super().__init__(parent)
        self.limiter = limiter or NoticeLimiter()
        self._fallback = fallback
        tray = QSystemTrayIcon.isSystemTrayAvailable() if use_tray is None else use_tray
        self.tray: QSystemTrayIcon | None = None
        if tray:
            self.tray = QSystemTrayIcon(bell_icon(), self)
            self.tray.setToolTip("scrm-desktop")
            self.tray.show()
        self._timer = QTimer(self)
        self._timer.setInterval(FLUSH_MS)
        self._timer.timeout.connect(self.flush)
        self._timer.start()

    def posts_arrived(self, key: str, column_name: str, posts: list[Post]) -> None:
        text = self.limiter.add(key, column_name, posts)
        if text:
            self._show(text)

    def flush(self) -> None:
        for text in self.limiter.due():
            self._show(text)

    def _show(self, text: str) -> None:
        title = "scrm-desktop"
        if self.tray is not None and self.tray.supportsMessages():
            self.tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, SHOW_MS)
        else:
            self._fallback(f"🔔 {text}")
        self.shown.emit(title, text)

    def close(self) -> None:
        self._timer.stop()
        if self.tray is not None:
            self.tray.hide()
