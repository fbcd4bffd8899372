"""Reports on the demo workspace, read back as a person reads them: the PDF's pages and the text of each section
(pypdf), the posts quoted as text and escaped, the Reports window's preview and Save PDF from the File menu, and the
GUI's exports (a column's every post, the agent's case list, the measurement table) against the store's counts."""

from __future__ import annotations

import csv
import dataclasses
import itertools
import json
import math
from datetime import datetime, timedelta
from pathlib import Path

import pypdf
import pytest
from PySide6.QtCore import Qt

from scrm_desktop.core.query import parse
from scrm_desktop.core.report import Period
from scrm_desktop.demo_workspace import INCIDENT, seed_care_history
from scrm_desktop.listening.api import PostIn
from scrm_desktop.store.query_sql import to_sql
from scrm_desktop.store.report_data import TimelineEntry
from scrm_desktop.ui.reports.data import ReportRequest, gather
from scrm_desktop.ui.reports.pdf import ReportDocument
from scrm_desktop.ui.reports.window import ReportsWindow
from scrm_desktop.workspace import Workspace

HOSTILE = "<b>Brightwave</b> refund & <script>alert(1)</script> now"


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    ws = Workspace.open(str(tmp_path_factory.mktemp("reports")), demo=True)
    ws.run_once()  # a day of demo posts, crisis included
    now = ws.clock()
    ws.ingestor.ingest([PostIn("reddit", "hostile", HOSTILE, now - timedelta(minutes=5), likes=100_000)])
    seed_care_history(ws)
    yield ws
    ws.close()


def week(ws) -> Period:
    today = ws.clock().date()
    return Period(today - timedelta(days=6), today)


def text_of(path: Path) -> list[str]:
    """Each page's text, words single-spaced (the extractor puts tabs between positioned words)."""
    return [" ".join(page.extract_text().split()) for page in pypdf.PdfReader(str(path)).pages]


@pytest.fixture(scope="module")
def audit_pdf(ws, tmp_path_factory, qapp):
    out = tmp_path_factory.mktemp("pdf") / "audit.pdf"
    document = ReportDocument(gather(ws, ReportRequest("audit", week(ws), "Brightwave")))
    pages = document.write_pdf(out)
    return out, pages, document


def test_the_audit_has_a_cover_a_summary_page_and_every_section(audit_pdf):
    path, pages, _ = audit_pdf
    text = text_of(path)
    assert len(text) == pages >= 8
    assert "Social media audit" in text[0] and "Brightwave" in text[0] and "against Corvex, Nimbly" in text[0]
    assert text[1].startswith("Summary") and "What happened" in text[1] and "Recommendations" in text[1]
    whole = " ".join(text)
    for heading in (
        "1. Volume: what people say, and where",
        "2. Sentiment",
        "3. Share of voice",
        "4. Spikes and their baseline",
        "5. The measurement framework",
        "6. Top advocates and influencers",
        "7. The most engaged posts",
        "8. Customer care",
        "9. Incidents",
    ):
        assert heading in whole, heading
    assert f"page 2 of {pages}" in text[1]


def placed_text(page) -> list[tuple[str, float, float]]:  # type: ignore[no-untyped-def]
    """Each run of text on a PDF page with its size in points and where it starts (x from the left edge)."""
    found: list[tuple[str, float, float]] = []

    def visit(text, cm, tm, _font, size) -> None:  # type: ignore[no-untyped-def]
        m = pypdf.mult(tm, cm)
        if text.strip():
            found.append((" ".join(text.split()), size * math.hypot(m[2], m[3]), m[4]))

    page.extract_text(visitor_text=visit)
    return found


def test_the_footer_is_small_print_inside_the_page(audit_pdf):
    path, pages, _ = audit_pdf
    reader = pypdf.PdfReader(str(path))
    width = float(reader.pages[1].mediabox.width)
    for number in (2, pages):
        [(text, size, x)] = [t for t in placed_text(reader.pages[number - 1]) if f"page {number} of" in t[0]]
        assert text.startswith("Social media audit · Brightwave ·")
        assert 6 <= size <= 9  # small print, not three times the body text
        assert width / 3 < x < width  # right-aligned, starting on the page


def legend_ink(image) -> float:  # type: ignore[no-untyped-def]
    """The share of dark pixels in the strip under the chart's time axis, where the legend is."""
    import numpy as np
    from PySide6.QtGui import QImage

    image = image.convertToFormat(QImage.Format.Format_RGB32)
    rgb = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine() // 4, 4)
    h, w = image.height(), image.width()
    strip = rgb[int(h * 0.82) :, int(w * 0.15) : int(w * 0.85), :3]
    return float((strip.max(axis=2) < 90).mean())


def test_a_charts_legend_prints_as_large_as_on_screen(audit_pdf):
    from scrm_desktop.ui.reports.charts import chart_image

    snap = audit_pdf[2].data.snapshot
    on_screen, printed = (legend_ink(chart_image("volume", snap, scale=s)) for s in (1, 3))
    assert on_screen > 0.005  # the channel names are there
    assert printed == pytest.approx(on_screen, rel=0.4)  # scaled up with the chart (it was a third of the size)


@pytest.mark.parametrize("key", ["volume", "sentiment", "share_now", "share_trend", "spikes"])
def test_no_printed_chart_s_legend_hides_its_lines_or_areas(audit_pdf, monkeypatch, key):
    from scrm_desktop.ui.reports import charts

    seen = {}

    class Printed(charts.CHARTS[key]):  # the report's own chart, looked at as it is exported
        def close(self) -> bool:
            plot = self.plotItem
            seen.update(entries=len(plot.legend.items), legend=plot.legend.sceneBoundingRect())
            seen.update(data=plot.vb.sceneBoundingRect(), chart=plot.sceneBoundingRect())
            return super().close()

    monkeypatch.setitem(charts.CHARTS, key, Printed)
    charts.chart_image(key, audit_pdf[2].data.snapshot)
    assert seen["entries"] > 0
    assert not seen["legend"].intersects(seen["data"])  # the share of voice over time fills its plot: it was over it
    assert seen["chart"].contains(seen["legend"])  # and it is on the picture, whole


def test_the_dashboard_s_share_of_voice_trend_keeps_its_legend_off_the_areas(qtbot, audit_pdf):
    import pyqtgraph as pg

    from scrm_desktop.ui.dashboard.charts import ShareTrendChart

    chart = ShareTrendChart()  # the same class as the report's
    qtbot.addWidget(chart)
    chart.resize(600, 300)
    chart.show()
    chart.show_snapshot(audit_pdf[2].data.snapshot)
    chart.show_snapshot(audit_pdf[2].data.snapshot)  # a refresh (the dashboard's every few seconds)
    legend, data = chart.plotItem.legend, chart.plotItem.vb
    assert [label.text for _, label in legend.items] == list(audit_pdf[2].data.snapshot.sov_series)  # once each
    assert not legend.sceneBoundingRect().intersects(data.sceneBoundingRect())
    # each brand's key is a swatch of its area's colour, not the 1 px line along the area's top
    fills = [item.brush().color().name() for item in chart.plotItem.items if isinstance(item, pg.FillBetweenItem)]
    swatches = [pg.mkBrush(sample.item.opts["brush"]).color().name() for sample, _ in legend.items]
    assert swatches == fills


def page_of(doc, block) -> int:  # type: ignore[no-untyped-def]
    """The page a block's first line is drawn on (the PDF paints these very pages; a block pushed onto the next page
    keeps its bounding rect's top at the foot of the page before)."""
    lines = block.layout()
    y = doc.documentLayout().blockBoundingRect(block).top() + (lines.lineAt(0).y() if lines.lineCount() else 0)
    return int((y + 1) // doc.pageSize().height())  # + 1: a line at a page's top, whichever way it was rounded


def headings_alone_at_a_page_foot(document: ReportDocument) -> list[str]:
    """The headings whose next block's first line is on a later page than theirs."""
    doc = document.doc
    alone, block = [], doc.begin()
    while block.isValid() and block.next().isValid():
        if block.blockFormat().headingLevel() and page_of(doc, block.next()) > page_of(doc, block):
            alone.append(block.text())
        block = block.next()
    return alone


def test_no_heading_is_left_alone_at_the_foot_of_a_page(ws, audit_pdf):
    assert headings_alone_at_a_page_foot(audit_pdf[2]) == []
    data = gather(ws, ReportRequest("care", week(ws)))
    [timeline] = data.incidents
    at = timeline.entries[0].at
    second = dataclasses.replace(timeline.incident, id=timeline.incident.id + 1, title="Second incident")
    alone = {}
    # the first incident's timeline grows by a row (24 px) and a wrapped line (about 14 px) at a time, over more
    # than a page: what follows it, the next incident's heading first, steps down across a page's foot
    for rows, words in itertools.product(range(42), (1, 12, 24)):
        padding = [TimelineEntry(at, "Sam", "Called the customer back") for _ in range(rows)]
        padding.append(TimelineEntry(at, "Sam", " ".join(["rescheduled"] * words)))
        padded = dataclasses.replace(timeline, entries=(*timeline.entries, *padding))
        data.incidents = [padded, dataclasses.replace(timeline, incident=second)]
        if found := headings_alone_at_a_page_foot(ReportDocument(data)):
            alone[rows, words] = found
    assert alone == {}


def test_a_quoted_post_is_never_parted_from_who_said_it(qtbot):
    from PySide6.QtCore import QSizeF
    from PySide6.QtGui import QTextDocument

    from scrm_desktop.core.post import Post
    from scrm_desktop.ui.reports.document import quote
    from scrm_desktop.ui.reports.pdf import keep_with_next

    said = Post(7, "reddit", "x", "The hinge cracked again. " * 6, datetime(2026, 1, 2, 9, 30), author_handle="mara")
    parted = []
    for lines in range(40):  # the quotes step down across a page's foot a line at a time
        doc = QTextDocument()
        doc.setPageSize(QSizeF(500, 400))
        doc.setHtml("<p>filler</p>" * lines + quote(said) + quote(said, "loudest"))
        keep_with_next(doc)
        block = doc.begin()
        while block.next().isValid():
            if block.text().startswith("“") and page_of(doc, block.next()) != page_of(doc, block):
                parted.append(lines)
            block = block.next()
    assert parted == []


def test_the_influencers_and_advocates_are_ranked_with_their_scores_to_two_places(audit_pdf):
    path, _, document = audit_pdf
    whole = " ".join(text_of(path))
    ranked = [*document.data.influencers, *document.data.advocates]
    assert ranked
    for rank, (r, _post) in enumerate(document.data.influencers, start=1):
        assert (
            f"{rank} {r.activity.handle} {r.activity.channel} {r.activity.followers:,} {r.activity.posts} {r.score:.2f}"
            in whole
        )


def test_the_figures_in_the_pdf_are_the_stores(ws, audit_pdf):
    path, _, document = audit_pdf
    data = document.data
    period = data.request.period
    brand_posts = sum(c.total for c in data.by_channel.values())
    query = f"topic:Brightwave since:{period.start:%Y-%m-%d} until:{period.end:%Y-%m-%d}"
    assert brand_posts == ws.db.posts.count(to_sql(parse(query)))
    summary = text_of(path)[1]
    assert f"{brand_posts:,} posts mentioned Brightwave in the period." in summary
    assert f"{data.care.kpis.overall.cases} posts became cases" in summary


def test_the_posts_behind_the_figures_are_quoted_as_text_and_escaped(audit_pdf):
    path, _, document = audit_pdf
    whole = " ".join(text_of(path))
    assert "“<b>Brightwave</b> refund & <script>alert(1)</script> now”" in whole  # printed, not interpreted
    top = document.data.top_posts["Most engaged"][0]
    assert top.text == HOSTILE
    _spike, posts = document.data.spikes[0]
    assert posts and f"post #{posts[0].id}" in whole


def test_the_care_report_has_outcomes_agents_channels_and_incident_timelines(ws, tmp_path, qapp):
    out = tmp_path / "care.pdf"
    data = gather(ws, ReportRequest("care", week(ws)))
    ReportDocument(data).write_pdf(out)
    whole = " ".join(text_of(out))
    assert "Care report" in whole and "Cases by outcome" in whole and "Per agent" in whole and "Per channel" in whole
    for outcome in data.care.outcomes:
        assert outcome in whole
    assert data.care.kpis.overall.cases == 48
    assert INCIDENT["title"] in whole and "Opened at crisis level 3" in whole
    assert "Status update to" in whole
    assert "1. Volume" not in whole  # the audit's sections are not in the care report


def test_the_reports_window_previews_and_saves_from_the_file_menu(qtbot, window, ws, tmp_path):
    window.reports_action.trigger()
    reports = window.feature_windows["reports"]
    qtbot.addWidget(reports)
    assert isinstance(reports, ReportsWindow) and reports.isVisible()
    period = week(ws)
    reports.set_period(period.first, period.last)
    reports.kind.setCurrentIndex(reports.kind.findData("care"))
    with qtbot.waitSignal(reports.previewed, timeout=60_000) as shown:
        qtbot.mouseClick(reports.preview_button, Qt.MouseButton.LeftButton)
    assert shown.args[0] == reports.pages.count() >= 3
    out = tmp_path / "care.pdf"
    with qtbot.waitSignal(reports.written, timeout=60_000) as saved:
        reports.save_pdf(out)
    assert saved.args == [str(out), len(pypdf.PdfReader(str(out)).pages)]


def test_the_reports_window_opens_on_a_preview_of_our_brand_s_audit(qtbot, window, ws):
    with qtbot.waitSignal(window.reports_action.triggered):
        window.reports_action.trigger()
    reports = window.feature_windows["reports"]
    qtbot.addWidget(reports)
    qtbot.waitUntil(lambda: reports.brand.count() > 1)
    assert reports.brand.itemText(0) == "Brightwave (our brand)" and reports.brand.currentData() == ""
    assert "Brightwave (brand)" not in [reports.brand.itemText(i) for i in range(reports.brand.count())]
    assert reports.progress_dialog is None  # the opening preview asks nothing of the user
    qtbot.waitUntil(lambda: reports.document is not None, timeout=60_000)  # no click: the pages are there
    assert reports.pages.count() == reports.document.page_count >= 3
    assert reports.document.data.title == "Social media audit"
    assert reports.status.text().startswith("Social media audit:")


def test_a_period_that_ends_before_it_starts_is_refused_in_the_window(qtbot, ws):
    reports = ReportsWindow(ws)
    qtbot.addWidget(reports)
    today = ws.clock().date()
    reports.set_period(today, today - timedelta(days=3))
    with qtbot.waitSignal(reports.failed, timeout=2000):
        reports.preview()
    assert "before it starts" in reports.status.text()


def test_the_measurement_table_exports_one_row_per_channel(qtbot, ws, tmp_path):
    reports = ReportsWindow(ws)
    qtbot.addWidget(reports)
    period = week(ws)
    reports.set_period(period.first, period.last)
    out = tmp_path / "measures.json"
    with qtbot.waitSignal(reports.written, timeout=60_000):
        reports.export_measures(out)
    rows = json.loads(out.read_text(encoding="utf-8"))
    channels = {r["channel"]: r["mentions"] for r in rows}
    query = f"topic:Brightwave since:{period.start:%Y-%m-%d} until:{period.end:%Y-%m-%d}"
    assert sum(channels.values()) == ws.db.posts.count(to_sql(parse(query)))
    assert channels["reddit"] == ws.db.posts.count(to_sql(parse(f"{query} channel:reddit")))


def test_a_columns_export_holds_every_post_of_its_query(qtbot, window, ws, tmp_path):
    board = window.current_board()
    column = board.columns[1]  # "Negative"
    out = tmp_path / "negative.csv"
    with qtbot.waitSignal(board.exported, timeout=30_000) as done:
        board.export_to(column, str(out))
    with open(out, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert done.args[1] == len(rows) == ws.db.posts.count(to_sql(parse("sentiment:negative")))
    assert len(rows) > column.model.rowCount()  # more than the rows loaded on screen
    assert "Export posts…" in [a.text() for a in column.menu.actions()]


def test_a_search_s_export_holds_every_post_it_found(qtbot, window, ws, tmp_path):
    window.search.setText("(refund OR late) channel:reddit")
    column = window.run_search()
    assert column is not None
    board = window.current_board()
    out = tmp_path / "search.json"
    with qtbot.waitSignal(board.exported, timeout=30_000) as done:
        board.export_to(column, str(out))
    rows = json.loads(out.read_text(encoding="utf-8"))
    expected = ws.db.posts.count(to_sql(parse("(refund OR late) channel:reddit")))
    assert done.args[1] == len(rows) == expected > 0
    assert {r["channel"] for r in rows} == {"reddit"}
    assert "Export posts…" in [a.text() for a in column.menu.actions()]
    board.remove(column)


def test_column_export_posts_in_the_menu_bar_writes_the_current_column(qtbot, window, ws, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    board = window.current_board()
    window.focus_column(board.columns[1])  # "Negative"
    out = tmp_path / "current.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))  # the user's choice
    [column_menu] = [a.menu() for a in window.menuBar().actions() if a.text() == "&Column"]
    [export] = [a for a in column_menu.actions() if a.text() == "E&xport posts…"]
    with qtbot.waitSignal(board.exported, timeout=30_000) as done:
        export.trigger()
    with open(out, newline="", encoding="utf-8") as f:
        assert done.args == [str(out), len(list(csv.DictReader(f)))]
    assert done.args[1] == ws.db.posts.count(to_sql(parse("sentiment:negative")))


def test_the_agent_case_list_exports_every_case_of_its_view(qtbot, ws, tmp_path):
    from scrm_desktop.ui.agent.view import AgentView

    view = AgentView(ws, agent="Ana", synchronous=True)
    qtbot.addWidget(view)
    view.refresh()
    out = tmp_path / "cases.csv"
    with qtbot.waitSignal(view.cases_exported, timeout=10_000) as done:
        view.export_cases(str(out))
    with open(out, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert done.args[1] == len(rows) == view.total > 0
    assert set(view.queue.case_ids()) <= {int(r["id"]) for r in rows}
    assert {r["status"] for r in rows} <= {"new", "open", "waiting"}


@pytest.mark.qt_log_ignore("does not support QPlatformServices")  # offscreen: no file manager to show the folder
def test_e_mail_writes_the_pdf_and_opens_a_message_with_it_attached(qtbot, ws, tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    told = tmp_path / "xdg-email.args"
    program = bin_dir / "xdg-email"  # the desktop's mail opener, as xdg-utils installs it: here it notes its call
    program.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{told}"\n')
    program.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    reports = ReportsWindow(ws)
    qtbot.addWidget(reports)
    period = week(ws)
    reports.set_period(period.first, period.last)
    reports.kind.setCurrentIndex(reports.kind.findData("care"))
    with qtbot.waitSignal(reports.mailed, timeout=60_000) as mailed:
        qtbot.mouseClick(reports.mail_button, Qt.MouseButton.LeftButton)
    path, used = mailed.args
    assert used == str(program) and Path(path).parent == ws.paths.data / "reports"
    assert "Care report" in " ".join(text_of(Path(path)))
    qtbot.waitUntil(told.exists)
    assert told.read_text().splitlines() == ["--subject", f"Care report: {reports.document.page_count} pages",
                                             "--attach", path]  # fmt: skip
    assert "is opening in your e-mail program" in reports.status.text()

    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no e-mail program: the folder is shown instead
    with qtbot.waitSignal(reports.mailed, timeout=60_000) as mailed:
        reports.email()
    assert mailed.args == [path, ""] and f"Saved {path}: attach it to your message" in reports.status.text()
