"""The agent window's panels driven as an agent would: the outbox's manual step, needs-check and failed items;
incidents with linked cases, status updates and the banner; the ARM panel on a demo post; the template editor;
the KPI panel. Real SQLite, real widgets; the panels load on their worker thread and the tests wait for it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QLabel, QWidget

from scrm_desktop.core.rules import Rule, parse_actions
from scrm_desktop.store.posts import NewPost
from scrm_desktop.ui.agent.arm_panel import ArmPanel
from scrm_desktop.ui.agent.incident_banner import IncidentBanner
from scrm_desktop.ui.agent.incidents_panel import IncidentsPanel
from scrm_desktop.ui.agent.outbox_panel import OutboxPanel
from scrm_desktop.ui.agent.template_editor import TemplateEditor
from scrm_desktop.ui.agent.view import AgentView
from scrm_desktop.ui.dashboard.kpi_panel import KpiPanel
from scrm_desktop.workspace import Workspace

START = datetime(2025, 3, 1, 9, 0)


class Clock:
    def __init__(self) -> None:
        self.now = START.replace(tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ws(tmp_path: Path, clock: Clock):  # type: ignore[no-untyped-def]
    ws = Workspace.open(basedir=str(tmp_path / "base"), clock=clock)
    ws.settings.agent_name = "ana"
    ws.cases.brand = "Brightwave"
    masto = ws.add_source("mastodon", "Masto", {"instance_url": "http://127.0.0.1:9/", "hashtags": ["x"]})
    feed = ws.add_source("rss", "Feed", {"url": "http://127.0.0.1:9/feed"})
    toots = [
        NewPost(
            "mastodon",
            f"1170{i}",
            f"My order {i} arrived broken!",
            START,
            author_handle=f"@fan{i}",
            author_name=f"Fan {i}",
            url=f"https://x.social/@fan{i}/1170{i}",
        )
        for i in range(3)
    ]
    ws.db.posts.write_batch(toots, now=START, source_id=masto.id)
    item = NewPost("rss", "item-1", "Brightwave is down again", START, author_name="Blog", url="https://blog.example/1")
    ws.db.posts.write_batch([item], now=START, source_id=feed.id)
    yield ws
    ws.close()


def post_ids(ws) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {p.external_id: p.id for p in ws.db.posts.page(limit=50)}


def reply_to(ws, external_id: str, text: str = "Sorry about that, we are on it."):  # type: ignore[no-untyped-def]
    case = ws.cases.open_from_post(post_ids(ws)[external_id], "lead")
    ws.cases.claim(case.id, "ana")
    return ws.cases.queue_reply(case.id, "ana", text, ws.cases.repo.get(case.id).version)


def loaded_outbox(qtbot, ws) -> OutboxPanel:  # type: ignore[no-untyped-def]
    panel = shown(qtbot, OutboxPanel(ws))
    with qtbot.waitSignal(panel.counts_changed):
        panel.refresh()
    return panel


def wait_refreshed(qtbot, panel: OutboxPanel) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(panel.counts_changed):
        pass


def shown(qtbot, widget):  # type: ignore[no-untyped-def]
    """Show a widget as the active window: its keyboard shortcuts work only there, as for a person."""
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    widget.raise_()
    qtbot.waitUntil(widget.isActiveWindow)
    return widget


class UrlCatcher(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url.toString())


# ---- outbox ------------------------------------------------------------------------------------------------
def test_manual_step_copy_open_and_confirm_sent(qtbot, ws) -> None:  # type: ignore[no-untyped-def]
    item = reply_to(ws, "item-1", "Thanks for flagging this, we are looking into it.")
    assert item.state == "manual"
    panel = loaded_outbox(qtbot, ws)
    assert panel.list.topLevelItemCount() == 1 and "1 need you" in panel.summary.text()
    assert panel.confirm_button.isVisible() and not panel.retry_button.isVisible()
    qtbot.mouseClick(panel.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == "Thanks for flagging this, we are looking into it."
    catcher = UrlCatcher()
    QDesktopServices.setUrlHandler("https", catcher, "open")
    try:
        qtbot.keyClick(panel.list, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    finally:
        QDesktopServices.unsetUrlHandler("https")
    assert catcher.urls == ["https://blog.example/1"]
    qtbot.keyClicks(panel.url, "https://blog.example/1#comment-9")
    with qtbot.waitSignal(panel.changed):
        qtbot.mouseClick(panel.confirm_button, Qt.MouseButton.LeftButton)
    wait_refreshed(qtbot, panel)
    stored = ws.cases.repo.item(item.id)
    assert stored.state == "sent" and stored.external_url == "https://blog.example/1#comment-9"
    assert panel.list.topLevelItemCount() == 0 and "sent 1" in panel.summary.text()
    assert "marked as sent" in panel.message.text()


def test_a_link_that_is_not_a_web_address_is_refused(qtbot, ws) -> None:  # type: ignore[no-untyped-def]
    item = reply_to(ws, "item-1")
    panel = loaded_outbox(qtbot, ws)
    qtbot.keyClicks(panel.url, "javascript:alert(1)")
    qtbot.mouseClick(panel.confirm_button, Qt.MouseButton.LeftButton)
    assert "https://" in panel.message.text()
    assert ws.cases.repo.item(item.id).state == "manual"


def test_needs_check_the_agent_says_it_was_sent_or_sends_again(qtbot, ws) -> None:  # type: ignore[no-untyped-def]
    first, second = reply_to(ws, "11700"), reply_to(ws, "11701")
    for item in (first, second):
        assert ws.cases.repo.start_sending(item.id, ws.cases.now())
    # the app "restarted" while both were being sent: its sender, made on first use, hands them to a person
    assert [ws.cases.repo.item(i.id).state for i in (first, second)] == ["sending", "sending"]
    ws.outbox  # noqa: B018
    assert [ws.cases.repo.item(i.id).state for i in (first, second)] == ["needs_check", "needs_check"]
    panel = loaded_outbox(qtbot, ws)
    assert panel.list.topLevelItemCount() == 2
    assert panel.select(first.id)
    assert "stopped while sending" in panel.reason.text()
    assert panel.confirm_button.text() == "It was &sent" and panel.retry_button.text() == "Not sent, send &again"
    with qtbot.waitSignal(panel.changed):
        qtbot.keyClick(panel.list, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # it was sent
    wait_refreshed(qtbot, panel)
    assert panel.select(second.id)
    with qtbot.waitSignal(panel.changed):
        qtbot.keyClick(panel.list, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)  # not sent: again
    wait_refreshed(qtbot, panel)
    assert ws.cases.repo.item(first.id).state == "sent"
    assert ws.cases.repo.item(second.id).state == "queued"
    assert panel.list.topLevelItemCount() == 0


def test_failed_item_shows_the_reason_retries_and_edits(qtbot, ws) -> None:  # type: ignore[no-untyped-def]
    item = reply_to(ws, "11700")
    [result] = ws.outbox.send_due()  # no access token stored: Mastodon refuses
    assert result.state == "failed"
    panel = loaded_outbox(qtbot, ws)
    assert "access token" in panel.reason.text() and panel.retry_button.isVisible()
    qtbot.keyClick(panel.list, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert not panel.text.isReadOnly() and panel.save_button.isVisible()
    panel.text.selectAll()
    qtbot.keyClicks(panel.text, "Sorry Fan 0, a replacement is on its way.")
    with qtbot.waitSignal(panel.changed):
        qtbot.keyClick(panel.text, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    stored = ws.cases.repo.item(item.id)
    assert stored.state == "queued" and stored.text == "Sorry Fan 0, a replacement is on its way."
    [again] = ws.outbox.send_due()
    assert again.state == "failed"
    with qtbot.waitSignal(panel.counts_changed):
        panel.refresh()
    assert panel.select(item.id)
    with qtbot.waitSignal(panel.changed):
        qtbot.mouseClick(panel.retry_button, Qt.MouseButton.LeftButton)
    assert ws.cases.repo.item(item.id).state == "queued"


# ---- incidents and the banner ------------------------------------------------------------------------------
def test_incident_created_linked_updated_and_resolved(qtbot, ws) -> None:  # type: ignore[no-untyped-def]
    ids = post_ids(ws)
    cases = [ws.cases.open_from_post(ids[f"1170{i}"], "lead") for i in range(2)]
    board = QWidget()  # the banner sits on a board (not a window of its own that would take the focus)
    qtbot.addWidget(board)
    banner = IncidentBanner(ws, board)
    panel = shown(qtbot, IncidentsPanel(ws, agent="ana"))
    panel.changed.connect(banner.refresh)
    panel.title.setFocus()
    qtbot.keyClicks(panel.title, "Order system sends broken units")
    panel.severity.setValue(3)
    qtbot.keyClicks(panel.status_url, "https://status.brightwave.example/7")
    qtbot.keyClicks(panel.keywords, "arrived broken")
    with qtbot.waitSignal(panel.changed):
        qtbot.keyClick(panel.title, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    [incident] = ws.cases.repo.incidents()
    assert (incident.title, incident.severity, incident.created_by) == ("Order system sends broken units", 3, "ana")
    assert incident.keywords == "arrived broken"
    qtbot.waitUntil(lambda: not banner.isHidden())
    assert banner.title.text() == "Order system sends broken units" and "level 3" in banner.level.text()
    joined = ws.cases.open_from_post(ids["11702"], "lead")  # a new case whose post says a keyword joins by itself
    assert joined.incident_id == incident.id

    for case in cases:
        panel.set_current_case(case.id)
        with qtbot.waitSignal(panel.changed):
            qtbot.keyClick(panel.title, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert all(ws.cases.repo.get(c.id).incident_id == incident.id for c in cases)
    qtbot.waitUntil(lambda: panel.current_row() is not None and panel.current_row().linked == 3)
    assert panel.keywords.toPlainText() == "arrived broken"  # the form shows the incident's keywords

    panel.update_text.setPlainText("Hi {author_name}, we found the cause; updates at {incident_url}")
    with qtbot.waitSignal(panel.changed):
        qtbot.mouseClick(panel.update_button, Qt.MouseButton.LeftButton)
    items = ws.cases.repo.items(case_id=None)
    sent = [i for i in items if i.incident_id == incident.id]
    assert len(sent) == 3 and {i.case_id for i in sent} == {c.id for c in [*cases, joined]}
    assert "Hi Fan 0, we found the cause; updates at https://status.brightwave.example/7" in {i.text for i in sent}
    assert "queued for 3 linked cases" in panel.message.text()

    with qtbot.waitSignal(panel.changed):
        qtbot.mouseClick(panel.resolve_button, Qt.MouseButton.LeftButton)
    assert ws.cases.repo.incident(incident.id).status == "resolved"
    qtbot.waitUntil(lambda: banner.isHidden())


def test_a_keyword_without_letters_is_refused_with_the_reason(qtbot, ws) -> None:  # type: ignore[no-untyped-def]
    panel = shown(qtbot, IncidentsPanel(ws, agent="ana"))
    qtbot.keyClicks(panel.title, "Technicians not showing up")
    panel.keywords.setPlainText("no-show*\n!!!")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "has no letters or digits" in panel.message.text())
    assert "'!!!'" in panel.message.text() and ws.cases.repo.incidents() == []


def test_the_banner_waits_for_crisis_level_three(qtbot, ws) -> None:  # type: ignore[no-untyped-def]
    ws.cases.open_incident("A few slow replies", 2, "ana")
    banner = IncidentBanner(ws)
    qtbot.addWidget(banner)
    with qtbot.waitSignal(banner.refreshed):
        banner.refresh()
    assert banner.isHidden() and banner.incident is None
    serious = ws.cases.open_incident("<b>Battery</b> fires reported", 4, "ana")
    with qtbot.waitSignal(banner.refreshed):
        banner.refresh()
    assert not banner.isHidden() and banner.title.text() == "<b>Battery</b> fires reported"  # shown as typed
    with qtbot.waitSignal(banner.open_requested) as opened:
        qtbot.mouseClick(banner, Qt.MouseButton.LeftButton)
    assert opened.args == [serious.id]


def test_a_banner_click_in_the_agent_window_opens_the_incident(qtbot, ws) -> None:  # type: ignore[no-untyped-def]
    incident = ws.cases.open_incident("Checkout down", 5, "ana", root_cause="payment provider outage")
    view = AgentView(ws, synchronous=True)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: not view.banner.isHidden())
    qtbot.mouseClick(view.banner.open_button, Qt.MouseButton.LeftButton)
    assert view.tabs.currentWidget() is view.incidents
    qtbot.waitUntil(lambda: view.incidents.current_row() is not None)
    assert view.incidents.current_row().incident.id == incident.id
    assert view.incidents.root_cause.toPlainText() == "payment provider outage"


# ---- ARM ---------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo(tmp_path_factory):  # type: ignore[no-untyped-def]
    ws = Workspace.open(str(tmp_path_factory.mktemp("arm")), demo=True)
    ws.rules.save(Rule(name="Broken or late", query="sentiment:negative", actions=parse_actions("tag: care")))
    ws.run_once()
    yield ws
    ws.close()


def arm_panel_on(qtbot, ws, case_id: int) -> ArmPanel:  # type: ignore[no-untyped-def]
    """The ARM panel showing the case, once what it reads has arrived."""
    panel = ArmPanel(ws)
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.loaded):
        panel.show_case(case_id)
    return panel


def test_arm_panel_shows_intent_rules_and_author_history(qtbot, demo) -> None:  # type: ignore[no-untyped-def]
    posts = [p for p in demo.db.posts.page(limit=2000) if p.sentiment_label == "negative" and p.intent]
    by_author: dict[int, list] = {}
    for p in demo.db.posts.page(limit=5000):
        by_author.setdefault(p.author_id, []).append(p)
    post = next(p for p in posts if len(by_author.get(p.author_id, [])) > 1)
    case = demo.cases.open_from_post(post.id, "lead")
    panel = arm_panel_on(qtbot, demo, case.id)
    assert f"intent: {post.intent}" in panel.section_text("intent").replace("information seeking", "information")
    assert "Broken or late → tagged care" in panel.section_text("rules")
    known = panel.section_text("known")
    earlier = [p for p in by_author[post.author_id] if p.id != post.id]  # newest first, as the panel lists them
    assert "earlier posts:" in known and " ".join(earlier[0].text.split())[:60] in known
    assert ("private" if post.channel == "email" else "public") in panel.section_text("where")
    assert "No decision yet" in panel.section_text("action")


def test_arm_panel_shows_hostile_text_as_typed(qtbot, ws) -> None:  # type: ignore[no-untyped-def]
    source = ws.db.sources.get("Masto")
    hostile = NewPost("email", "m-1", "<img src=x onerror=alert(1)> <b>help</b>", START, author_name="<i>Eve</i>")
    ws.db.posts.write_batch([hostile], now=START, source_id=source.id)
    case = ws.cases.open_from_post(post_ids(ws)["m-1"], "lead")
    panel = arm_panel_on(qtbot, ws, case.id)
    assert "<img src=x onerror=alert(1)> <b>help</b>" in panel.section_text("said")
    assert "private" in panel.section_text("where")
    hostile_labels = [label for label in panel.widget().findChildren(QLabel) if "<" in label.text()]
    assert hostile_labels and all(label.textFormat() == Qt.TextFormat.PlainText for label in hostile_labels)


def test_arm_panel_keeps_switched_off_cues_apart(qtbot, ws) -> None:  # type: ignore[no-untyped-def]
    source = ws.db.sources.get("Masto")
    post = NewPost(
        "email",
        "m-2",
        "no tech, no call, no email. just a survey asking how my visit went",
        START,
        trait="venting",
        classification={"trait_cues": ["survey", "ignored: no call (negated)"], "intent_cues": []},
    )
    ws.db.posts.write_batch([post], now=START, source_id=source.id)
    case = ws.cases.open_from_post(post_ids(ws)["m-2"], "lead")
    panel = arm_panel_on(qtbot, ws, case.id)
    intent = panel.section_text("intent")
    assert "trait cues: “survey”; not counted: “no call” (negated)" in intent
    assert "ignored" not in intent


def test_arm_panel_shows_the_linked_customer_record(qtbot, ws) -> None:  # type: ignore[no-untyped-def]
    post = ws.db.posts.get(post_ids(ws)["11702"])
    customer = ws.customers.create("Fan Two", email="fan2@example.org", tier="vip", tags=["beta"], note="<ok>")
    ws.customers.link(post.author_id, customer.id, actor="ana")
    case = ws.cases.open_from_post(post.id, "lead")
    panel = arm_panel_on(qtbot, ws, case.id)
    known = panel.section_text("known")
    assert "customer: Fan Two · vip · fan2@example.org" in known
    assert "tags: beta" in known and "note: <ok>" in known


# ---- templates ---------------------------------------------------------------------------------------------
def test_template_editor_validates_and_a_saved_template_reaches_the_reply_editor(qtbot, ws) -> None:  # type: ignore[no-untyped-def]
    editor = shown(qtbot, TemplateEditor(ws))
    assert editor.problems.text() == "" and not editor.save_button.isEnabled()  # nothing typed yet: no error
    qtbot.keyClicks(editor.title, "Replacement on its way")
    editor.category.setCurrentIndex(editor.category.findData("apology"))
    editor.body.setPlainText("Hi {author_name}, {agent}: a new one ships [[when]].")
    assert "unknown variable {agent}" in editor.problems.text() and not editor.save_button.isEnabled()
    editor.body.setPlainText("Hi {author_name}, {agent_name} here: a new one ships [[when]].")
    editor.channels.setText("mastodon, myspace")
    assert "unknown channel 'myspace'" in editor.problems.text()
    editor.channels.setText("mastodon")
    assert editor.problems.text() == "" and editor.save_button.isEnabled()
    assert editor.preview.text() == "Hi Dana Whitfield, Ana here: a new one ships [[when]]."  # signed by name
    editor.body.setFocus()
    qtbot.keyClick(editor.body, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    saved = ws.paths.config / "templates.yaml"
    assert saved.is_file() and "Replacement on its way" in saved.read_text(encoding="utf-8")
    assert "Saved" in editor.message.text()

    reopened = Workspace.open(basedir=str(ws.paths.data.parent))
    try:
        assert "Replacement on its way" in {t.title for t in reopened.cases.templates}
    finally:
        reopened.close()

    case = ws.cases.open_from_post(post_ids(ws)["11700"], "lead")
    view = AgentView(ws, synchronous=True)
    qtbot.addWidget(view)
    view.show()
    view.refresh()
    view.open_case(case.id)
    # these posts were stored unscored: the agent says negative and unhappy customer; no crisis words and no spike
    # answer "no crisis signs" and "this person only"; then a canned reply
    for key in "241":
        qtbot.keyClick(view.wizard, key)
    titles = [view.editor.picker.itemText(i) for i in range(view.editor.picker.count())]
    assert any(t.startswith("Replacement on its way") for t in titles)
    view.editor.picker.setCurrentIndex(next(i for i, t in enumerate(titles) if t.startswith("Replacement")))
    view.editor.picker.activated.emit(view.editor.picker.currentIndex())
    assert view.editor.text.toPlainText() == "Hi Fan 0, Ana here: a new one ships [[when]]."


def test_template_editor_previews_on_the_open_case(qtbot, ws) -> None:  # type: ignore[no-untyped-def]
    case = ws.cases.open_from_post(post_ids(ws)["11701"], "lead")
    editor = TemplateEditor(ws)
    qtbot.addWidget(editor)
    editor.set_case(case)
    editor.body.setPlainText("Hello {author_name} ({handle}), case {case_id}.")
    assert editor.preview.text() == f"Hello Fan 1 (@fan1), case {case.id}."
    assert f"case #{case.id}" in editor.preview_title.text() and "mastodon" in editor.preview_title.text()


# ---- KPIs --------------------------------------------------------------------------------------------------
def test_kpi_panel_shows_minutes_per_agent_and_overall(qtbot, ws, clock) -> None:  # type: ignore[no-untyped-def]
    ids = post_ids(ws)
    first = ws.cases.open_from_post(ids["11700"], "lead")
    second = ws.cases.open_from_post(ids["11701"], "lead", priority=1)  # due in one hour
    clock.advance(minutes=45)
    ws.cases.claim(first.id, "ana")
    ws.cases.queue_reply(first.id, "ana", "Sorry, on it.", ws.cases.repo.get(first.id).version)
    clock.advance(minutes=45)  # 90 minutes after opening
    ws.cases.claim(second.id, "ben")
    ws.cases.queue_reply(second.id, "ben", "Sorry, on it.", ws.cases.repo.get(second.id).version)
    panel = KpiPanel(ws)
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.loaded):
        panel.show()  # it loads when someone can see it
    assert panel.cell("ana", "first response (median)") == "45 min"
    assert panel.cell("ben", "first response (median)") == "1 h 30 min"
    assert panel.cell("ben", "SLA met") == "0% (0/1)"
    assert panel.cell("Everyone", "SLA met") == "50% (1/2)"
    assert panel.cell("Everyone", "first response (median)") == "1 h 08 min"  # 67.5 minutes
    assert "SLA met 50%" in panel.headline.text()
    panel.period.setCurrentText("Last 24 hours")
    clock.advance(days=2)
    with qtbot.waitSignal(panel.loaded):
        panel.refresh()
    assert panel.cell("Everyone", "cases") == "0" and panel.cell("Everyone", "SLA met") == "—"


# ---- wiring ------------------------------------------------------------------------------------------------
def test_the_main_window_banner_opens_the_incident_in_the_agent_window(qtbot, ws) -> None:  # type: ignore[no-untyped-def]
    from scrm_desktop.app import build_window

    incident = ws.cases.open_incident("Checkout down", 4, "ana")
    window, bridge = build_window(ws)
    qtbot.addWidget(window)
    window.show()
    try:
        qtbot.waitUntil(lambda: not window.incident_banner.isHidden())
        assert window.incident_banner.title.text() == "Checkout down"
        qtbot.mouseClick(window.incident_banner.open_button, Qt.MouseButton.LeftButton)
        agent = window.feature_windows["agent"]
        qtbot.addWidget(agent)
        assert agent.isVisible() and agent.tabs.currentWidget() is agent.incidents
        qtbot.waitUntil(lambda: agent.incidents.current_row() is not None)
        assert agent.incidents.current_row().incident.id == incident.id
        menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Work")
        assert "Reply &templates…" in [a.text() for a in menu.actions()]
    finally:
        bridge.close()


def test_agent_window_tabs_from_the_keyboard(qtbot, ws) -> None:  # type: ignore[no-untyped-def]
    reply_to(ws, "item-1")  # one manual reply waiting
    view = shown(qtbot, AgentView(ws, synchronous=True))
    qtbot.waitUntil(lambda: view.tabs.tabText(1) == "Outbox (1)")
    view.queue.setFocus()
    qtbot.keyClick(view.queue, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert view.tabs.currentWidget() is view.outbox and view.outbox.list.hasFocus()
    qtbot.keyClick(view.outbox.list, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert view.tabs.currentWidget() is view.incidents
    qtbot.keyClick(view.incidents.list, Qt.Key.Key_F6)
    assert view.tabs.currentIndex() == 0 and view.queue.hasFocus()


def test_deleting_a_template_asks_first(qtbot, ws, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QMessageBox

    editor = shown(qtbot, TemplateEditor(ws))
    before = len(editor.templates)
    editor.select(editor.templates[0].id)
    title = editor.templates[0].title
    asked: list[str] = []
    answers = iter([QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes])

    def answer(_parent, _title, text):  # type: ignore[no-untyped-def]
        asked.append(text)
        return next(answers)

    monkeypatch.setattr(QMessageBox, "question", staticmethod(answer))
    editor.delete_button.click()
    assert len(editor.templates) == before and title in asked[0]
    editor.delete_button.click()
    assert len(editor.templates) == before - 1 and title not in {t.title for t in editor.templates}
