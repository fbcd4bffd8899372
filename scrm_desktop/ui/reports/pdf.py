"""A report laid out once on A4 pages (QTextDocument at 96 layout dpi), no heading left alone at a page's foot, and
painted page by page with a running footer: into a PDF with Qt's own QPdfWriter, or into images for the preview (the
same pages either way)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, QSizeF, Qt, QUrl
from PySide6.QtGui import (
    QColor,
    QFont,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextBlock,
    QTextCursor,
    QTextDocument,
    QTextFormat,
)

from scrm_desktop.ui.fonts import install_emoji_font
from scrm_desktop.ui.reports.charts import chart_images
from scrm_desktop.ui.reports.data import ReportData
from scrm_desktop.ui.reports.document import KEEP_WITH_NEXT, charts_for, report_html

LAYOUT_DPI = 96
PAGE_MM = (210.0, 297.0)  # A4
MARGIN_MM = 16.0
FOOTER_MM = 8.0
FOOTER_PT = 8.0


def _px(mm: float) -> float:
    return mm / 25.4 * LAYOUT_DPI


def keeps_with_next(block: QTextBlock) -> bool:
    """A heading, or a block the report marks to stay with the next (a quoted post, with its attribution line)."""
    return bool(block.blockFormat().headingLevel()) or block.userState() == KEEP_WITH_NEXT


def _run_start(block: QTextBlock) -> QTextBlock:
    """The first of the blocks right before `block` that keep with their next (a section's heading and its first
    subheading; a heading and the quote under it)."""
    while block.previous().isValid() and keeps_with_next(block.previous()):
        block = block.previous()
    return block


def first_line_y(doc: QTextDocument, block: QTextBlock) -> float:
    """Where a block's first line is drawn. A block pushed onto the next page keeps its place (its top margin) at
    the foot of the page before: its lines move, not its bounding rect."""
    lines = block.layout()
    top = doc.documentLayout().blockBoundingRect(block).top()
    return top + (lines.lineAt(0).y() if lines.lineCount() else 0.0)


def keep_with_next(doc: QTextDocument) -> int:
    """A heading (or a quoted post) whose next block starts on a later page starts that page itself, with the
    headings right before it (QTextDocument has no keep-with-next). One pass from the top is enough: a break moves
    only what follows it. Returns how many breaks were added."""
    height = doc.pageSize().height()
    always = QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore

    def page_of(block: QTextBlock) -> int:  # + 1: a line at a page's top, whichever way its position was rounded
        return int((first_line_y(doc, block) + 1) // height)

    doc.pageCount()  # laid out whole first: a break added into a layout done only part way lost what followed it
    added, block = 0, doc.begin()
    while block.isValid() and block.next().isValid():
        if keeps_with_next(block) and page_of(block.next()) > page_of(block):
            first = _run_start(block)
            fmt = first.blockFormat()
            if not fmt.pageBreakPolicy() & always:  # else it starts a page already: a taller part cannot do better
                fmt.setPageBreakPolicy(fmt.pageBreakPolicy() | always)
                QTextCursor(first).setBlockFormat(fmt)
                doc.pageCount()  # and again: the next break, if any, goes into a whole layout too
                added += 1
        block = block.next()
    return added


class ReportDocument:
    """The laid-out report: `page_count`, `write_pdf(path)`, `page_image(i, width)`. GUI thread only (it draws
    the dashboard's chart widgets)."""

    def __init__(self, data: ReportData) -> None:
        install_emoji_font()  # a post's emoji are glyphs in the PDF, not empty boxes (`report` has no main window)
        self.data = data
        self.page_size = QSizeF(_px(PAGE_MM[0]), _px(PAGE_MM[1]))
        self.margin = _px(MARGIN_MM)
        self.body = QSizeF(self.page_size.width() - 2 * self.margin, self.page_size.height() - 2 * self.margin)
        self.body.setHeight(self.body.height() - _px(FOOTER_MM))
        # fonts are measured at LAYOUT_DPI whatever the screen: the preview and the PDF paginate alike
        self._device = QImage(8, 8, QImage.Format.Format_RGB32)
        self._device.setDotsPerMeterX(round(LAYOUT_DPI / 0.0254))
        self._device.setDotsPerMeterY(round(LAYOUT_DPI / 0.0254))
        self.doc = QTextDocument()
        self.doc.documentLayout().setPaintDevice(self._device)
        font = QFont("DejaVu Sans", 10)
        font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
        font.setFeature(QFont.Tag("liga"), 0)  # "fi" stays two letters when the PDF's text is copied or searched
        self.doc.setDefaultFont(font)
        self.doc.setDocumentMargin(0)
        self.doc.setPageSize(self.body)
        for key, image in chart_images(data.snapshot, charts_for(data.request.kind)).items() if data.snapshot else ():
            self.doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(f"chart:{key}"), image)
        self.doc.setHtml(report_html(data, int(self.body.width())))
        keep_with_next(self.doc)

    @property
    def page_count(self) -> int:
        return self.doc.pageCount()

    def footer(self, page: int) -> str:
        d = self.data
        about = f" · {d.brand}" if d.brand else ""
        return f"{d.title}{about} · {d.request.period.label} · page {page + 1} of {self.page_count}"

    def _paint_page(self, painter: QPainter, page: int) -> None:
        """Page `page` in layout pixels (the painter is scaled to the device)."""
        painter.save()
        painter.translate(self.margin, self.margin - page * self.body.height())
        self.doc.drawContents(painter, QRectF(0, page * self.body.height(), self.body.width(), self.body.height()))
        painter.restore()
        if page > 0:  # the cover has no footer
            painter.save()
            font = QFont(self.doc.defaultFont())
            # in layout pixels like the body: a point size would be read at the device's dpi and then scaled
            # again by the painter (a 300 dpi PDF got a footer three times too big, its start off the page)
            font.setPixelSize(round(FOOTER_PT / 72 * LAYOUT_DPI))
            painter.setFont(font)
            painter.setPen(QColor("#666666"))
            bottom = QRectF(self.margin, self.page_size.height() - self.margin, self.body.width(), _px(FOOTER_MM))
            painter.drawText(bottom, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom), self.footer(page))
            painter.restore()

    def write_pdf(self, path: str | Path, progress: Callable[[int, int], None] | None = None) -> int:
        """Write the PDF (A4, Qt's own writer); returns the number of pages. OSError when it cannot be written."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        writer = QPdfWriter(str(tmp))
        writer.setPageLayout(
            QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait, QMarginsF())
        )
        writer.setResolution(300)
        writer.setTitle(
            f"{self.data.title}: {self.data.brand or self.data.workspace}, {self.data.request.period.label}"
        )
        writer.setCreator("scrm-desktop")
        painter = QPainter()
        if not painter.begin(writer):
            raise OSError(f"could not write {target}")
        scale = writer.resolution() / LAYOUT_DPI
        painter.scale(scale, scale)
        for page in range(self.page_count):
            if page:
                writer.newPage()
            self._paint_page(painter, page)
            if progress is not None:
                progress(page + 1, self.page_count)
        painter.end()
        tmp.replace(target)
        return self.page_count

    def page_image(self, page: int, width: int = 800) -> QImage:
        """One page as an image `width` pixels wide (the preview, the guide's picture)."""
        scale = width / self.page_size.width()
        image = QImage(width, round(self.page_size.height() * scale), QImage.Format.Format_RGB32)
        image.fill(QColor("white"))
        painter = QPainter(image)
        painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.SmoothPixmapTransform)
        painter.scale(scale, scale)
        self._paint_page(painter, page)
        painter.end()
        return image
