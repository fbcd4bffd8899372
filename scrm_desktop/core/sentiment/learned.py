"""LearnedAnalyzer: a linear model over words, word pairs, negation, emoji and the lexicon's ratings, trained by
scripts/train_sentiment_model.py. Every score is explained: its reasons are the features' signed contributions."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from scrm_desktop.core.sentiment import NEUTRAL_BAND, Reason, SentimentResult
from scrm_desktop.core.sentiment.features import (
    ASK,
    DENSE,
    EXCLAIM,
    LEX_NEG,
    LEX_POS,
    LINK,
    RULES_NEG,
    RULES_POS,
    extract,
)
from scrm_desktop.core.sentiment.lexicon import load

MODEL_FILE = "sentiment_model.json"
FORMAT = 1
_NEUTRAL = SentimentResult(score=0.0, label="neutral", reasons=())
_SPECIAL = {
    EXCLAIM: ("!", "emphasis"),
    ASK: ("?", "question"),
    LINK: ("link in the post", "context"),
}


@dataclass(frozen=True, slots=True)
class SentimentModel:
    """z = sum(weight[f] * value[f]); |z| <= threshold is neutral. `curve` sets how fast the score saturates."""

    weights: dict[str, float]
    threshold: float
    curve: float = 2.0
    version: str = ""
    meta: dict[str, Any] | None = None

    @property
    def uses_rules(self) -> bool:
        """A combined model: SocialAnalyzer's cues are two of its features (slower, see docs/sentiment.md)."""
        return RULES_POS in self.weights or RULES_NEG in self.weights

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


@cache
def _ratings() -> dict[str, float]:
    lex = load()
    return {**lex.words, **lex.emoticons, **lex.emoji}


class LearnedAnalyzer:
    """Scores posts in [-1, 1] with the shipped linear model; `reasons` add up to the score, biggest first."""

    name = "learned"

    def __init__(self, model: SentimentModel | None = None) -> None:
        self.model = model or SentimentModel.shipped()
        self._w = self.model.weights
        self._ratings = _ratings()
        self._rules = _social() if self.model.uses_rules else None

    def analyze(self, text: str) -> SentimentResult:
        parts = self.contributions(text)
        if not parts:
            return _NEUTRAL
        z = sum(parts.values())
        score = self.model.score(z)
        scale = score / z if z else NEUTRAL_BAND / self.model.threshold
        reasons = [Reason(cue=cue, weight=round(w * scale, 4), kind=kind) for (cue, kind), w in parts.items()]
        reasons = [r for r in reasons if r.weight]
        reasons.sort(key=lambda r: -abs(r.weight))
        label = "positive" if z > self.model.threshold else "negative" if z < -self.model.threshold else "neutral"
        return SentimentResult(score=score, label=label, reasons=tuple(reasons))

    def contributions(self, text: str) -> dict[tuple[str, str], float]:
        """(cue, kind) -> signed evidence; a word's own weight and its share of the lexicon features are one cue."""
        feats, rated = extract(text, self._ratings)
        w = self._w
        parts: dict[tuple[str, str], float] = {}
        for key, value in feats.items():
            weight = w.get(key)
            if not weight or key in DENSE:
                continue
            cue = _cue(key)
            parts[cue] = parts.get(cue, 0.0) + weight * value
        pos, neg = w.get(LEX_POS, 0.0), w.get(LEX_NEG, 0.0)
        for key, signed in rated.items():
            cue = _cue(key)
            parts[cue] = parts.get(cue, 0.0) + (pos if signed > 0 else neg) * signed
        if self._rules is not None:
            self._add_rules(text, parts)
        return parts

    def _add_rules(self, text: str, parts: dict[tuple[str, str], float]) -> None:
        """The rules' cues, each scaled by the learned weight of the rules' evidence (it goes in as z / 4)."""
        assert self._rules is not None
        extraction = self._rules.extract(text)
        if not extraction.cues:
            return
        cues = self._rules._contributions(extraction)
        z = sum(weight for _, weight, _ in cues)
        scale = self._w.get(RULES_POS if z > 0 else RULES_NEG, 0.0) / 4.0
        for label, weight, kind in cues:
            key = (label.lower(), kind)
            parts[key] = parts.get(key, 0.0) + scale * weight


def rules_features(social: Any, text: str) -> dict[str, float]:
    """The combined model's two rule features for a post (for training)."""
    extraction = social.extract(text)
    if not extraction.cues:
        return {}
    z = sum(weight for _, weight, _ in social._contributions(extraction))
    return {RULES_POS: z / 4.0} if z > 0 else {RULES_NEG: z / 4.0} if z < 0 else {}


@cache
def _social() -> Any:
    from scrm_desktop.core.sentiment.social import SocialAnalyzer

    return SocialAnalyzer()


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
