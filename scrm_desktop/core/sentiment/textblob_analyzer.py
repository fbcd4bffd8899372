"""TextBlob's pattern-based polarity, with the words that carried it as reasons."""

from __future__ import annotations

from textblob import TextBlob

from scrm_desktop.core.sentiment import Reason, SentimentResult, clamp, label_for


class TextBlobAnalyzer:
    name = "textblob"

    def analyze(self, text: str) -> SentimentResult:
        blob = TextBlob(text)
        score = clamp(float(blob.sentiment.polarity))
        reasons = tuple(
            Reason(cue=" ".join(words), weight=round(float(polarity), 3))
            for words, polarity, _subj, _label in blob.sentiment_assessments.assessments
            if polarity
        )
        return SentimentResult(score=score, label=label_for(score), reasons=reasons)
