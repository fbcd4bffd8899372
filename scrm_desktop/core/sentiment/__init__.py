"""Sentiment analysis behind one small interface: a score in [-1, 1], a label, and the reasons for it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

NEUTRAL_BAND = 0.05
LABELS = ("positive", "negative", "neutral")


@dataclass(frozen=True, slots=True)
class Reason:
    """One cue that moved the score: a word, an emoji, a negation, a rule. `weight` is its signed effect."""

    cue: str
    weight: float
    kind: str = "word"


@dataclass(frozen=True, slots=True)
class SentimentResult:
    score: float
    label: str
    reasons: tuple[Reason, ...] = ()


class Analyzer(Protocol):
    name: str

    def analyze(self, text: str) -> SentimentResult: ...


def score_many(analyzer: Analyzer, texts: Iterable[str]) -> list[SentimentResult]:
    """Scores a batch with `analyzer.score_many` when it has one (SocialAnalyzer, LearnedAnalyzer), else one
    `analyze` call per text: the Analyzer protocol itself stays one method, so any analyzer keeps working."""
    batch = getattr(analyzer, "score_many", None)
    if batch is not None:
        return list(batch(texts))
    return [analyzer.analyze(text) for text in texts]


def label_for(score: float, band: float = NEUTRAL_BAND) -> str:
    if score > band:
        return "positive"
    if score < -band:
        return "negative"
    return "neutral"


def clamp(score: float) -> float:
    return max(-1.0, min(1.0, score))


MODELS = {  # Settings.sentiment_model -> what the Settings dialog calls it
    "rules": "Rules and lexicon (default)",
    "learned": "Learned model (tuned on today's tweets)",
}


def analyzer_named(name: str) -> Analyzer:
    """The analyzer a workspace's settings choose (MODELS): the learned model, or else the default."""
    if name == "learned":
        from scrm_desktop.core.sentiment.learned import LearnedAnalyzer

        return LearnedAnalyzer()
    return default_analyzer()


def default_analyzer() -> Analyzer:
    """The analyzer used at ingest: SocialAnalyzer. The learned model (LearnedAnalyzer) ships beside it but is not
    the default: held out, it beats the rules on TweetEval and on CrowdFlower's tweets but loses on VADER's tweets,
    the three snippet sets and the airline tweets (docs/sentiment.md, "Default: the decision", has the figures)."""
    from scrm_desktop.core.sentiment.social import SocialAnalyzer

    return SocialAnalyzer()


def __getattr__(name: str) -> object:
    # Lazy, so importing the value types above does not load the lexicon.
    if name == "SocialAnalyzer":
        from scrm_desktop.core.sentiment.social import SocialAnalyzer

        return SocialAnalyzer
    if name == "LearnedAnalyzer":
        from scrm_desktop.core.sentiment.learned import LearnedAnalyzer

        return LearnedAnalyzer
    if name == "CorrectionMemory":
        from scrm_desktop.core.sentiment.corrections import CorrectionMemory

        return CorrectionMemory
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
