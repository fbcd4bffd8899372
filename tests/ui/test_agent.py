"""Agent view driven from the keyboard only: claim a case, walk the tree, fill a template, queue the reply."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from scrm_desktop.listening.api import PostIn
from scrm_desktop.ui.agent.view import AgentView, render_agent
from scrm_desktop.workspace import Workspace


@pytest.fixture
def ws(tmp_path: Path):  # type: ignore[no-untyped-def]
    ws = Workspace.open(basedir=str(tmp_path / "base"))
    ws.settings.agent_name = "ana"
    ws.settings.extra["brand"] = "Brightwave"
    ws.cases.brand = "Brightwave"
    source = ws.add_source("mastodon", "Masto", {"instance_url": "http://127.0.0.1:9/", "hashtags": ["x"]})
    when = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    text = "My order arrived broken! Awful."
    post = PostIn("mastodon", "11700", text, when, author_handle="@dana", author_name="Dana")
    ws.ingestor.ingest([post], source_id=source.id)  # scored and classified as the app does: an obvious complaint
    yield ws
    ws.close()


def claim_from_queue(qtbot, ws):  # type: ignore[no-untyped-def]
    """A case for the post, the agent window shown, and Return on the queue: claimed and open."""
    [post] = ws.db.posts.page()
    case = ws.cases.open_from_post(post.id, "lead")
    view = AgentView(ws, synchronous=True)
    qtbot.addWidget(view)
    view.show()
    view.refresh()
    assert not any(b.isEnabled() for b in view.actions.values())  # no case open: nothing to resolve or assign
    view.queue.setFocus()
    qtbot.keyClick(view.queue, Qt.Key.Key_Return)
    assert view.actions["resolve"].isEnabled() and view.actions["note"].isEnabled()
    return view, case


def test_an_agent_handles_a_case_with_the_keyboard_only(qtbot, ws) -> None:  # type: ignore[no-untyped-def]
    view, case = claim_from_queue(qtbot, ws)
    assert ws.cases.repo.get(case.id).claimed_by == "ana"
    # an obvious complaint: negative, no crisis signs, unhappy customer, micro are answered from what the app knows
    assert view.wizard.question.text().startswith("Can a canned reply answer it")
    assert "Answered for you: “No, it is negative” because sentiment −" in view.wizard.reasons.text()
    for _ in range(2):  # back into the automatic steps: scope, then who the author is
        qtbot.keyClick(view.wizard, Qt.Key.Key_Backspace)
    assert view.wizard.question.text() == "Who is the author?"
    qtbot.keyClick(view.wizard, "3")  # misguided...
    assert "Misguided" in view.wizard.path_label.text()
    qtbot.keyClick(view.wizard, Qt.Key.Key_Backspace)  # ...no: back
    for key in "411":  # unhappy customer, micro (both the agent's now), canned reply
        qtbot.keyClick(view.wizard, key)
    assert view.editor.isEnabled() and view.editor.picker.count() >= 1
    assert not view.editor.queue_button.isEnabled()  # a [[placeholder]] is still unfilled
    assert "fill in:" in view.editor.problems.text()
    text = view.editor.text
    while "[[" in text.toPlainText():
        qtbot.keyClick(text, Qt.Key.Key_J, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClicks(text, "A-1041")
    assert view.editor.queue_button.isEnabled()
    assert "Hi Dana," in text.toPlainText() and "Brightwave" in text.toPlainText() and "Ana" in text.toPlainText()
    qtbot.keyClick(text, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    [item] = ws.cases.repo.items(case_id=case.id)
    assert item.state == "queued" and "A-1041" in item.text and item.template_id.startswith("apology")
    assert "Reply queued" in view.status.text()
    stored = ws.cases.repo.get(case.id)
    assert stored.decision["outcome"]["category"] == "apology" and stored.status == "waiting"


def test_a_case_held_by_someone_else_says_who(qtbot, ws) -> None:  # type: ignore[no-untyped-def]
    [post] = ws.db.posts.page()
    case = ws.cases.open_from_post(post.id, "lead")
    ws.cases.claim(case.id, "ben")
    view = AgentView(ws, synchronous=True)
    qtbot.addWidget(view)
    view.refresh()
    view.open_case(case.id)
    assert "held by ben" in view.status.text()
    assert view.wizard.session is None


def test_render_agent_draws_a_case_in_the_wizard(qtbot, ws) -> None:  # type: ignore[no-untyped-def]
    image = render_agent(ws, (1200, 800))
    assert image.width() == 1200 and not image.isNull()
    [case] = ws.cases.repo.queue("all", "", ws.cases.now())
    assert case.holder(ws.cases.now()) is None  # the picture leaves nobody holding the case


def test_a_reply_being_typed_is_saved_and_comes_back_after_a_restart(qtbot, ws) -> None:  # type: ignore[no-untyped-def]
    [post] = ws.db.posts.page()
    case = ws.cases.open_from_post(post.id, "lead")
    view = AgentView(ws, synchronous=True)
    qtbot.addWidget(view)
    view.refresh()
    view.open_case(case.id)
    qtbot.keyClick(view.wizard, "1")  # a canned reply (the questions before it were answered from the facts)
    assert view.editor.isEnabled()
    assert ws.cases.repo.draft(case.id, "ana") is None  # a template alone is not a draft yet
    qtbot.keyClicks(view.editor.text, " Order A-1041, half written")
    qtbot.waitUntil(lambda: ws.cases.repo.draft(case.id, "ana") is not None, timeout=5000)
    saved = ws.cases.repo.draft(case.id, "ana")
    assert "Order A-1041, half written" in saved.text and saved.template_id.startswith("apology")
    view.close()

    again = AgentView(ws, synchronous=True)  # the app restarted (or the agent came back to the case)
    qtbot.addWidget(again)
    again.refresh()
    again.open_case(case.id)
    assert again.editor.isEnabled()
    assert again.editor.text.toPlainText() == saved.text
    assert "draft" in again.status.text().lower()


def test_a_many_people_decision_prefills_an_incident_that_links_the_case(qtbot, ws) -> None:  # type: ignore[no-untyped-def]
    view, case = claim_from_queue(qtbot, ws)
    qtbot.keyClick(view.wizard, Qt.Key.Key_Backspace)  # "this person only" was answered for us: no, many people
    qtbot.keyClick(view.wizard, "2")
    assert "Incidents tab" in view.status.text()
    panel = view.incidents
    assert panel.title.text() == "My order arrived broken! Awful."  # the case's subject, not saved yet
    assert panel.severity.value() == 2 and ws.cases.repo.incidents() == []
    assert f"case #{case.id}" in panel.message.text()
    view.show_tab(2)
    panel.title.setText("Orders arriving broken")
    panel.save()
    qtbot.waitUntil(lambda: ws.cases.repo.get(case.id).incident_id is not None)
    [incident] = ws.cases.repo.incidents()
    assert incident.title == "Orders arriving broken" and incident.severity == 2
    assert ws.cases.repo.get(case.id).incident_id == incident.id
    qtbot.waitUntil(lambda: f"case #{case.id} linked" in panel.message.text())


def test_on_a_narrow_queue_columns_give_way_to_the_subject(qtbot, ws) -> None:  # type: ignore[no-untyped-def]
    from scrm_desktop.ui.agent.view import COLUMNS, GIVE_WAY, SUBJECT_MIN

    [post] = ws.db.posts.page()
    ws.cases.open_from_post(post.id, "lead")
    view = AgentView(ws, synchronous=True)
    qtbot.addWidget(view)
    view.resize(1280, 720)  # a small laptop: the queue cannot hold every column and a readable subject
    view.show()
    view.refresh()
    queue, subject = view.queue, len(COLUMNS) - 1
    qtbot.waitUntil(lambda: queue.isColumnHidden(GIVE_WAY[0]))
    assert queue.columnWidth(subject) >= SUBJECT_MIN and "broken" in queue.item(0).text(subject)
    assert not any(queue.isColumnHidden(c) for c in (0, 1, 2, subject - 1))  # priority, case, author, SLA stay
    assert queue.horizontalScrollBar().maximum() == 0  # nothing pushed out of sight
    view.resize(2200, 900)
    qtbot.waitUntil(lambda: not any(queue.isColumnHidden(c) for c in range(len(COLUMNS))))
