"""What the app knows, in the agent's window: the wizard shows the steps it answered and why, a walk it finished
waits for Enter, and templates that fail their tone check are flagged in the template and reply editors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from scrm_desktop.engage.template_library import TemplateLibrary
from scrm_desktop.engage.templates import Template, default_templates, render
from scrm_desktop.listening.api import PostIn
from scrm_desktop.ui.agent.reply_editor import ReplyEditor
from scrm_desktop.ui.agent.template_editor import TemplateEditor
from scrm_desktop.ui.agent.view import AgentView
from scrm_desktop.workspace import Workspace

HARSH = Template("harsh", "apology", "Blunt", "Hi {first_name}, this is a stupid complaint and you are wrong.")


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    ws = Workspace.open(basedir=str(tmp_path / "base"))
    ws.settings.agent_name = "ana"
    ws.cases.brand = "Brightwave"
    source = ws.add_source("mastodon", "Masto", {"instance_url": "http://127.0.0.1:9/", "hashtags": ["x"]})
    when = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    text = "Looking for a new laptop for coding. Budget $1200. Recommendations?"
    lead = PostIn("mastodon", "1", text, when, author_handle="@jade", author_name="Jade Mensah")
    ws.ingestor.ingest([lead], source_id=source.id)  # scored and classified as the app does: a sales lead
    yield ws
    ws.close()


def open_first_case(qtbot, ws: Workspace) -> AgentView:  # type: ignore[no-untyped-def]
    [post] = ws.db.posts.page()
    case = ws.cases.open_from_post(post.id, "lead")
    view = AgentView(ws, synchronous=True)
    qtbot.addWidget(view)
    view.show()
    view.refresh()
    view.open_case(case.id)
    return view


def test_the_wizard_says_what_it_answered_and_waits_for_enter(qtbot, ws: Workspace) -> None:  # type: ignore[no-untyped-def]
    view = open_first_case(qtbot, ws)
    wizard = view.wizard
    assert wizard.question.text() == "Decision: Route to sales"
    assert wizard.reasons.text().startswith("Answered for you: “It wants to buy (pricing, plans, a demo)” because ")
    assert "(auto)" in wizard.path_label.text() and wizard.confirm.isVisible()
    assert "Enter: use this decision" in wizard.help.text()
    case = view.case
    assert not ws.cases.repo.get(case.id).decision  # nothing is recorded until the agent takes it

    qtbot.keyClick(wizard, Qt.Key.Key_Backspace)  # not a lead after all: the question is the agent's
    assert wizard.question.text() == "Is the post positive or balanced?" and not wizard.confirm.isVisible()
    assert not wizard.reasons.isVisible()
    qtbot.keyClick(wizard, "3")  # ...it is: the agent answers it this time
    assert ws.cases.repo.get(case.id).decision["path"][0].get("auto") is None

    again = open_first_case(qtbot, ws)
    qtbot.keyClick(again.wizard, Qt.Key.Key_Return)  # take the decision the app reached
    stored = ws.cases.repo.get(case.id).decision
    assert stored["outcome"]["id"] == "route_sales" and stored["choices"] == 0
    assert stored["path"][0]["auto"] is True and stored["path"][0]["reason"]
    assert again.editor.isEnabled() and again.editor.template_id().startswith("sales")
    assert "interest, Jade!" in again.editor.text.toPlainText() and "Ana" in again.editor.text.toPlainText()


def test_a_question_the_app_left_to_the_agent_says_why(qtbot, ws: Workspace) -> None:  # type: ignore[no-untyped-def]
    source = ws.db.sources.get("Masto")
    when = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
    mild = PostIn("mastodon", "2", "The Aero 14 arrived today, setting it up now.", when, author_handle="@kim")
    ws.ingestor.ingest([mild], source_id=source.id)
    post = next(p for p in ws.db.posts.page() if p.external_id == "2")
    view = AgentView(ws, synchronous=True)
    qtbot.addWidget(view)
    view.show()
    view.open_case(ws.cases.open_from_post(post.id, "agent").id)
    wizard = view.wizard
    assert wizard.question.text() == "Is the post positive or balanced?"
    said = wizard.reasons.text()
    assert said.startswith("Left to you: no answer fits what it knows (sentiment ") and "(mild)" in said
    assert wizard.reasons.isVisible()


def test_the_template_editor_flags_a_template_that_fails_its_tone_check(qtbot, ws: Workspace) -> None:  # type: ignore[no-untyped-def]
    ws.cases.templates = TemplateLibrary(ws.paths.config).save([*default_templates(), HARSH])
    editor = TemplateEditor(ws)
    qtbot.addWidget(editor)
    editor.show()
    assert editor.flagged() == ["harsh"]  # every default passes; only the blunt one is marked
    editor.select("harsh")
    assert editor.list.currentItem().text(0) == "⚠ Blunt"
    assert "Tone check: reads negative (−" in editor.list.currentItem().toolTip(0)
    assert editor.tone.isVisible() and editor.tone.text().startswith("Tone check: reads negative (−0.")
    assert "“stupid”" in editor.tone.text()
    editor.body.setPlainText("Hi {first_name}, thanks so much, we're glad to help you with this!")
    assert editor.tone.text() == "" and not editor.tone.isVisible()


def test_the_reply_editor_marks_templates_that_read_negative_for_this_case(qtbot, ws: Workspace) -> None:  # type: ignore[no-untyped-def]
    editor = ReplyEditor(ws.analyzer)
    qtbot.addWidget(editor)
    context = {"first_name": "Jade", "brand": "Brightwave", "agent_name": "Ana", "case_id": 7}
    kind = next(t for t in default_templates() if t.id == "apology-missed-visit")
    editor.load("mastodon", [kind, HARSH], lambda t: render(t.text, context))
    assert editor.tone_flagged() == ["harsh"]
    assert editor.picker.itemText(1).startswith("⚠ Blunt")
    assert "Tone check" in editor.picker.itemData(1, Qt.ItemDataRole.ToolTipRole)
    assert editor.tone.text() == ""  # the first (kind) template is in the editor
    editor.picker.setCurrentIndex(1)
    editor.picker.activated.emit(1)
    assert editor.tone.text().startswith("Tone check: reads negative (−")
