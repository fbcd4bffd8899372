"""The agent works from the keyboard: once the tree's decision is taken, what they type goes into the reply."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from scrm_desktop.ui.agent.view import AgentView
from scrm_desktop.workspace import Workspace
from tests.ui.test_streams import post


@pytest.fixture
def ws(tmp_path: Path):  # type: ignore[no-untyped-def]
    ws = Workspace.open(basedir=str(tmp_path / "desk"))
    ws.set_brand("Brightwave")
    ws.set_agent_name("Ana Silva")
    ws.ingestor.ingest([post(1, "My Aero 14 arrived with a cracked screen and support closed the chat on me!")])
    yield ws
    ws.close()


def test_after_the_decision_typing_fills_the_reply(qtbot, ws) -> None:  # type: ignore[no-untyped-def]
    [first] = ws.db.posts.page()
    case = ws.cases.open_from_post(first.id, "rules")
    view = AgentView(ws, agent="Ana Silva")
    qtbot.addWidget(view)
    view.resize(1400, 900)
    view.show()
    view.activateWindow()
    view.open_case(case.id)
    qtbot.waitUntil(lambda: view.case is not None and view.wizard.session is not None)
    while view.wizard.session is not None and not view.editor.isEnabled():  # Enter takes what the tree offers
        qtbot.keyClick(QApplication.focusWidget() or view.wizard, Qt.Key.Key_1)
        qtbot.keyClick(QApplication.focusWidget() or view.wizard, Qt.Key.Key_Return)
        qtbot.wait(50)
    qtbot.waitUntil(lambda: view.editor.isEnabled())
    assert QApplication.focusWidget() is view.editor.text


def test_a_case_already_in_an_incident_keeps_the_keyboard_in_the_reply_and_drafts_no_second_incident(qtbot, ws) -> None:  # type: ignore[no-untyped-def]
    [first] = ws.db.posts.page()
    incident = ws.cases.open_incident("Screens cracked in transit", 3, "Ana Silva")
    case = ws.cases.link(ws.cases.open_from_post(first.id, "rules").id, incident.id, "Ana Silva")
    view = AgentView(ws, agent="Ana Silva")
    qtbot.addWidget(view)
    view.resize(1400, 900)
    view.show()
    view.activateWindow()
    view.open_case(case.id)
    qtbot.waitUntil(lambda: view.case is not None and view.wizard.session is not None)
    while not view.editor.isEnabled():
        qtbot.keyClick(QApplication.focusWidget() or view.wizard, Qt.Key.Key_1)
        qtbot.keyClick(QApplication.focusWidget() or view.wizard, Qt.Key.Key_Return)
        qtbot.wait(50)
    qtbot.waitUntil(lambda: f"part of incident #{incident.id}" in view.status.text())
    assert QApplication.focusWidget() is view.editor.text
    assert view.editor.picker.currentData().category == "status_update"
    assert not view.incidents.title.text()  # no new incident drafted for a case that has one
