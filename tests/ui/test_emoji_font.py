"""Emoji are drawn from a font that has them (the bundled one where the system has none), on screen and in the
PDF reports: never the missing-glyph box (glyph 0)."""

from __future__ import annotations

from datetime import timedelta

import pypdf
from PySide6.QtGui import QFont, QTextLayout
from PySide6.QtWidgets import QApplication

from scrm_desktop.core.report import Period
from scrm_desktop.listening.api import PostIn
from scrm_desktop.ui.fonts import install_emoji_font, system_emoji_families
from scrm_desktop.ui.reports.data import ReportRequest, gather
from scrm_desktop.ui.reports.pdf import ReportDocument
from scrm_desktop.workspace import Workspace

POST = "@BrightwaveCare your technician was supposed to come this morning. Nobody. No call. 😤 🤬 💯 🙌"


def glyph_runs(text: str, font: QFont) -> list[tuple[str, list[int]]]:
    """(font family, glyph indexes) of each run Qt shapes `text` into, as it paints it."""
    layout = QTextLayout(text, font)
    layout.beginLayout()
    layout.createLine()
    layout.endLayout()
    return [(run.rawFont().familyName(), list(run.glyphIndexes())) for run in layout.glyphRuns()]


def test_emoji_in_a_post_are_glyphs_not_the_missing_glyph_box(qapp):
    family = install_emoji_font()
    assert family is not None
    runs = glyph_runs(POST, QApplication.font())
    assert all(0 not in glyphs for _, glyphs in runs), runs  # glyph 0 is the empty box
    if not system_emoji_families():  # as on this machine and a fresh desktop: the bundled font draws them
        assert family == "Symbola" and any(name == "Symbola" for name, _ in runs)


def test_a_pdf_report_embeds_a_font_with_the_posts_emoji(qapp, tmp_path):
    ws = Workspace.open(str(tmp_path / "home"))
    try:
        now = ws.clock()
        ws.ingestor.ingest([PostIn("reddit", "e1", POST, now - timedelta(minutes=5), likes=900)])
        period = Period(now.date() - timedelta(days=6), now.date())
        out = tmp_path / "audit.pdf"
        ReportDocument(gather(ws, ReportRequest("audit", period, ""))).write_pdf(out)
    finally:
        ws.close()
    reader = pypdf.PdfReader(str(out))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    # The post is there; Qt's writer maps the emoji's glyphs to no text (copying them from the PDF gives
    # control characters), so the glyphs are checked through the font that draws them.
    assert "Nobody. No call." in text
    fonts = {
        str(font.get_object().get("/BaseFont"))
        for page in reader.pages
        for font in (page.get("/Resources", {}).get("/Font", {}) or {}).values()
    }
    if not system_emoji_families():
        assert any("Symbola" in name for name in fonts), fonts  # the glyphs come from the bundled font
