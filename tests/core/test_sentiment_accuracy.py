"""Accuracy floor on real labelled tweets (VADER's ground truth in ../shared/data; skipped when absent)."""

from __future__ import annotations

from pathlib import Path

from scrm_desktop.core.sentiment.evaluation import decode, gold_labels, macro_f1, parse_ground_truth
from scrm_desktop.core.sentiment.social import SocialAnalyzer
from scrm_desktop.core.sentiment.textblob_analyzer import TextBlobAnalyzer


def test_tweets_macro_f1_is_well_above_textblob(shared_data: Path) -> None:
    path = shared_data / "sentiment" / "vader_ground_truth" / "tweets_GroundTruth.txt"
    rows = parse_ground_truth(decode(path.read_bytes()))
    assert len(rows) == 4200
    gold = gold_labels(r for _, r in rows)
    social = macro_f1(gold, [SocialAnalyzer().analyze(t).label for t, _ in rows])
    textblob = macro_f1(gold, [TextBlobAnalyzer().analyze(t).label for t, _ in rows])
    assert social >= 0.70, f"social macro-F1 {social:.3f}"
    assert social >= textblob + 0.10, f"social {social:.3f} vs textblob {textblob:.3f}"
