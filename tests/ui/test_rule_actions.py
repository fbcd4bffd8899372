"""What rules do, as a person sees it: a rule's alert in the dashboard's Alerts list (plain text, acknowledged
with the button, opening exactly its post), and a rule's `notify` as one rate-limited desktop notice."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt

from scrm_desktop.core.query import parse
from scrm_desktop.core.rules import Rule, parse_actions
from scrm_desktop.listening.api import PostIn
from scrm_desktop.store.query_sql import to_sql
from scrm_desktop.ui.dashboard.alerts_list import AlertsList
from scrm_desktop.ui.notifications import NoticeLimiter, Notifier, RuleNotices
from scrm_desktop.workspace import Workspace

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace.open(str(tmp_path / "home"))
    yield workspace
    workspace.close()


def post(i: int, text: str, author: str = "amy") -> PostIn:
    return PostIn(
        channel="mastodon",
        external_id=f"p{i}",
        text=text,
        created_at=NOW - timedelta(minutes=30 - i),
        author_handle=author,
    )


def add_rule(ws, name: str, query: str, actions: str) -> None:
    ws.rules.save(Rule(name=name, query=query, actions=parse_actions(actions)))


def test_a_rule_alert_is_listed_acknowledged_and_opens_its_post(qtbot, ws):
    add_rule(ws, "Outage", "outage OR down", "alert: check the status page")
    ws.ingestor.ingest([post(1, "is the service down? <b>nothing loads</b>", author="ren"), post(2, "all good")])
    alerts = AlertsList(ws.topics, user="kim")
    qtbot.addWidget(alerts)
    alerts.refresh()
    qtbot.waitUntil(alerts.tasks.idle)  # read in the background
    assert alerts.list.count() == 1
    item = alerts.list.item(0)
    assert "Rule “Outage”: check the status page — ren: is the service down? <b>nothing loads</b>" in item.text()
    assert item.font().bold()  # not acknowledged yet
    alerts.list.setCurrentItem(item)
    qtbot.mouseClick(alerts.acknowledge_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(alerts.tasks.idle)  # stored, and the list read again
    item = alerts.list.item(0)
    assert "✓ kim" in item.text() and not item.font().bold()
    with qtbot.waitSignal(alerts.posts_requested) as opened:
        alerts.list.itemActivated.emit(item)
    query, title = opened.args
    assert title == "Alert: Outage"
    assert [p.text for p in ws.db.posts.page(to_sql(parse(query)))] == ["is the service down? <b>nothing loads</b>"]


def test_notify_rules_show_one_notice_per_burst_and_never_replay_old_hits(qtbot, ws):
    add_rule(ws, "Outage", "outage", "notify: sam")
    ws.ingestor.ingest([post(1, "old outage, before the window opened")])
    shown: list[str] = []
    clock = [1000.0]
    notifier = Notifier(lambda _text: None, limiter=NoticeLimiter(clock=lambda: clock[0]), use_tray=False)
    notifier.shown.connect(lambda _title, text: shown.append(text))
    notices = RuleNotices(ws.rules.notices, notifier, ws.rules.latest_hit_id())
    try:
        ws.ingestor.ingest([post(2, "outage in the north", author="ren")])
        notices.check()
        qtbot.waitUntil(lambda: notices.idle() and bool(shown))
        assert shown == ["New in rule “Outage” (for sam): ren: outage in the north"]
        ws.ingestor.ingest([post(i, f"outage again {i}") for i in range(3, 6)])
        notices.check()
        qtbot.waitUntil(notices.idle)
        assert len(shown) == 1  # within the minute: added up, not shown
        clock[0] += 61
        notifier.flush()
        assert shown[1:] == ["3 new in rule “Outage” (for sam)"]
    finally:
        notices.close()
        notifier.close()


def test_notices_read_where_they_start_off_the_gui_thread_and_tell_only_later_hits(qtbot, ws):
    """The main window passes a reader of the start (the newest hit): its first check only notes it."""
    add_rule(ws, "Outage", "outage", "notify: sam")
    ws.ingestor.ingest([post(1, "old outage, before the window opened")])
    shown: list[str] = []
    notifier = Notifier(lambda _text: None, use_tray=False)
    notifier.shown.connect(lambda _title, text: shown.append(text))
    read_on: list[bool] = []

    def newest() -> int:
        read_on.append(threading.current_thread() is threading.main_thread())
        return ws.rules.latest_hit_id()

    notices = RuleNotices(ws.rules.notices, notifier, newest)
    try:
        notices.check()  # the start: nothing is told
        qtbot.waitUntil(notices.idle)
        assert read_on == [False] and shown == [] and notices.after_id == ws.rules.latest_hit_id() > 0
        ws.ingestor.ingest([post(2, "outage in the north", author="ren")])
        notices.check()
        qtbot.waitUntil(lambda: notices.idle() and bool(shown))
        assert shown == ["New in rule “Outage” (for sam): ren: outage in the north"] and read_on == [False]
    finally:
        notices.close()
        notifier.close()
