"""Render docs/report-pages.png, the guide's picture of the audit: two pages of the PDF side by side (the summary and
the share of voice) on a fresh demo workspace's last seven days, as `scrm-desktop --demo report audit` writes them.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/render_report_pages.py [docs/report-pages.png]

The pages are found by their headings in the written PDF (read back with pypdf, from the test extras) and drawn by
the same painting code the PDF writer uses (ReportDocument.page_image), so the picture is the PDF's pages."""

from __future__ import annotations

import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import pypdf
from PySide6.QtGui import QColor, QImage, QPainter

from scrm_desktop import app
from scrm_desktop.core.report import Period
from scrm_desktop.ui.reports.data import ReportRequest, gather
from scrm_desktop.ui.reports.pdf import ReportDocument
from scrm_desktop.workspace import Workspace

HEADINGS = ("Summary", "3. Share of voice")
PAGE_WIDTH = 720
GAP = 20
BACKGROUND = "#d0d4dc"


def pages_with(pdf: Path, headings: tuple[str, ...]) -> list[int]:
    """The first page (0-based) whose text starts with each heading."""
    texts = [" ".join(page.extract_text().split()) for page in pypdf.PdfReader(str(pdf)).pages]
    return [next(i for i, text in enumerate(texts) if text.startswith(heading)) for heading in headings]


def render(out: Path) -> list[int]:
    app.ensure_offscreen_app()
    with tempfile.TemporaryDirectory() as base:
        ws = Workspace.open(base, demo=True, seed=True)
        try:
            today = ws.clock().date()
            request = ReportRequest("audit", Period(today - timedelta(days=6), today), "Brightwave")
            pdf = Path(base) / "audit.pdf"
            app.write_report(ws, request, pdf)
            numbers = pages_with(pdf, HEADINGS)
            document = ReportDocument(gather(ws, request))
        finally:
            ws.close()
    images = [document.page_image(n, PAGE_WIDTH) for n in numbers]
    height = max(i.height() for i in images)
    sheet = QImage(GAP + len(images) * (PAGE_WIDTH + GAP), height + 2 * GAP, QImage.Format.Format_RGB32)
    sheet.fill(QColor(BACKGROUND))
    painter = QPainter(sheet)
    for k, image in enumerate(images):
        painter.drawImage(GAP + k * (PAGE_WIDTH + GAP), GAP, image)
    painter.end()
    if not sheet.save(str(out)):
        raise OSError(f"could not write {out}")
    return [n + 1 for n in numbers]


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/report-pages.png")
    print(f"wrote {target}: pages {render(target)}")
