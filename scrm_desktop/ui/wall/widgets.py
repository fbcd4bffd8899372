"""The wall's pieces: number tiles, one-line plain-text rows that elide instead of wrapping, the wall-sized
incident banner, and the dark stylesheet, sized for the window (1080p is the reference)."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from scrm_desktop.ui.wall.data import OK, Figure

BG, PANEL, BORDER, TEXT, MUTED = "#0b0f14", "#151b24", "#2a3445", "#f3f6f9", "#aeb9c7"
# Good is blue, not green, and bad is amber/red-pink: told apart with red-green colour blindness, and every
# level also has a symbol and words
GOOD, WARN_C, ALERT_C = "#4cb2ff", "#ffb020", "#ff5577"


def repolish(widget: QWidget, **props: str) -> None:
    """Set dynamic properties the stylesheet selects on, and re-apply it."""
    for name, value in props.items():
        widget.setProperty(name, value)
    widget.style().unpolish(widget)
    widget.style().polish(widget)
    widget.update()


class ElidedLabel(QLabel):
    """One line of plain text (never rich text: post text is untrusted) that ends in … when it does not fit;
    text() keeps the whole line."""

    def __init__(self, text: str = "", object_name: str = "Row") -> None:
        super().__init__()
        self.setObjectName(object_name)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def setText(self, text: str) -> None:
        super().setText(" ".join(text.split()))  # line breaks in a post would push the next row off

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        rect = self.contentsRect()
        painter.setPen(self.palette().color(QPalette.ColorRole.WindowText))
        shown = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, rect.width())
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), shown)


def _plain(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


class Tile(QFrame):
    """A caption, a big number and a line of words; its frame colour follows the level."""

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key
        self.setObjectName("Tile")
        self.caption, self.value, self.detail = (_plain(name) for name in ("TileCaption", "TileValue", "TileDetail"))
        self.detail.setWordWrap(True)  # two short lines rather than one cut off
        self.detail.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        col = QVBoxLayout(self)
        col.addWidget(self.caption)
        col.addWidget(self.value)
        col.addWidget(self.detail, 1)
        repolish(self, level=OK)

    def show_figure(self, figure: Figure) -> None:
        name, _, scope = figure.caption.partition(" · ")
        self.caption.setText(f"{name.upper()}\n{scope}")
        self.value.setText(figure.value)
        self.detail.setText(figure.detail)
        if self.property("level") != figure.level:
            for widget in (self, self.value, self.detail):
                repolish(widget, level=figure.level)

    @property
    def level(self) -> str:
        return str(self.property("level"))


class WallBanner(QFrame):
    """The open incident of the highest crisis level, across the wall (no button: nobody clicks a wall)."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("Banner")
        self.level = QLabel()
        self.level.setObjectName("BannerLevel")
        self.title = ElidedLabel("", "BannerTitle")
        self.more = QLabel()
        self.more.setObjectName("BannerMore")
        row = QHBoxLayout(self)
        row.addWidget(self.level)
        row.addWidget(self.title, 1)
        row.addWidget(self.more)
        self.hide()

    def show_incidents(self, incidents: list) -> None:  # type: ignore[type-arg]
        if not incidents:
            self.hide()
            return
        worst = incidents[0]  # the repository lists the most severe first
        self.level.setText(f"⚠ INCIDENT · CRISIS LEVEL {worst.severity}")
        self.title.setText(worst.title)
        self.more.setText(f"+{len(incidents) - 1} more" if len(incidents) > 1 else "")
        self.show()


def stylesheet(scale: float) -> str:
    """The wall's look at `scale` (1.0 = 1920x1080): text at least ~22 px there, numbers ~90 px."""

    def px(size: float) -> str:  # type sizes: never below 9 px
        return f"{max(9, round(size * scale))}px"

    def line(size: float) -> str:  # borders, padding, corners
        return f"{max(1, round(size * scale))}px"

    return f"""
    QWidget#Wall {{ background: {BG}; }}
    #Wall QLabel {{ color: {TEXT}; font-size: {px(26)}; }}
    #Wall QLabel#Brand {{ font-size: {px(46)}; font-weight: 700; }}
    #Wall QLabel#Workspace, #Wall QLabel#Date, #Wall QLabel#Status {{ color: {MUTED}; font-size: {px(22)}; }}
    #Wall QLabel#Clock {{ font-size: {px(58)}; font-weight: 700; }}
    #Wall QLabel#Live {{ font-size: {px(28)}; font-weight: 700; padding: {line(8)} {px(20)};
                   border-radius: {line(10)}; border: {line(3)} solid {GOOD}; color: {GOOD}; }}
    #Wall QLabel#Live[level="warn"] {{ border-color: {WARN_C}; color: {BG}; background: {WARN_C}; }}
    #Wall QLabel#Live[level="alert"] {{ border-color: {ALERT_C}; color: white; background: #8a1230; }}
    #Wall QLabel#Live[level="off"] {{ border-color: {MUTED}; color: {MUTED}; }}
    #Wall QFrame#Banner {{ background: #8a1230; border: {line(3)} solid {ALERT_C}; border-radius: {line(10)}; }}
    #Wall QFrame#Banner QLabel {{ color: white; font-size: {px(34)}; font-weight: 700; }}
    #Wall QFrame#Tile {{ background: {PANEL}; border: {line(3)} solid {BORDER}; border-radius: {line(12)}; }}
    #Wall QFrame#Tile[level="warn"] {{ border-color: {WARN_C}; background: #2b2210; }}
    #Wall QFrame#Tile[level="alert"] {{ border-color: {ALERT_C}; background: #3a0f1c; }}
    #Wall QLabel#TileCaption {{ color: {MUTED}; font-size: {px(22)}; font-weight: 600; }}
    #Wall QLabel#TileValue {{ font-size: {px(86)}; font-weight: 800; }}
    #Wall QLabel#TileValue[level="alert"] {{ color: #ff8aa0; }}
    #Wall QLabel#TileDetail {{ font-size: {px(23)}; color: {MUTED}; }}
    #Wall QLabel#TileDetail[level="warn"] {{ color: {WARN_C}; }}
    #Wall QLabel#TileDetail[level="alert"] {{ color: #ff8aa0; font-weight: 700; }}
    #Wall QFrame#Panel {{ background: {PANEL}; border: {line(2)} solid {BORDER}; border-radius: {line(12)}; }}
    #Wall QLabel#PanelTitle {{ color: {MUTED}; font-size: {px(22)}; font-weight: 600; }}
    #Wall QLabel#Row {{ font-size: {px(25)}; }}
    #Wall QLabel#RowMeta {{ color: {MUTED}; font-size: {px(23)}; padding-right: {line(10)}; }}
    #Wall QLabel#Empty {{ color: {MUTED}; font-size: {px(25)}; }}
    """
