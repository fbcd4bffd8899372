"""LearnedAnalyzer: a linear model over words, word pairs, negation, emoji, the lexicon's ratings and the rules' own
cues, trained by scripts/train_sentiment_model.py. Every score is explained: its reasons are the features' signed
contributions (a word's own weight and its share of the lexicon and rule-cue features are one reason)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from scrm_desktop.core.sentiment import NEUTRAL_BAND, Reason, SentimentResult
from scrm_desktop.core.sentiment.features import (
    ASK,
    CUES_NEG,
    CUES_POS,
    DENSE,
    EXCLAIM,
    LINK,
    counts,
    ratings,
    tag_rating,
)

MODEL_FILE = "sentiment_model.json"
FORMAT = 2  # 2: the rule-cue features (features.CUES_POS/CUES_NEG); format 1 had none
_NEUTRAL = SentimentResult(score=0.0, label="neutral", reasons=())
_SPECIAL = {
    EXCLAIM: ("!", "emphasis"),
    ASK: ("?", "question"),
    LINK: ("link in the post", "context"),
}
_CACHE_LIMIT = 300_000


@dataclass(frozen=True, slots=True)
class SentimentModel:
    """z = sum(weight[f] * value[f]); |z| <= threshold is neutral. `curve` sets how fast the score saturates."""

    weights: dict[str, float]
    threshold: float
    curve: float = 2.0
    version: str = ""
    meta: dict[str, Any] | None = None

    def score(self, z: float) -> float:
        """Monotone, odd, in (-1, 1): |z| = threshold lands exactly on the neutral band's edge (0.05)."""
        t = self.threshold
        if abs(z) <= t:
            return NEUTRAL_BAND * z / t
        rest = (1 - NEUTRAL_BAND) * math.tanh((abs(z) - t) / self.curve)
        return math.copysign(NEUTRAL_BAND + rest, z)

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "version": self.version, "threshold": self.threshold, "curve": self.curve,
                "meta": self.meta or {}, "weights": self.weights}  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SentimentModel:
        if data.get("format") != FORMAT:
            raise ValueError(f"sentiment model format {data.get('format')!r}, expected {FORMAT}")
        weights = {str(k): float(v) for k, v in data["weights"].items()}
        return cls(weights, float(data["threshold"]), float(data["curve"]), str(data.get("version", "")),
                   dict(data.get("meta") or {}))  # fmt: skip

    @classmethod
    def shipped(cls) -> SentimentModel:
        return _shipped()


@cache
def _shipped() -> SentimentModel:
    text = resources.files("scrm_desktop.core.sentiment").joinpath(MODEL_FILE).read_text(encoding="utf-8")
    return SentimentModel.from_json(json.loads(text))


class LearnedAnalyzer:
    """Scores posts in [-1, 1] with the shipped linear model; `reasons` add up to the score, biggest first."""

    name = "learned"

    def __init__(self, model: SentimentModel | None = None) -> None:
        self.model = model or SentimentModel.shipped()
        self._w = self.model.weights
        self._ratings = ratings()
        # key -> (effective weight, cue, kind): the key's own weight plus its share of the dense features,
        # filled on first sight (most of a post's keys were seen before).
        self._eff: dict[str, tuple[float, str, str]] = {}

    def analyze(self, text: str) -> SentimentResult:
        feats = counts(text)
        if not feats:
            return _NEUTRAL
        eff = self._eff
        if len(eff) > _CACHE_LIMIT:
            eff.clear()
        parts: list[tuple[float, str, str]] = []
        z = 0.0
        for key, value in feats.items():
            found = eff.get(key)
            if found is None:
                found = eff[key] = self._effective(key)
            if found[0]:
                contribution = found[0] * value
                z += contribution
                parts.append((contribution, found[1], found[2]))
        if not parts:
            return _NEUTRAL
        t = self.model.threshold
        score = self.model.score(z)
        scale = score / z if z else NEUTRAL_BAND / t
        parts.sort(key=_magnitude, reverse=True)
        reasons = tuple(Reason(cue, round(c * scale, 4), kind) for c, cue, kind in parts if round(c * scale, 4))
        label = "positive" if z > t else "negative" if z < -t else "neutral"
        return SentimentResult(score=score, label=label, reasons=reasons)

    def score_many(self, texts: Iterable[str]) -> list[SentimentResult]:
        """`analyze` for a batch (the pipeline's stage can call it once per batch)."""
        analyze = self.analyze
        return [analyze(text) for text in texts]

    def contributions(self, text: str) -> dict[tuple[str, str], float]:
        """(cue, kind) -> signed evidence (before the score curve); they add up to z."""
        out: dict[tuple[str, str], float] = {}
        for key, value in counts(text).items():
            weight, cue, kind = self._effective(key)
            if weight:
                out[(cue, kind)] = out.get((cue, kind), 0.0) + weight * value
        return out

    def _effective(self, key: str) -> tuple[float, str, str]:
        if key in DENSE:
            return 0.0, key, ""
        w = self._w
        weight = w.get(key, 0.0)
        rated = self._ratings.get(key)
        if rated is not None:
            weight += w.get(rated[0], 0.0) * rated[1]
        elif key[0] == "#" and (verdict := tag_rating(key)):
            weight += w.get(CUES_POS if verdict > 0 else CUES_NEG, 0.0) * verdict
        cue, kind = _cue(key)
        return weight, cue, kind


def _magnitude(part: tuple[float, str, str]) -> float:
    return abs(part[0])


def _cue(key: str) -> tuple[str, str]:
    special = _SPECIAL.get(key)
    if special is not None:
        return special
    first = key[0]
    if first == "#":
        return key, "hashtag"
    if not first.isalpha():
        return key, "emoji" if len(key) == 1 else "emoticon"
    if key.startswith("not "):
        return key, "negation"
    return key, "phrase" if " " in key else "word"
