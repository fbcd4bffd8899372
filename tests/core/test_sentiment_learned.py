"""The learned sentiment model: the shipped file loads, scores are explained, the training script trains."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

from scrm_desktop.core.sentiment import default_analyzer, label_for
from scrm_desktop.core.sentiment.learned import MODEL_FILE, LearnedAnalyzer, SentimentModel

REPO = Path(__file__).resolve().parents[2]


def test_shipped_model_loads_with_its_card() -> None:
    model = SentimentModel.shipped()
    assert model.threshold > 0
    assert 1_000 < len(model.weights) < 100_000
    assert model.version
    meta = model.meta or {}
    assert set(meta["trained_on"]) == {"tweeteval", "tweets", "amazon", "movie", "nyt"}
    assert "tweeteval" in meta["cross_source_macro_f1"]
    assert (REPO / "scrm_desktop" / "core" / "sentiment" / "sentiment_model.md").is_file()


def test_the_learned_model_is_shipped_but_not_the_default() -> None:
    assert default_analyzer().name == "social" and LearnedAnalyzer().name == "learned"


def test_format_is_checked() -> None:
    with pytest.raises(ValueError, match="format"):
        SentimentModel.from_json({"format": 99, "weights": {}, "threshold": 1, "curve": 2})


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("I love this phone, best purchase ever 😍", "positive"),
        ("Worst customer service ever, still waiting for my refund", "negative"),
        ("This is not good at all", "negative"),
        ("My flight was cancelled and nobody helps 😡", "negative"),
        ("Thanks so much, you guys are awesome!", "positive"),
    ],
)
def test_clear_posts_get_their_label(text: str, label: str) -> None:
    assert LearnedAnalyzer().analyze(text).label == label


@pytest.mark.parametrize("text", ["", "   ", None, 42, "@acme 12345"])
def test_no_features_is_neutral_without_reasons(text: object) -> None:
    result = LearnedAnalyzer().analyze(text)  # type: ignore[arg-type]
    assert (result.score, result.label) == (0.0, "neutral")


@pytest.mark.parametrize("text", ["Love the new app 😍 but the login is broken!!", "not bad, not bad at all", "meh"])
def test_reasons_add_up_to_the_score_and_agree_with_the_label(text: str) -> None:
    result = LearnedAnalyzer().analyze(text)
    assert math.isclose(sum(r.weight for r in result.reasons), result.score, abs_tol=1e-3)
    assert label_for(result.score) == result.label
    assert -1 < result.score < 1
    weights = [abs(r.weight) for r in result.reasons]
    assert weights == sorted(weights, reverse=True)


def test_negation_is_its_own_reason() -> None:
    reasons = LearnedAnalyzer().analyze("the update is not good").reasons
    assert any(r.kind == "negation" and r.cue == "not good" and r.weight < 0 for r in reasons)


def test_score_curve_is_monotone_and_meets_the_band_at_the_threshold() -> None:
    model = SentimentModel({"good": 1.0}, threshold=0.8, curve=2.0)
    assert math.isclose(model.score(0.8), 0.05) and math.isclose(model.score(-0.8), -0.05)
    values = [model.score(z / 10) for z in range(-60, 61)]
    assert values == sorted(values) and all(-1 < v < 1 for v in values)


def test_model_round_trips_through_json() -> None:
    model = SentimentModel({"good": 1.5, "bad": -1.25}, 0.7, 2.0, "v1", {"note": "x"})
    again = SentimentModel.from_json(json.loads(json.dumps(model.to_json())))
    assert again == model
    assert LearnedAnalyzer(again).analyze("good good").label == "positive"


def test_training_script_trains_a_loadable_model_on_a_slice(shared_data: Path, tmp_path: Path) -> None:
    sys.path.insert(0, str(REPO / "scripts"))
    import train_sentiment_model

    code = train_sentiment_model.main(["--data", str(shared_data), "--limit", "150", "--out", str(tmp_path),
                                       "--no-crowdflower"])  # fmt: skip
    assert code == 0
    model = SentimentModel.from_json(json.loads((tmp_path / MODEL_FILE).read_text(encoding="utf-8")))
    assert model.weights and model.threshold > 0
    assert model.meta is not None and model.meta["trained_on"]["tweeteval"] == 150
    assert LearnedAnalyzer(model).analyze("I love it, great").score > 0


def test_the_model_file_is_small_and_reads_the_rules_cues() -> None:
    assert (REPO / "scrm_desktop" / "core" / "sentiment" / MODEL_FILE).stat().st_size < 1_000_000
    reasons = LearnedAnalyzer().analyze("the app is not working").reasons
    assert LearnedAnalyzer().analyze("the app is not working").label == "negative"
    assert any(r.cue == "not working" and r.kind == "negation" and r.weight < 0 for r in reasons)


def test_score_many_gives_what_analyze_gives() -> None:
    from scrm_desktop.core.sentiment import score_many
    from scrm_desktop.core.sentiment.social import SocialAnalyzer

    texts = ["I love it", "My order arrived broken!", "", "not working again 😡"]
    for analyzer in (LearnedAnalyzer(), SocialAnalyzer()):
        assert score_many(analyzer, texts) == [analyzer.analyze(t) for t in texts]
    assert SocialAnalyzer().score_many(texts)[1].label == "negative"


def test_the_rules_evidence_is_shared_out_over_the_rules_cues() -> None:
    # The rules read "Love waiting ..." as sarcasm; the learned model reads their evidence (stacking) and shows it
    # as the rules' own reasons, beside its word features.
    result = LearnedAnalyzer().analyze("Love waiting on hold for an hour")
    assert result.label == "negative"
    assert any(r.kind == "sarcasm" and r.weight < 0 for r in result.reasons)
    assert math.isclose(sum(r.weight for r in result.reasons), result.score, abs_tol=1e-3)


def test_a_cue_both_read_is_one_reason() -> None:
    reasons = LearnedAnalyzer().analyze("the app is not working").reasons
    assert [r.cue for r in reasons].count("not working") == 1


def test_nbsvm_scaling_shrinks_features_that_do_not_tell_polarity_apart() -> None:
    import numpy as np

    sys.path.insert(0, str(REPO / "scripts"))
    import train_sentiment_model

    # Four posts (negative, negative, positive, positive); feature 0 only in the positive ones, feature 1 in all,
    # feature 2 dense.
    indptr = np.array([0, 2, 4, 7, 10])
    indices = np.array([1, 2, 1, 2, 0, 1, 2, 0, 1, 2])
    values = np.ones(10)
    y, sw = np.array([0, 0, 2, 2]), np.ones(4)
    r = train_sentiment_model.nb_scale((indptr, indices, values), y, sw, np.array([False, False, True]))
    assert r[0] > r[1] and r[2] == 1.0
