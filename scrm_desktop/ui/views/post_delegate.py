"""Paints a post as a card: sentiment edge, channel badge, author, relative time, text (plain, never HTML, at
most a few lines), engagement counts, tags and a sentiment marker. Everything is vector: crisp at any DPI."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
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
MAX_TAGS = 4
HEIGHT_CACHE = 20_000
# Characters that reorder or hide text on screen; the ingest pipeline drops them, but imported or older rows
# may still hold them, and a card must never let one post scramble what is drawn after it.
_INVISIBLE_RE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u061c]")
_MAX_MARKS = 3  # combining marks kept per letter: more would stack out of the card ("zalgo")
# Runs of combining marks from the blocks "zalgo" text stacks (scripts that need marks use one or two).
_MARKS = "\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_MARK_RUN_RE = re.compile(f"[{_MARKS}]{{{_MAX_MARKS + 1},}}")
_LONG_WORD = 16  # a run without spaces longer than this gets break chances, so it wraps instead of running off
WRAP = Qt.TextFlag.TextWordWrap
_LONG_RUN_RE = re.compile(rf"\S{{{_LONG_WORD + 1},}}")
SENTIMENT_MARKS = {"positive": "▲ positive", "negative": "▼ negative"}


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


def display_text(text: str, limit: int = PREVIEW_CHARS) -> str:
    """One line of text safe to paint: no bidi or zero-width controls, stacked marks capped, cut at `limit`."""
    cleaned = _INVISIBLE_RE.sub("", text[: limit * 4])
    if _MARK_RUN_RE.search(cleaned):  # the slow careful pass only for text that needs it
        cleaned = _cap_marks(cleaned)
    flat = one_line(cleaned, limit)
    return _breakable(flat) if _LONG_RUN_RE.search(flat) else flat


def _cap_marks(text: str) -> str:
    out: list[str] = []
    marks = 0
    for ch in text:
        if unicodedata.combining(ch):
            marks += 1
            if marks > _MAX_MARKS:
                continue
        else:
            marks = 0
        out.append(ch)
    return "".join(out)


def _breakable(text: str) -> str:
    """Zero-width spaces inside very long words so word wrap can break them (never inside a letter with its
    marks or an emoji sequence). QTextLayout could wrap anywhere, but PySide6 6.12's bindings leak a reference
    to None on each void call, and a layout per card makes many."""
    out: list[str] = []
    run = 0
    for ch in text:
        joins = unicodedata.combining(ch) or ch in "\u200d\ufe0f" or (out and out[-1] == "\u200d")
        if run >= _LONG_WORD and not joins:
            out.append("\u200b")
            run = 0
        run = 0 if ch.isspace() else run + 1
        out.append(ch)
    return "".join(out)


def author_badges(post: Post) -> list[str]:
    """Small labels drawn beside the author: VIP and advocate flags (every stream shows them)."""
    return [label for label, on in (("VIP", post.author_vip), ("Advocate", post.author_advocate)) if on]


def footer_text(post: Post) -> str:
    """Engagement, then the post's topics (◆ Brightwave) and the tags rules or agents gave it (#urgent)."""
    marks = [f"◆ {display_text(t, 24)}" for t in post.topics] + [f"#{display_text(t, 24)}" for t in post.tags]
    tags = "  ".join(marks[:MAX_TAGS])
    return "   ".join(part for part in (engagement(post), tags) if part)


class PostDelegate(QStyledItemDelegate):
    def __init__(self, theme: themes.Theme, parent=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(parent)
        self.theme = theme
        # Card heights by (post id, width, font): a list with varying row heights asks for every row's size
        # each time rows are inserted, and wrapping text is the expensive part.
        self._heights: dict[tuple[int, int, float], int] = {}

    # ---- text layout ---------------------------------------------------------------------------------------
    def _preview(self, post: Post) -> str:
        if not post.title or post.text.startswith(post.title):
            return display_text(post.text)
        return display_text(f"{post.title} — {post.text}")

    @staticmethod
    def _text_height(text: str, font: QFont, width: int) -> int:
        """Height of the wrapped text, at most MAX_TEXT_LINES lines."""
        fm = QFontMetrics(font)
        bound = fm.boundingRect(QRect(0, 0, width, 10_000), WRAP, text)
        return min(bound.height(), fm.lineSpacing() * MAX_TEXT_LINES)

    def _body_width(self, option: QStyleOptionViewItem) -> int:
        return max(120, option.rect.width() - 2 * PAD - BADGE - 12)

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        post: Post | None = index.data(PostRole)
        if post is None:
            return QSize(0, 0)
        width = self._body_width(option)
        key = (post.id, width, option.font.pointSizeF())
        height = self._heights.get(key)
        if height is None:
            if len(self._heights) > HEIGHT_CACHE:
                self._heights.clear()  # widths changed many times, or a long session: start again
            text_h = self._text_height(self._preview(post), option.font, width)
            height = self._heights[key] = PAD + 22 + text_h + QFontMetrics(option.font).lineSpacing() + 6 + PAD
        return QSize(width, height)

    # ---- painting -----------------------------------------------------------------------------------------
    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        post: Post | None = index.data(PostRole)
        if post is None:
            return
        r = option.rect
        painter.save()
        painter.setClipRect(r)  # nothing a post holds may draw outside its card
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        self._paint_background(painter, option, post)
        x = self._paint_badge(painter, option, post)
        self._paint_header(painter, option, post, x)
        body_bottom = self._paint_body(painter, option, post, x)
        self._paint_footer(painter, option, post, x, body_bottom)
        painter.setPen(QPen(QColor(self.theme.border)))
        painter.drawLine(r.left() + PAD, r.bottom(), r.right() - PAD, r.bottom())
        painter.restore()

    def _paint_background(self, painter: QPainter, option: QStyleOptionViewItem, post: Post) -> None:
        t, r = self.theme, option.rect
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if selected:
            bg = QColor(t.accent).lighter(185) if t.name == "light" else QColor(t.accent).darker(250)
        elif option.state & QStyle.StateFlag.State_MouseOver:
            bg = QColor(t.alt)
        else:
            bg = QColor(t.base)
        painter.fillRect(r, bg)
        painter.fillRect(QRect(r.left(), r.top() + 4, 4, r.height() - 8), t.sentiment(post.sentiment_label))
        if not post.is_read:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(t.accent))
            painter.drawEllipse(QRectF(r.right() - PAD - 7, r.bottom() - PAD - 8, 7, 7))

    def _paint_badge(self, painter: QPainter, option: QStyleOptionViewItem, post: Post) -> int:
        r = option.rect
        badge = QRect(r.left() + PAD, r.top() + PAD, BADGE, BADGE)
        painter.setBrush(themes.channel_color(post.channel))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawEllipse(badge)
        painter.setPen(QColor("white"))
        bold = QFont(option.font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, themes.channel_glyph(post.channel))
        return badge.right() + 8

    def _paint_header(self, painter: QPainter, option: QStyleOptionViewItem, post: Post, x: int) -> None:
        t, r = self.theme, option.rect
        bold = QFont(option.font)
        bold.setBold(True)
        fm, fmn = QFontMetrics(bold), QFontMetrics(option.font)
        head = QRect(x, r.top() + PAD, r.right() - x - PAD, max(fm.height(), BADGE))
        when = relative_time(post.created_at)
        painter.setFont(option.font)
        painter.setPen(QColor(t.muted))
        painter.drawText(head, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, when)
        time_w = fmn.horizontalAdvance(when) + 10
        time_w += self._paint_author_badges(painter, option, post, head.adjusted(0, 0, -time_w, 0))
        name = display_text(post.author_name or post.author_handle or "unknown", 80)
        handle = display_text(post.author_handle.lstrip("@"), 80) if post.author_name else ""
        painter.setFont(bold)
        painter.setPen(QColor(t.text))
        name_text = fm.elidedText(name, Qt.TextElideMode.ElideRight, max(20, head.width() - time_w))
        painter.drawText(head, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name_text)
        used = fm.horizontalAdvance(name_text)
        rest = QRect(head.left() + used, head.top(), max(0, head.width() - used - time_w), head.height())
        detail = (f"  @{handle}" if handle else "") + f"  · {post.channel}"
        painter.setFont(option.font)
        painter.setPen(QColor(t.muted))
        painter.drawText(
            rest,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            fmn.elidedText(detail, Qt.TextElideMode.ElideRight, rest.width()),
        )

    def _paint_author_badges(self, painter: QPainter, option: QStyleOptionViewItem, post: Post, area: QRect) -> int:
        """Pills right-aligned in `area` (VIP gold, advocate green); returns the width they took."""
        labels = author_badges(post)
        if not labels:
            return 0
        small = QFont(option.font)
        small.setPointSizeF(max(6.0, option.font.pointSizeF() * 0.8))
        small.setBold(True)
        fm = QFontMetrics(small)
        painter.setFont(small)
        right, h = area.right(), fm.height() + 2
        for label in reversed(labels):
            w = fm.horizontalAdvance(label) + 10
            pill = QRect(right - w, area.center().y() - h // 2, w, h)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("#b8860b" if label == "VIP" else "#2e8b57"))
            painter.drawRoundedRect(pill, h / 2, h / 2)
            painter.setPen(QColor("white"))
            painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, label)
            right -= w + 4
        return area.right() - right

    def _paint_body(self, painter: QPainter, option: QStyleOptionViewItem, post: Post, x: int) -> int:
        width = max(40, option.rect.right() - x - PAD)
        text = self._preview(post)
        height = self._text_height(text, option.font, width)
        painter.setPen(QColor(self.theme.text) if not post.is_read else QColor(self.theme.text).darker(115))
        painter.setFont(option.font)
        body = QRect(x, option.rect.top() + PAD + 24, width, height)
        painter.drawText(body, WRAP | Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft, text)
        return body.bottom()

    def _paint_footer(self, painter: QPainter, option: QStyleOptionViewItem, post: Post, x: int, top: int) -> None:
        fm = QFontMetrics(option.font)
        line = QRect(x, top + 4, option.rect.right() - x - PAD - 14, fm.lineSpacing())
        mark = SENTIMENT_MARKS.get(post.sentiment_label, "")
        mark_w = fm.horizontalAdvance(mark) + 12 if mark else 0
        if mark:
            painter.setPen(self.theme.sentiment(post.sentiment_label))
            painter.drawText(line, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, mark)
        text = footer_text(post)
        if text:
            painter.setPen(QColor(self.theme.muted))
            shown = fm.elidedText(text, Qt.TextElideMode.ElideRight, max(0, line.width() - mark_w))
            painter.drawText(line, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, shown)
