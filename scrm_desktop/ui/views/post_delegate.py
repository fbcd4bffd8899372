"""Paints a post as a card: channel badge, author, relative time, text (plain, never HTML), sentiment bar."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from scrm_desktop.core.post import Post
from scrm_desktop.core.text import one_line
from scrm_desktop.ui import theme as themes
from scrm_desktop.ui.models.stream_model import PostRole

PAD = 10
BADGE = 22
MAX_TEXT_LINES = 5
PREVIEW_CHARS = 420


def relative_time(when: datetime, now: datetime | None = None) -> str:
    """'now', '5m', '3h', 'Nov 21' (times are naive UTC as stored)."""
    now = now or datetime.now(UTC).replace(tzinfo=None)
    secs = (now - when).total_seconds()
    if secs < 60:
        return "now"
    if secs < 3600:
        return f"{int(secs // 60)}m"
    if secs < 86400:
        return f"{int(secs // 3600)}h"
    if secs < 7 * 86400:
        return f"{int(secs // 86400)}d"
    return when.strftime("%b %d").replace(" 0", " ")


def engagement(post: Post) -> str:
    parts = []
    for value, glyph in ((post.replies, "↩"), (post.reposts, "⟲"), (post.likes, "♥")):
        if value:
            parts.append(f"{glyph} {value:,}")
    return "   ".join(parts)


class PostDelegate(QStyledItemDelegate):
    def __init__(self, theme: themes.Theme, parent=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(parent)
        self.theme = theme

    def _text_rect(self, option: QStyleOptionViewItem) -> QRect:
        r = option.rect
        return QRect(r.left() + PAD + BADGE + 8, r.top() + PAD + 20, r.width() - 2 * PAD - BADGE - 12, 10_000)

    def _preview(self, post: Post) -> str:
        if not post.title or post.text.startswith(post.title):
            body = post.text
        else:
            body = f"{post.title} — {post.text}"
        return one_line(body, PREVIEW_CHARS)

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        post: Post | None = index.data(PostRole)
        if post is None:
            return QSize(0, 0)
        fm = QFontMetrics(option.font)
        width = max(120, option.rect.width() - 2 * PAD - BADGE - 12)
        bound = fm.boundingRect(QRect(0, 0, width, 10_000), Qt.TextFlag.TextWordWrap, self._preview(post))
        text_h = min(bound.height(), fm.lineSpacing() * MAX_TEXT_LINES)
        extra = fm.lineSpacing() + 4 if engagement(post) else 0
        return QSize(width, PAD + 20 + text_h + extra + PAD + 2)

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        post: Post | None = index.data(PostRole)
        if post is None:
            return
        t = self.theme
        r = option.rect
        painter.save()
        painter.setClipRect(r)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.fillRect(
            r,
            QColor(t.accent).lighter(185)
            if selected and t.name == "light"
            else QColor(t.accent).darker(250)
            if selected
            else QColor(t.base),
        )
        # sentiment bar on the left edge
        painter.fillRect(QRect(r.left(), r.top() + 4, 4, r.height() - 8), t.sentiment(post.sentiment_label))
        # channel badge
        badge = QRect(r.left() + PAD, r.top() + PAD, BADGE, BADGE)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(themes.channel_color(post.channel))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawEllipse(badge)
        painter.setPen(QColor("white"))
        bold = QFont(option.font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, themes.channel_glyph(post.channel))
        # header: author, handle, time
        fm = QFontMetrics(bold)
        x = badge.right() + 8
        head = QRect(x, r.top() + PAD - 1, r.right() - x - PAD, fm.height())
        when = relative_time(post.created_at)
        painter.setPen(QColor(t.muted))
        painter.setFont(option.font)
        painter.drawText(head, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, when)
        time_w = QFontMetrics(option.font).horizontalAdvance(when) + 10
        name = post.author_name or post.author_handle or "unknown"
        handle = f"  @{post.author_handle.lstrip('@')}" if post.author_handle and post.author_name else ""
        painter.setFont(bold)
        painter.setPen(QColor(t.text))
        name_text = fm.elidedText(name, Qt.TextElideMode.ElideRight, max(20, head.width() - time_w))
        painter.drawText(head, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name_text)
        used = fm.horizontalAdvance(name_text)
        painter.setFont(option.font)
        painter.setPen(QColor(t.muted))
        rest = QRect(head.left() + used, head.top(), max(0, head.width() - used - time_w), head.height())
        painter.drawText(
            rest,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            QFontMetrics(option.font).elidedText(
                handle + f"  · {post.channel}", Qt.TextElideMode.ElideRight, rest.width()
            ),
        )
        # body: plain text, wrapped, at most MAX_TEXT_LINES lines
        fmn = QFontMetrics(option.font)
        body = QRect(x, r.top() + PAD + 20, r.right() - x - PAD, fmn.lineSpacing() * MAX_TEXT_LINES)
        bound = fmn.boundingRect(body, Qt.TextFlag.TextWordWrap, self._preview(post))
        body.setHeight(min(body.height(), bound.height()))
        painter.setPen(QColor(t.text))
        painter.drawText(body, Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignTop, self._preview(post))
        eng = engagement(post)
        if eng:
            painter.setPen(QColor(t.muted))
            painter.drawText(
                QRect(x, body.bottom() + 4, body.width(), fmn.lineSpacing()), Qt.AlignmentFlag.AlignLeft, eng
            )
        if not post.is_read:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(t.accent))
            painter.drawEllipse(QRect(r.right() - PAD - 6, r.bottom() - PAD - 6, 6, 6))
        painter.setPen(QPen(QColor(t.border)))
        painter.drawLine(r.left() + PAD, r.bottom(), r.right() - PAD, r.bottom())
        painter.restore()
