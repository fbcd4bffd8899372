"""Customers in the GUI: VIP and advocate badges on cards in a stream column, the detail pane's customer record
(hostile names as text), and the Customers window's tabs driven as a person would."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from scrm_desktop.app import build_window
from scrm_desktop.listening.api import PostIn
from scrm_desktop.ui.customers.link_dialog import LinkDialog
from scrm_desktop.ui.customers.window import CustomersWindow
from scrm_desktop.ui.views.post_delegate import author_badges
from scrm_desktop.workspace import Workspace
from tests.ui.helpers import settled

NOW = datetime.now(UTC).replace(microsecond=0)
HOSTILE = '<b>Evil</b><img src="http://x/y.png"> Corp'


def post(ext, channel, handle, text, minutes, name="", **kw):
    return PostIn(
        channel=channel,
        external_id=ext,
        text=text,
        created_at=NOW - timedelta(minutes=minutes),
        author_handle=handle,
        author_name=name,
        **kw,
    )


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace.open(str(tmp_path / "home"))
    workspace.ingestor.ingest(
        [
            post(
                "m1",
                "mastodon",
                "@ana@x.social",
                "Love my Aero, brilliant battery",
                50,
                "Ana Silva",
                extra={"author_bio": "me on reddit: https://reddit.com/u/ana_s"},
            ),
            post("m2", "mastodon", "@ana@x.social", "Great support from the team, thank you", 40, "Ana Silva"),
            post("m0", "mastodon", "@ana@x.social", "Best laptop I have owned, love it", 60, "Ana Silva"),
            post("r1", "reddit", "ana_s", "Aero arrived today", 30, "Ana S"),
            post(
                "v1", "bluesky", "vip.bsky.social", "my order is late", 20, HOSTILE, author_followers=90_000, likes=400
            ),
        ]
    )
    yield workspace
    workspace.close()


def profile(ws, channel, handle):
    return ws.customers.find_profile(channel, handle)


def has_color(image: QImage, rgb: int) -> bool:
    """Whether a pixel of exactly this colour is on screen (badges are filled with a solid colour)."""
    img = image.convertToFormat(QImage.Format.Format_ARGB32)
    needle = bytes([rgb & 0xFF, (rgb >> 8) & 0xFF, (rgb >> 16) & 0xFF, 0xFF])
    data = bytes(img.constBits())
    return any(data[i : i + 4] == needle for i in range(0, len(data), 4) if data[i] == needle[0])


def test_vip_and_advocate_badges_show_on_cards_in_a_stream_column(qtbot, ws):
    ws.rules.set_vip(profile(ws, "bluesky", "vip.bsky.social").author_id)
    window, bridge = build_window(ws)
    qtbot.addWidget(window)
    window.resize(1600, 900)
    window.show()
    qtbot.waitExposed(window)
    column = window.columns[0]
    qtbot.waitUntil(lambda: column.model.rowCount() == 5)
    badges = {column.model.post_at(r).external_id: author_badges(column.model.post_at(r)) for r in range(5)}
    assert badges == {"m0": ["Advocate"], "m1": ["Advocate"], "m2": ["Advocate"], "r1": [], "v1": ["VIP"]}
    image = column.view.grab().toImage()
    assert has_color(image, 0xB8860B) and has_color(image, 0x2E8B57)  # the VIP and advocate pills are drawn
    bridge.close()


def test_detail_pane_shows_the_linked_customer_as_plain_text(qtbot, ws):
    c = ws.customers.create(HOSTILE, tier="vip", tags=["press", "<i>beta</i>"])
    ws.customers.link(profile(ws, "bluesky", "vip.bsky.social").author_id, c.id)
    ws.customers.link(profile(ws, "reddit", "ana_s").author_id, c.id)
    window, bridge = build_window(ws)
    qtbot.addWidget(window)
    window.show()
    column = window.columns[0]
    qtbot.waitUntil(lambda: column.model.rowCount() == 5)
    row = next(r for r in range(5) if column.model.post_at(r).external_id == "v1")
    column.view.setCurrentIndex(column.model.index(row, 0))
    pane = window.detail
    qtbot.waitUntil(lambda: pane.post is not None and pane.post.external_id == "v1" and settled(window))
    assert pane.customer.isVisible() and pane.customer.textFormat() == Qt.TextFormat.PlainText
    assert pane.customer.text() == f"Customer: {HOSTILE} · VIP · tags: press, <i>beta</i>\nAlso: reddit:ana_s"
    assert pane.link_customer.isVisible() and pane.link_customer.text() == "Customer link…"
    row = next(r for r in range(5) if column.model.post_at(r).external_id == "m1")
    column.view.setCurrentIndex(column.model.index(row, 0))
    qtbot.waitUntil(lambda: pane.post.external_id == "m1" and settled(window))
    assert not pane.customer.isVisible() and pane.link_customer.text() == "Link to customer…"
    bridge.close()


def test_link_dialog_links_the_author_to_a_new_or_existing_customer(qtbot, ws):
    ws.customers.create("Ana Silva", email="ana@example.com")
    ana = profile(ws, "mastodon", "@ana@x.social")
    dialog = LinkDialog(ws.customers, ana, "sam")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.search, "ana@")
    qtbot.waitUntil(lambda: settled(dialog))  # the records are searched in the background
    assert dialog.list.count() == 1
    qtbot.mouseClick(dialog.link, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible())  # closed once the link is stored
    assert dialog.linked_to is not None
    assert ws.customers.customer_for_author(ana.author_id).email == "ana@example.com"
    again = LinkDialog(ws.customers, profile(ws, "mastodon", "@ana@x.social"), "sam")
    qtbot.addWidget(again)
    again.show()
    qtbot.waitUntil(lambda: settled(again))
    assert not again.link.isEnabled() and "Linked to Ana Silva" in again.who.text()
    qtbot.mouseClick(again.unlink, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not again.isVisible())
    assert ws.customers.customer_for_author(ana.author_id) is None


@pytest.fixture
def customers_window(qtbot, ws):
    win = CustomersWindow(ws, "sam")
    qtbot.addWidget(win)
    win.show()
    yield win
    win.shutdown()


def test_suggested_link_confirm_then_undo_and_the_record_with_combined_history(qtbot, ws, customers_window):
    win = customers_window
    win.tabs.setCurrentWidget(win.suggestions)
    tab = win.suggestions
    qtbot.waitUntil(lambda: tab.table.rowCount() == 1)
    assert tab.table.item(0, 0).text() == "bio link" and not tab.confirm.isEnabled()
    tab.table.selectRow(0)
    qtbot.mouseClick(tab.confirm, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.table.rowCount() == 0)
    win.tabs.setCurrentWidget(win.records)
    records = win.records
    qtbot.waitUntil(lambda: records.list.count() == 1)
    assert records.list.item(0).text() == "Ana Silva  (2 profiles)"
    records.list.setCurrentRow(0)
    qtbot.waitUntil(lambda: records.history.count() == 4)
    assert [p.external_id for p in records.history_posts] == ["r1", "m2", "m1", "m0"]  # both channels, newest first
    assert records.profiles.count() == 2
    records.profiles.setCurrentRow(0)
    qtbot.waitUntil(lambda: "cases" in records.profile_stats.text())
    records.tier.setCurrentIndex(1)
    records.tags.setText("beta, press")
    qtbot.mouseClick(records.save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: records.status.text() == "Saved")  # stored in the background
    saved = ws.customers.list()[0]
    assert saved.tier == "vip" and saved.tags == ("beta", "press")
    win.tabs.setCurrentWidget(tab)
    qtbot.mouseClick(tab.undo, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.table.rowCount() == 1)  # offered again
    assert ws.customers.customer_for_author(profile(ws, "reddit", "ana_s").author_id) is None
    assert ws.customers.get(saved.id).profiles == ()  # the record stays (it was edited), both profiles free


def test_advocates_and_influencers_tabs_rank_with_evidence_and_export(qtbot, ws, customers_window, tmp_path):
    win = customers_window
    win.tabs.setCurrentWidget(win.advocates)
    qtbot.waitUntil(lambda: win.advocates.table.rowCount() == 1)
    assert win.advocates.table.item(0, 1).text() == "Ana Silva (@ana@x.social)"
    assert win.advocates.table.item(0, 6).text() == "3"
    win.tabs.setCurrentWidget(win.influencers)
    qtbot.waitUntil(lambda: win.influencers.table.rowCount() == 3)
    assert win.influencers.table.item(0, 1).text() == f"{HOSTILE} (vip.bsky.social)"  # plain text cell
    out = tmp_path / "influencers.csv"
    win.influencers.export_to(str(out))
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert (rows[0]["handle"], rows[0]["followers"]) == ("vip.bsky.social", "90000")
    assert "Exported 3 rows" in win.influencers.status.text()


def test_import_tab_reports_the_summary_and_bad_lines(qtbot, ws, customers_window, tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("name,email,reddit\nAna Silva,ana@example.com,u/ana_s\nBad,nope,\n", encoding="utf-8")
    win = customers_window
    win.tabs.setCurrentWidget(win.importer)
    win.importer.import_path(str(path))
    qtbot.waitUntil(lambda: win.importer.report is not None)
    assert win.importer.summary.text().startswith("0 matched, 1 created, 1 profiles linked")
    assert "line 3: 'nope' is not an e-mail address" in win.importer.details.toPlainText()
    qtbot.waitUntil(lambda: win.records.list.count() == 1)


def test_the_customers_window_opens_on_its_first_record(qtbot, ws):
    ana = ws.customers.create("Ana Silva", actor="sam")
    ws.customers.link(profile(ws, "mastodon", "@ana@x.social").author_id, ana.id, actor="sam")
    ws.customers.create("Bo Lind", actor="sam")
    win = CustomersWindow(ws, "sam")
    qtbot.addWidget(win)
    win.show()
    records = win.records
    qtbot.waitUntil(lambda: records.customer is not None)
    assert records.name.text() == "Ana Silva" and records.list.currentRow() == 0  # not a blank form
    assert [records.list.item(i).text() for i in range(2)] == ["Ana Silva  (1 profile)", "Bo Lind  (0 profiles)"]
    win.shutdown()
