"""VADER's compound score as an Analyzer: the baseline SocialAnalyzer is measured against."""

from __future__ import annotations

from functools import cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from scrm_desktop.core.sentiment import Reason, SentimentResult, clamp, label_for


@cache
def _vader() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


class VaderAnalyzer:
    name = "vader"

    def analyze(self, text: str) -> SentimentResult:
        vader = _vader()
        score = clamp(float(vader.polarity_scores(text)["compound"]))
        words = {w.strip(".,!?;:").lower() for w in text.split()}
        reasons = tuple(
            Reason(cue=w, weight=round(vader.lexicon[w] / 4, 3))
            for w in sorted(words, key=lambda w: -abs(vader.lexicon.get(w, 0.0)))
            if vader.lexicon.get(w)
        )
        return SentimentResult(score=score, label=label_for(score), reasons=reasons)
