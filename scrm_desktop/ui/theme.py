"""Light and dark themes (following the OS by default) and the colours that carry meaning."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication


@dataclass(frozen=True)
class Theme:
    name: str
    window: str
    base: str
    alt: str
    text: str
    muted: str
    accent: str
    border: str
    positive: str = "#2e9d57"
    negative: str = "#d64545"
    neutral: str = "#8a94a6"

    def sentiment(self, label: str) -> QColor:
        return QColor({"positive": self.positive, "negative": self.negative}.get(label, self.neutral))


LIGHT = Theme(
    "light",
    window="#eef1f5",
    base="#ffffff",
    alt="#f6f8fa",
    text="#1d2330",
    muted="#5f6b7a",
    accent="#2f6fde",
    border="#d5dbe3",
)
DARK = Theme(
    "dark",
    window="#161a21",
    base="#1f242d",
    alt="#242a34",
    text="#e4e8ee",
    muted="#9aa5b4",
    accent="#5b9bff",
    border="#333b47",
    positive="#47c178",
    negative="#f06a6a",
    neutral="#7d889a",
)

CHANNEL_COLORS = {
    "mastodon": "#6364ff",
    "reddit": "#ff4500",
    "hackernews": "#ff6600",
    "bluesky": "#1185fe",
    "youtube": "#e62117",
    "rss": "#f29b1d",
    "email": "#4a8f6a",
    "import": "#7a6fb0",
}
CHANNEL_GLYPHS = {
    "mastodon": "M",
    "reddit": "R",
    "hackernews": "Y",
    "bluesky": "B",
    "youtube": "▶",
    "rss": "◉",
    "email": "@",
    "import": "⇩",
}


def channel_color(channel: str) -> QColor:
    return QColor(CHANNEL_COLORS.get(channel, "#6b7687"))


def channel_glyph(channel: str) -> str:
    return CHANNEL_GLYPHS.get(channel, (channel[:1] or "?").upper())


def pick(setting: str) -> Theme:
    if setting == "dark":
        return DARK
    if setting == "light":
        return LIGHT
    scheme = QGuiApplication.styleHints().colorScheme()
    return DARK if scheme == Qt.ColorScheme.Dark else LIGHT


def apply(app: QApplication, theme: Theme, *, sheet: bool = True) -> None:
    """The theme's style, palette and style sheet on the whole app. `sheet=False` leaves the style sheet for
    `apply_sheet` (once a window's widgets are built: every widget given a parent under a style sheet has it
    worked out again for its whole subtree, which cost a tenth of the main window's start)."""
    if not app.property("scrm_fusion"):
        # once per app: setStyle deletes the style in use, and a widget waiting for its deleteLater (or one with
        # its own style sheet, whose style proxies the old one) could still reach it: a crash in its next polish
        app.setStyle("Fusion")
        app.setProperty("scrm_fusion", True)
    pal = QPalette()
    roles = {
        QPalette.ColorRole.Window: theme.window,
        QPalette.ColorRole.WindowText: theme.text,
        QPalette.ColorRole.Base: theme.base,
        QPalette.ColorRole.AlternateBase: theme.alt,
        QPalette.ColorRole.Text: theme.text,
        QPalette.ColorRole.Button: theme.alt,
        QPalette.ColorRole.ButtonText: theme.text,
        QPalette.ColorRole.Highlight: theme.accent,
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.ToolTipBase: theme.base,
        QPalette.ColorRole.ToolTipText: theme.text,
        QPalette.ColorRole.PlaceholderText: theme.muted,
        QPalette.ColorRole.Link: theme.accent,
        QPalette.ColorRole.Mid: theme.border,
    }
    for role, color in roles.items():
        pal.setColor(role, QColor(color))
    app.setPalette(pal)
    if sheet:
        apply_sheet(app, theme)


def apply_sheet(app: QApplication, theme: Theme) -> None:
    sheet = f"""
        QMainWindow, QWidget#Board {{ background: {theme.window}; }}
        QFrame#Column {{ background: {theme.base}; border: 1px solid {theme.border}; border-radius: 8px; }}
        QLabel#ColumnTitle {{ font-weight: 600; font-size: 11pt; }}
        QLabel#Badge {{ background: {theme.accent}; color: white; border-radius: 8px; padding: 1px 7px;
                        font-weight: 600; }}
        QLabel#Muted {{ color: {theme.muted}; }}
        QFrame#Detail {{ background: {theme.base}; border: 1px solid {theme.border}; border-radius: 8px; }}
        QLabel#DetailAuthor {{ font-size: 12pt; font-weight: 600; }}
        QListView {{ border: none; background: {theme.base}; }}
        QStatusBar {{ color: {theme.muted}; }}
        """
    if app.styleSheet() != sheet:  # the same sheet again would re-polish every widget for nothing
        app.setStyleSheet(sheet)
