"""The emoji font shipped in resources/fonts: registered with Qt once, so emoji draw as glyphs, not empty boxes,
on screen and in the PDF reports, on a machine with no emoji font of its own."""

from __future__ import annotations

import logging

from PySide6.QtGui import QFontDatabase

from scrm_desktop.paths import resources_dir

log = logging.getLogger(__name__)
EMOJI_FONT_FILE = "SymbolaEmoji.ttf"
_installed: str | None = None


def system_emoji_families() -> list[str]:
    return [f for f in QFontDatabase.families() if "emoji" in f.lower()]


def install_emoji_font() -> str | None:
    """Register the bundled font and make it Qt's emoji font where the system has none (a colour emoji font of
    the system's looks better and is kept). The family used for emoji, or None when the file cannot be loaded.
    Needs a Q(Gui)Application; safe to call again."""
    global _installed
    if _installed is not None:
        return _installed
    system = system_emoji_families()
    if system:  # the system's own (it looks better); the bundled file (1 MB to read) is not needed
        _installed = system[0]
        return _installed
    path = resources_dir() / "fonts" / EMOJI_FONT_FILE
    font_id = QFontDatabase.addApplicationFont(str(path))
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    if not families:
        log.warning("could not load the bundled emoji font %s: emoji may show as empty boxes", path)
        return None
    QFontDatabase.addApplicationEmojiFontFamily(families[0])
    _installed = families[0]
    return _installed
