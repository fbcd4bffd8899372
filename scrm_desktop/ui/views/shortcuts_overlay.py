"""The "?" help overlay: every keyboard shortcut of the stream boards on one card over the window."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget


class ShortcutsOverlay(QWidget):
    """Covers its parent with a dimmed layer and a card of (keys, what they do); any key or click closes it."""

    def __init__(self, shortcuts: Sequence[tuple[str, str]], parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("ShortcutsOverlay")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, False)
        card = QFrame(self)
        card.setObjectName("ShortcutsCard")
        # palette() follows the light/dark theme the app applied
        card.setStyleSheet(
            "QFrame#ShortcutsCard { background: palette(base); border: 1px solid palette(mid); border-radius: 10px; }"
            "QLabel#ShortcutKey { font-family: monospace; font-weight: 600; padding: 1px 8px;"
            " background: palette(alternate-base); border: 1px solid palette(mid); border-radius: 4px; }"
        )
        title = QLabel("Keyboard shortcuts")
        title.setObjectName("DetailAuthor")
        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        grid.setVerticalSpacing(6)
        for row, (keys, what) in enumerate(shortcuts):
            key_label = QLabel(keys)
            key_label.setObjectName("ShortcutKey")
            key_label.setTextFormat(Qt.TextFormat.PlainText)
            text = QLabel(what)
            text.setTextFormat(Qt.TextFormat.PlainText)
            grid.addWidget(key_label, row, 0, Qt.AlignmentFlag.AlignRight)
            grid.addWidget(text, row, 1)
        hint = QLabel("Press any key or click to close.")
        hint.setObjectName("Muted")
        box = QVBoxLayout(card)
        box.setContentsMargins(28, 22, 28, 22)
        box.setSpacing(14)
        box.addWidget(title)
        box.addLayout(grid)
        box.addWidget(hint)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(card, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(1)
        self.rows = list(shortcuts)
        parent.installEventFilter(self)
        self.hide()

    def open(self) -> None:
        self.setGeometry(self.parentWidget().rect())
        self.show()
        self.raise_()
        self.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize and self.isVisible():
            self.setGeometry(self.parentWidget().rect())
        return False

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(0, 0, 0, 110))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        self.hide()
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.hide()
        event.accept()
