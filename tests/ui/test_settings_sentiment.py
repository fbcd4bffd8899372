"""File > Settings chooses the sentiment model: the learned one scores the posts that come in after the next start
(with its own reasons); the posts already scored keep their scores; back to the rules, the rules score again."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from scrm_desktop.core.sentiment import LearnedAnalyzer, SocialAnalyzer
from scrm_desktop.listening.api import PostIn
from scrm_desktop.settings import Settings
from scrm_desktop.ui.dialogs.settings_dialog import SettingsDialog
from scrm_desktop.workspace import Workspace
from tests.ui.helpers import settled

# a post the two models score differently (checked below, so the test cannot pass by accident)
TEXT = "lol my new laptop is sick, cannot stop using it"
WHEN = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _ingest(ws: Workspace, key: str) -> float:
    source = ws.db.sources.list()[0] if ws.db.sources.list() else ws.add_source("rss", "Feed", {"url": "http://x/"})
    ws.ingestor.ingest([PostIn("rss", key, TEXT, WHEN, author_name="Kim")], source_id=source.id)
    return next(p.sentiment for p in ws.db.posts.page(limit=10) if p.external_id == key)


def _choose(qtbot, ws: Workspace, model: str) -> None:  # type: ignore[no-untyped-def]
    dialog = SettingsDialog(ws)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.sentiment.setCurrentIndex(dialog.sentiment.findData(model))
    assert "starts again" in dialog.sentiment.toolTip()
    dialog.accept()
    qtbot.waitUntil(lambda: settled(dialog) and not dialog.isVisible())


def test_the_sentiment_model_chosen_in_settings_scores_new_posts_from_the_next_start(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rules = round(SocialAnalyzer().analyze(TEXT).score, 4)  # as stored
    learned = round(LearnedAnalyzer().analyze(TEXT).score, 4)
    assert abs(rules - learned) > 0.05
    base = str(tmp_path / "desk")
    ws = Workspace.open(base)
    try:
        assert _ingest(ws, "a") == rules  # the default: the rules
        _choose(qtbot, ws, "learned")
        assert Settings.load(ws.paths.settings_file).sentiment_model == "learned"
    finally:
        ws.close()
    ws = Workspace.open(base)
    try:
        assert _ingest(ws, "b") == learned  # scored by the learned model now
        assert next(p for p in ws.db.posts.page(limit=10) if p.external_id == "a").sentiment == rules  # kept
        _choose(qtbot, ws, "rules")
    finally:
        ws.close()
    ws = Workspace.open(base)
    try:
        assert _ingest(ws, "c") == rules
    finally:
        ws.close()
