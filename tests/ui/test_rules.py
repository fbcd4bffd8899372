"""Rules dialog: a broken query is refused with its reason, a good one shows its dry-run count, rules save,
reorder and pause."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from scrm_desktop.core.rules import Rule, parse_actions
from scrm_desktop.listening.api import PostIn
from scrm_desktop.ui.rules.rules_dialog import RuleEditor, RulesDialog
from scrm_desktop.workspace import Workspace
from tests.ui.helpers import settled

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace.open(str(tmp_path), clock=lambda: NOW)
    texts = ["Which laptop should I get?", "refund please, order late", "love my laptop", "refund now"]
    workspace.ingestor.ingest(
        [
            PostIn(channel="reddit", external_id=str(i), text=t, created_at=NOW - timedelta(minutes=i))
            for i, t in enumerate(texts)
        ]
    )
    yield workspace
    workspace.close()


def ok_button(editor: RuleEditor):
    return editor.buttons.button(QDialogButtonBox.StandardButton.Ok)


def test_editor_refuses_a_broken_query_and_counts_a_good_one(qtbot, ws):
    editor = RuleEditor(ws.rules)
    qtbot.addWidget(editor)
    qtbot.keyClicks(editor.name, "Refunds")
    editor.actions.setPlainText("tag: refund\npriority: high")
    qtbot.keyClicks(editor.query, 'refund ("late')
    assert not ok_button(editor).isEnabled()
    assert "Query" in editor.error.text() and "character" in editor.error.text()
    editor.query.clear()
    qtbot.keyClicks(editor.query, "refund")
    assert ok_button(editor).isEnabled() and editor.error.text() == ""
    qtbot.waitUntil(lambda: editor.count.text() == "Would match 2 of the last 4 posts")
    editor.actions.setPlainText("priority: asap")
    assert not ok_button(editor).isEnabled() and "priority must be one of" in editor.error.text()
    editor.actions.setPlainText("tag: refund")
    qtbot.mouseClick(ok_button(editor), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: editor.rule() is not None)  # saved in the background, then the editor closes
    assert [r.name for r in ws.rules.list()] == ["Refunds"]


def test_list_reorders_and_pauses_rules(qtbot, ws):
    for name in ("First", "Second"):
        ws.rules.save(Rule(name=name, query="laptop", actions=parse_actions("tag: x")))
    dialog = RulesDialog(ws)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.list.count() == 2)  # read in the background
    assert dialog.list.item(0).text().startswith("First")
    dialog.list.setCurrentRow(1)
    dialog.move(-1)
    qtbot.waitUntil(lambda: settled(dialog))
    assert [r.name for r in ws.rules.list()] == ["Second", "First"]
    assert dialog.list.item(0).text().startswith("Second") and dialog.list.currentRow() == 0
    dialog.list.item(1).setCheckState(Qt.CheckState.Unchecked)
    qtbot.waitUntil(lambda: settled(dialog))
    assert [r.enabled for r in ws.rules.list()] == [True, False]


def test_each_rule_says_how_often_it_fired(qtbot, ws):
    ws.rules.save(Rule(name="Refunds", query="refund", actions=parse_actions("tag: refund")))
    ws.rules.save(Rule(name="Praise", query="wonderful", actions=parse_actions("tag: praise")))
    texts = ["refund me today", "where is my refund", "another refund question"]
    ws.ingestor.ingest(
        [PostIn(channel="reddit", external_id=f"r{i}", text=t, created_at=NOW) for i, t in enumerate(texts)]
    )
    dialog = RulesDialog(ws)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.list.count() == 2)
    refunds, praise = (dialog.list.item(i).text().splitlines() for i in range(2))
    assert refunds[1].strip() == "fired on 3 posts in the last 24 h, last just now"
    assert praise[1].strip() == "has not fired yet"  # a rule that never fires shows
    ws.rules.set_enabled(ws.rules.list()[1].id, False)
    dialog.refresh()
    qtbot.waitUntil(lambda: dialog.list.item(1).text().endswith("· paused"))
