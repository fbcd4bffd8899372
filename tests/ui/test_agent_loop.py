"""The agent's whole loop in the real windows, as an agent works a shift: the first-start name, a post in a stream
turned into a case and a reply, the decision tree and a template, the reply queued, the case resolved and the next
one opened; every case action in the history; the queue's filters, pages and bulk actions; two desktops on one
database never holding the same case."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from scrm_desktop.listening.api import PostIn
from scrm_desktop.store.cases import AgentNameTaken
from scrm_desktop.ui.agent.post_actions import first_start
from scrm_desktop.ui.agent.view import PAGE, AgentView
from scrm_desktop.workspace import Workspace
from tests.ui.helpers import open_top_case, settled

NOW = datetime.now(UTC)


def post(i: int, text: str, channel: str = "mastodon", minutes_ago: float = 30, **kw) -> PostIn:  # type: ignore[no-untyped-def]
    return PostIn(
        channel=channel,
        external_id=f"p{i}",
        text=text,
        created_at=NOW - timedelta(minutes=minutes_ago),
        author_handle=kw.pop("handle", f"person{i}"),
        author_name=kw.pop("name", f"Person {i}"),
        **kw,
    )


@pytest.fixture
def ws(tmp_path: Path):  # type: ignore[no-untyped-def]
    ws = Workspace.open(basedir=str(tmp_path / "desk-a"), db_url=f"sqlite:///{tmp_path / 'team.db'}")
    ws.set_brand("Brightwave")
    ws.ingestor.ingest(
        [
            post(1, "My Aero 14 arrived with a cracked screen and support closed the chat on me!", name="Dana Whit"),
            post(2, "Still waiting for my refund, three weeks now. Not happy.", channel="email", minutes_ago=90),
            post(3, "Love the new Flux keyboard, great job", channel="bluesky", minutes_ago=10),
        ]
    )
    yield ws
    ws.close()


def agent_window(window):  # type: ignore[no-untyped-def]
    return window.feature_windows.get("agent")


def test_first_start_asks_for_the_name_and_keeps_an_id(qtbot, window, ws, tmp_path) -> None:  # type: ignore[no-untyped-def]
    dialog = first_start(ws, window)
    assert dialog.isVisible()
    dialog.name.setText("  Ana   Silva ")
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    assert not dialog.ok.isEnabled()  # the name is being taken on the database
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert ws.settings.agent_name == "Ana Silva" and len(ws.settings.agent_id) == 32
    assert [a.name for a in ws.cases.repo.agents()] == ["Ana Silva"]
    again = first_start(ws, window)  # asked once: the name is checked in the background, nothing is shown
    qtbot.waitUntil(lambda: settled(again))
    assert not again.isVisible()

    # a second desktop on the same team database cannot take the name (any case), and is told why
    other = Workspace.open(basedir=str(tmp_path / "desk-b"), db_url=ws.db_url)
    try:
        assert other.agent_id != ws.agent_id
        with pytest.raises(AgentNameTaken):
            other.set_agent_name("ana silva")
        second = first_start(other, None)
        qtbot.addWidget(second)
        second.name.setText("Ana Silva")
        second.accept()
        qtbot.waitUntil(lambda: settled(second))
        assert second.isVisible() and "already the name of another agent" in second.error.text()
        assert second.ok.isEnabled()  # to try another name
        second.name.setText("Ben Okafor")
        second.accept()
        qtbot.waitUntil(lambda: not second.isVisible())
        assert other.settings.agent_name == "Ben Okafor"

        renamed = Workspace.open(basedir=str(tmp_path / "desk-c"), db_url=ws.db_url)  # a desktop whose name a
        try:  # teammate took meanwhile: the dialog opens at start, saying why
            renamed.settings.agent_name = "Ana Silva"
            third = first_start(renamed, None)
            qtbot.addWidget(third)
            qtbot.waitUntil(third.isVisible)
            assert "already the name of another agent" in third.error.text()
        finally:
            renamed.close()
    finally:
        other.close()


def test_settings_dialog_renames_the_agent_and_the_brand(qtbot, window, ws) -> None:  # type: ignore[no-untyped-def]
    ws.set_agent_name("Ana")
    window.open_settings()
    dialog = window.settings_dialog
    assert dialog.name.text() == "Ana" and dialog.brand.text() == "Brightwave"
    dialog.name.setText("Ana Silva")
    dialog.brand.setText("Brightwave Care")
    dialog.accept()
    qtbot.waitUntil(lambda: not dialog.isVisible())  # stored in the background
    assert ws.settings.agent_name == "Ana Silva" and ws.cases.brand == "Brightwave Care"
    assert "You work as Ana Silva" in window.message.text()


def test_from_a_post_to_a_resolved_case_and_the_next_one(qtbot, window, ws) -> None:  # type: ignore[no-untyped-def]
    ws.set_agent_name("Ana Silva")
    [refund] = [p for p in ws.db.posts.page() if "refund" in p.text]
    waiting = ws.cases.open_from_post(refund.id, "rules")  # a case a rule opened earlier
    column = window.columns[0]
    qtbot.waitUntil(lambda: column.model.rowCount() == 3)
    row = next(r for r in range(3) if "cracked" in column.model.post_at(r).text)
    column.view.setCurrentIndex(column.model.index(row, 0))
    assert window.detail.post.text.startswith("My Aero 14")
    assert window.detail.action_buttons["reply"].isVisible()
    qtbot.mouseClick(window.detail.action_buttons["reply"], Qt.MouseButton.LeftButton)

    view = agent_window(window)
    qtbot.waitUntil(lambda: view is not None and view.case is not None and view.editor.isEnabled())
    case = view.case
    assert ws.cases.repo.get(case.id).claimed_by == "Ana Silva"
    text = view.editor.text.toPlainText()
    assert text and "Ana Silva" in text and "Brightwave" in text
    assert view.editor.picker.currentData().category == "apology"  # a complaint: an apology first
    while "[[" in view.editor.text.toPlainText():  # fill each placeholder, as the agent types
        qtbot.keyClick(view.editor.text, Qt.Key.Key_J, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClicks(view.editor.text, "today")
    qtbot.keyClick(view.editor.text, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: view.after_reply.isVisible())
    assert view.editor.text.toPlainText() == ""  # the reply left the editor for the outbox
    assert [i.state for i in ws.cases.repo.items(case_id=case.id)] == ["manual"]  # no publishing source: by hand

    qtbot.keyClick(view.after_resolve, Qt.Key.Key_Return)  # it has the focus after the reply: Return resolves
    qtbot.waitUntil(lambda: view.case is not None and view.case.id == waiting.id)  # the next case, claimed
    assert ws.cases.repo.get(waiting.id).claimed_by == "Ana Silva"
    done = ws.cases.repo.get(case.id)
    assert done.status == "resolved" and done.resolution == "answered" and done.claimed_by is None
    assert done.first_response_at is not None and done.resolved_at is not None
    kinds = [e.kind for e in ws.cases.repo.events(case.id)]
    assert kinds[:2] == ["opened", "claimed"] and "reply_queued" in kinds and kinds[-1] == "released"
    assert f"Case #{case.id} resolved: answered. Next: case #{waiting.id}." in view.status.text()
    # the queue's highlighted row is the case now open, not the row that took the resolved case's place
    qtbot.waitUntil(lambda: case.id not in view.queue.case_ids())
    assert view.queue.currentItem().data(0, Qt.ItemDataRole.UserRole) == waiting.id


def ana_with_two_cases(qtbot, ws):  # type: ignore[no-untyped-def]
    """Ana at the agent window, the first post's case urgent and the second's high in the queue."""
    ws.set_agent_name("Ana")
    first, second = ws.db.posts.page()[:2]
    a = ws.cases.open_from_post(first.id, "lead", priority=1)
    b = ws.cases.open_from_post(second.id, "lead", priority=2)
    view = AgentView(ws, synchronous=True)
    qtbot.addWidget(view)
    view.show()
    return a, b, view


def test_the_next_case_opens_after_a_reply_and_wait(qtbot, ws) -> None:  # type: ignore[no-untyped-def]
    a, b, view = ana_with_two_cases(qtbot, ws)
    view.refresh()
    assert view.queue.case_ids()[:2] == [a.id, b.id]  # priority first
    view.queue.setFocus()
    view.queue.setCurrentRow(0)
    qtbot.keyClick(view.queue, Qt.Key.Key_Return)
    assert view.case.id == a.id
    for key in "21411":  # negative, no crisis signs, unhappy customer, micro, canned reply
        qtbot.keyClick(view.wizard, key)
    while "[[" in view.editor.text.toPlainText():
        qtbot.keyClick(view.editor.text, Qt.Key.Key_J, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClicks(view.editor.text, "A-1041")
    qtbot.keyClick(view.editor.text, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert view.after_reply.isVisible()
    qtbot.mouseClick(view.after_wait, Qt.MouseButton.LeftButton)
    assert view.case.id == b.id and ws.cases.repo.get(b.id).claimed_by == "Ana"
    assert view.queue.currentItem().data(0, Qt.ItemDataRole.UserRole) == b.id  # the queue follows the open case
    waiting = ws.cases.repo.get(a.id)
    assert waiting.status == "waiting" and waiting.claimed_by is None
    assert "Next: case" in view.status.text()


def test_keep_it_open_after_a_reply_leaves_the_case_open_with_the_agent(qtbot, ws) -> None:  # type: ignore[no-untyped-def]
    """Queueing a reply sets the case waiting on the customer; "Keep it open" left it waiting (the header said
    "waiting" and the queue "(waiting)"): now it is open again, with the agent, and no other case opens."""
    a, _b, view = ana_with_two_cases(qtbot, ws)
    open_top_case(qtbot, view)
    for key in "21411":
        qtbot.keyClick(view.wizard, key)
    while "[[" in view.editor.text.toPlainText():
        qtbot.keyClick(view.editor.text, Qt.Key.Key_J, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClicks(view.editor.text, "A-1041")
    qtbot.keyClick(view.editor.text, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert "waiting" in view.header.text()
    qtbot.mouseClick(view.after_keep, Qt.MouseButton.LeftButton)
    assert not view.after_reply.isVisible()
    assert view.case.id == a.id and view.case.status == "open"
    assert "open" in view.header.text() and "waiting" not in view.header.text()
    assert ws.cases.repo.get(a.id).status == "open" and ws.cases.repo.get(a.id).claimed_by == "Ana"
    assert view.queue.item(0).text(1) == f"#{a.id}"  # no "(waiting)" in the queue
    assert view.status.text() == f"Case #{a.id} stays open with you: the reply is on its way."
    # the editor is ready for a follow-up: empty, the case's templates one pick away, and it queues
    assert view.editor.isEnabled() and view.editor.text.toPlainText() == "" and view.editor.picker.count() > 0
    qtbot.keyClicks(view.editor.text, "One more thing: the new part ships on Monday.")
    qtbot.keyClick(view.editor.text, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert view.after_reply.isVisible()
    assert [i.text for i in ws.cases.repo.items(case_id=a.id)][-1] == "One more thing: the new part ships on Monday."


def test_every_case_action_goes_in_the_history(qtbot, ws) -> None:  # type: ignore[no-untyped-def]
    ws.set_agent_name("Ana")
    ws.cases.register_agent("other-desk", "Ben")
    posts = ws.db.posts.page()
    cases = [ws.cases.open_from_post(p.id, "lead") for p in posts]
    view = AgentView(ws, synchronous=True)
    qtbot.addWidget(view)
    view.show()
    view.open_case(cases[0].id)
    view.set_priority(1)
    assert ws.cases.repo.get(cases[0].id).priority == 1
    assert ws.cases.repo.get(cases[0].id).sla_due == cases[0].created_at + timedelta(hours=1)
    view.add_note("Customer called the shop too")
    assert "note: Customer called the shop too" in view.arm.section_text("history")
    view._fill_assign_menu()
    assert [a.text() for a in view.assign_menu.actions()][:2] == ["Ben", "Me"]
    view.assign("Ben")  # handed on: the claim goes and the next case opens
    assert ws.cases.repo.get(cases[0].id).assignee == "Ben" and ws.cases.repo.get(cases[0].id).claimed_by is None
    assert view.case.id != cases[0].id

    current = view.case.id
    view.snooze(ws.cases.now() + timedelta(hours=4))
    assert ws.cases.repo.get(current).snoozed_until is not None
    view.queue_choice.setCurrentIndex(view.queue_choice.findData("all"))
    assert current not in view.queue.case_ids()
    view.queue_choice.setCurrentIndex(view.queue_choice.findData("snoozed"))
    assert view.queue.case_ids() == [current]

    last = view.case.id
    view.close_case()
    assert ws.cases.repo.get(last).status == "closed"
    kinds = {e.kind for c in cases for e in ws.cases.repo.events(c.id)}
    assert {"priority", "note", "assigned", "snoozed", "status", "released"} <= kinds


def test_the_queue_filters_pages_past_500_and_acts_on_a_selection(qtbot, ws) -> None:  # type: ignore[no-untyped-def]
    ws.set_agent_name("Ana")
    many = [post(100 + i, f"broken hinge number {i}", channel="reddit", minutes_ago=i) for i in range(520)]
    ws.ingestor.ingest(many)
    for p in ws.db.posts.page(limit=600):
        ws.cases.open_from_post(p.id, "rules")
    total = 523
    view = AgentView(ws, synchronous=True)
    qtbot.addWidget(view)
    view.show()
    view.refresh()
    assert view.queue.count() == PAGE and view.page_label.text() == f"1–{PAGE} of {total}"
    seen = set(view.queue.case_ids())
    while view.next_page.isEnabled():
        qtbot.mouseClick(view.next_page, Qt.MouseButton.LeftButton)
        seen |= set(view.queue.case_ids())
    assert len(seen) == total and view.page_label.text().endswith(f"of {total}")  # nothing cut silently

    view.channel_choice.setCurrentIndex(view.channel_choice.findData("email"))
    assert view.queue.count() == 1 and "of 1" in view.page_label.text()
    view.channel_choice.setCurrentIndex(0)
    view.search.setText("hinge number 7")
    qtbot.waitUntil(lambda: view.queue.count() == 11)  # 7, 70-79

    view.queue.selectAll()
    ids = view.queue.selected_ids()
    view.link_many(ids, None, "Hinges cracking on the Aero line")
    [incident] = ws.cases.repo.incidents()
    assert {c.id for c in ws.cases.repo.linked_cases(incident.id)} == set(ids)
    held = ids[0]
    ws.cases.claim(held, "Ben")
    view.resolve_many(ids, "fixed")
    assert f"#{held} (Ben)" in view.status.text()
    assert sum(ws.cases.repo.get(i).status == "resolved" for i in ids) == len(ids) - 1
    assert view.queue.count() == 1  # the one Ben holds is still open


def test_two_desktops_on_one_database_never_hold_one_case(qtbot, ws, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ws.set_agent_name("Ana")
    other = Workspace.open(basedir=str(tmp_path / "desk-b"), db_url=ws.db_url)
    try:
        other.set_agent_name("Ben")
        [p] = [p for p in ws.db.posts.page() if "refund" in p.text]
        ana = AgentView(ws, synchronous=True)
        ben = AgentView(other, synchronous=True)
        for v in (ana, ben):
            qtbot.addWidget(v)
            v.show()
        ana.open_post(p.id)
        assert ana.case is not None and ana.actions["resolve"].isEnabled()
        ben.refresh()
        row = ben.queue.case_ids().index(ana.case.id)
        assert "Ana" in ben.queue.item(row).text(1)  # Ben's queue says who holds it
        ben.open_post(p.id)
        assert ben.case is None and "held by Ana" in ben.status.text()
        ana.release()
        ben.open_case(ana.service.repo.case_for_post(p.id))
        assert ben.case is not None and other.cases.repo.get(ben.case.id).claimed_by == "Ben"
    finally:
        other.close()


def test_a_post_joins_an_open_case_or_an_incident(qtbot, window, ws, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    ws.set_agent_name("Ana")
    first, second, third = sorted(ws.db.posts.page(), key=lambda p: p.id)
    case = ws.cases.open_from_post(first.id, "Ana")
    updated = ws.cases.add_post(case.id, second.id, "Ana")
    assert updated.version == case.version + 1 and ws.cases.case_for_post(second.id).id == case.id
    assert any(e.kind == "post_added" for e in ws.cases.repo.events(case.id))
    incident = ws.cases.open_incident("Refunds late", 2, "Ana")
    from PySide6.QtWidgets import QInputDialog

    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: (a[3][0], True))  # the person picks the first
    window.post_action_requested.emit("add_incident", third)
    qtbot.waitUntil(lambda: "linked to incident" in window.message.text())  # read and linked in the background
    linked = ws.cases.case_for_post(third.id)
    assert linked is not None and linked.incident_id == incident.id
    assert "linked to incident" in window.message.text()


def test_the_customer_writing_again_reopens_the_case_waiting_on_them(qtbot, ws) -> None:  # type: ignore[no-untyped-def]
    ws.set_agent_name("Ana")
    [first] = [p for p in ws.db.posts.page() if p.external_id == "p1"]
    case = ws.cases.open_from_post(first.id, "Ana")
    ws.cases.claim(case.id, "Ana")
    ws.cases.wait_for_customer(case.id, "Ana")
    view = AgentView(ws, synchronous=True)
    qtbot.addWidget(view)
    view.queue_choice.setCurrentIndex(view.queue_choice.findData("all"))
    ws.ingestor.ingest(
        [
            post(50, "Order number is A-1041, photos attached", minutes_ago=1, reply_to="p1", handle="person1"),
            post(51, "same here!", minutes_ago=1, reply_to="p1", handle="someone_else"),
        ]
    )
    again = ws.cases.repo.get(case.id)
    assert again.status == "open" and again.version > case.version
    [reply] = [p for p in ws.db.posts.page() if p.external_id == "p50"]
    assert ws.cases.case_for_post(reply.id).id == case.id
    other = next(p for p in ws.db.posts.page() if p.external_id == "p51")
    assert ws.cases.case_for_post(other.id) is None  # another person's reply stays out of the case
    view.open_case(case.id)
    assert "wrote again: “Order number is A-1041" in view.arm.section_text("history")


def test_the_post_action_buttons_show_their_whole_labels(qtbot, window, ws) -> None:  # type: ignore[no-untyped-def]
    column = window.columns[0]
    qtbot.waitUntil(lambda: column.model.rowCount() > 0)
    column.view.setCurrentIndex(column.model.index(0, 0))
    qtbot.waitUntil(lambda: window.detail.action_buttons["add_incident"].isVisible())
    for button in window.detail.action_buttons.values():
        needed = button.fontMetrics().horizontalAdvance(button.text())
        assert button.width() >= needed, f"{button.text()!r} is cut: {button.width()} px for {needed} px of text"


def test_a_no_show_post_made_a_case_joins_the_running_incident_and_the_agent_unlinks_it(qtbot, window, ws) -> None:  # type: ignore[no-untyped-def]
    ws.set_agent_name("Ana")
    incident = ws.cases.open_incident(
        "Care technicians not arriving for booked visits", 3, "Sam", keywords="no-show*\ndidn't show up"
    )
    ws.ingestor.ingest([post(4, "2nd no-show this week. I took a day off work for this.", minutes_ago=2)])
    column = window.columns[0]
    qtbot.waitUntil(lambda: column.model.rowCount() == 4)
    row = next(r for r in range(4) if "no-show" in column.model.post_at(r).text)
    column.view.setCurrentIndex(column.model.index(row, 0))
    qtbot.waitUntil(lambda: window.detail.post is not None and "no-show" in window.detail.post.text)
    qtbot.mouseClick(window.detail.action_buttons["case"], Qt.MouseButton.LeftButton)

    view = agent_window(window)
    qtbot.waitUntil(lambda: view is not None and view.case is not None)
    qtbot.waitUntil(lambda: "linked to incident" in view.arm.section_text("action"))
    case = view.case
    assert case.incident_id == incident.id and case.scope == "macro"
    why = "because the post says “no-show”"
    assert f"linked to incident #{incident.id} “Care technicians not arriving for booked visits” (macro) {why}" in (
        view.arm.section_text("action")
    )
    assert f"system: linked it to incident #{incident.id}" in view.arm.section_text("history")
    assert why in view.arm.section_text("history")
    assert f"It joined incident #{incident.id}" in view.status.text() and f"incident #{incident.id}" in (
        view.header.text()
    )

    # not about it after all: one click under "Action taken"
    qtbot.waitUntil(lambda: view.arm.unlink_button is not None and view.arm.unlink_button.isVisible())
    qtbot.mouseClick(view.arm.unlink_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ws.cases.repo.get(case.id).incident_id is None)
    qtbot.waitUntil(lambda: "unlinked it from incident" in view.arm.section_text("history"))
    assert "linked to incident" not in view.arm.section_text("action") and view.arm.unlink_button is None
    assert f"unlinked from incident #{incident.id}" in view.status.text()
    assert ws.cases.repo.linked_cases(incident.id) == []


def test_a_decision_that_needs_no_reply_resolves_and_opens_the_next_case_in_one_click(qtbot, ws) -> None:  # type: ignore[no-untyped-def]
    """A troll (monitor only), a rant: no reply is written, so the bar offers "Resolve (no action needed) and
    next" at once instead of leaving the agent to find the Resolve menu."""
    a, b, view = ana_with_two_cases(qtbot, ws)
    open_top_case(qtbot, view)
    for _ in range(len(view.wizard.session.steps)):  # back to the start: the agent answers every question
        qtbot.keyClick(view.wizard, Qt.Key.Key_Backspace)
    for label in ("No, it is negative", "No crisis signs", "A troll (ridicules, provokes on purpose)"):
        answers = [a.label for a in view.wizard.session.current.answers]
        if label in answers:  # else the app answered that question from the facts
            qtbot.keyClick(view.wizard, str(answers.index(label) + 1))
    assert view.wizard.session.outcome.id == "troll"  # monitor only, notify the lead
    assert view.after_reply.isVisible() and not view.after_wait.isVisible()
    assert view.after_resolve.text() == "Resolve (no action needed) and next"
    assert "No reply needed for case" in view.after_reply_label.text()
    qtbot.mouseClick(view.after_resolve, Qt.MouseButton.LeftButton)
    done = ws.cases.repo.get(a.id)
    assert done.status == "resolved" and done.resolution == "no action needed"
    assert view.case.id == b.id  # the next case is open
    assert not view.after_reply.isVisible()
