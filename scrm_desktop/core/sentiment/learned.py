"""LearnedAnalyzer: a linear model over words, word pairs, negation, emoji, the lexicon's ratings, the rules' own
cues and the rule-based analyzer's evidence, trained by scripts/train_sentiment_model.py. Every score is explained:
its reasons are the features' signed contributions (a word's own weight and its share of the lexicon and rule-cue
features are one reason; the rules' evidence is shared out over the rules' cues, merged with the same word's)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from operator import itemgetter
from typing import Any

from scrm_desktop.core.sentiment import NEUTRAL_BAND, SentimentResult
from scrm_desktop.core.sentiment.features import (
    ASK,
    CUES_NEG,
    CUES_POS,
    DENSE,
    EXCLAIM,
    LINK,
    RULES_NEG,
    RULES_POS,
    counts,
    ratings,
    rules_analyzer,
    tag_rating,
)
from scrm_desktop.core.sentiment.social import _reason, _result

MODEL_FILE = "sentiment_model.json"
FORMAT = 3  # 3: the rules' evidence (features.RULES_POS/RULES_NEG); 2: the rule-cue features; 1: neither
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
        self._rules_pos = self._w.get(RULES_POS, 0.0)
        self._rules_neg = self._w.get(RULES_NEG, 0.0)
        self._stacked = bool(self._rules_pos or self._rules_neg)
        self._rules = rules_analyzer()

    def analyze(self, text: str) -> SentimentResult:
        parts = self._parts(text)
        if not parts:
            return _NEUTRAL
        z = sum(map(_CONTRIBUTION, parts.values()))
        t = self.model.threshold
        score = self.model.score(z)
        scale = score / z if z else NEUTRAL_BAND / t
        ordered = sorted(parts.values(), key=_magnitude, reverse=True)
        reasons = tuple(_reason(cue, r, kind) for c, cue, kind in ordered if (r := round(c * scale, 4)))
        return _result(score, "positive" if z > t else "negative" if z < -t else "neutral", reasons)

    def _parts(self, text: str) -> dict[str, tuple[float, str, str]]:
        """Lower-cased cue -> (signed evidence, cue, kind): the learned features', then the rules' evidence shared
        out over the rules' own cues (a cue both read, "great" or "not working", is one part)."""
        eff = self._eff
        if len(eff) > _CACHE_LIMIT:
            eff.clear()
        parts: dict[str, tuple[float, str, str]] = {}
        for key, value in counts(text).items():
            found = eff.get(key)
            if found is None:
                found = eff[key] = self._effective(key)
            if found[0]:
                parts[found[1]] = found if value == 1.0 else (found[0] * value, found[1], found[2])
        if self._stacked:
            evidence = self._rules.evidence(text)  # in the rules' evidence units: the weights are per z/4
            if evidence:
                weight = (self._rules_pos if sum(map(_EVIDENCE, evidence)) > 0 else self._rules_neg) / 4.0
                for cue, value, kind in evidence:
                    low = cue.lower()
                    known = parts.get(low)
                    if known is None:
                        parts[low] = (weight * value, cue, kind)
                    else:
                        parts[low] = (known[0] + weight * value, known[1], known[2])
        return parts

    def score_many(self, texts: Iterable[str]) -> list[SentimentResult]:
        """`analyze` for a batch (the pipeline's stage can call it once per batch)."""
        analyze = self.analyze
        return [analyze(text) for text in texts]

    def contributions(self, text: str) -> dict[tuple[str, str], float]:
        """(cue, kind) -> signed evidence (before the score curve); they add up to z."""
        return {(cue, kind): c for c, cue, kind in self._parts(text).values()}

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


_CONTRIBUTION = itemgetter(0)  # a part's evidence: sum(map(...)) adds them without a Python loop
_EVIDENCE = itemgetter(1)  # a rule-evidence triple's weight


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
