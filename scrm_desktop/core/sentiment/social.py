"""SocialAnalyzer: lexicon + rules + a learned output layer, with every score explained by its cues."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from scrm_desktop.core.sentiment import Reason, SentimentResult, label_for
from scrm_desktop.core.sentiment.lexicon import load
from scrm_desktop.core.sentiment.model import Weights
from scrm_desktop.core.sentiment.rules import Cue, Extraction, RuleEngine
from scrm_desktop.core.sentiment.tokens import build_tokenizer, clean, tokenize

_NEUTRAL = SentimentResult(score=0.0, label="neutral", reasons=())


@cache
def _pattern():
    return build_tokenizer(load().emoticons)


class SocialAnalyzer:
    """Scores short social posts in [-1, 1]; `reasons` add up to the score, biggest effect first."""

    name = "social"

    def __init__(self, weights: Weights | None = None) -> None:
        self.weights = weights or Weights.shipped()
        self._engine = RuleEngine(load(), self.weights.rules)
        self._pattern = _pattern()

    def analyze(self, text: str) -> SentimentResult:
        extraction = self.extract(text)
        if not extraction.cues:
            return _NEUTRAL
        parts = self._contributions(extraction)
        z = sum(weight for _, weight, _ in parts)
        output = self.weights.output
        score = output.score(z)
        # Reasons are shown in score units; cues that cancel out are still shown at the neutral-band slope.
        scale = score / z if z else output.slope_at_zero
        return SentimentResult(score=score, label=label_for(score), reasons=_reasons(parts, scale))

    def score_many(self, texts: Iterable[str]) -> list[SentimentResult]:
        """`analyze` for a batch, in order (one call per batch for the pipeline's scoring stage)."""
        analyze = self.analyze
        return [analyze(text) for text in texts]

    def extract(self, text: str) -> Extraction:
        """The cues the rules found (before the learned weights): for training and for debugging."""
        return self._engine.extract(tokenize(clean(text), self._pattern))

    def _contributions(self, ex: Extraction) -> list[tuple[str, float, str]]:
        """(cue, signed weight in evidence units, kind); they add up to the evidence z."""
        out = self.weights.output
        parts: list[tuple[str, float, str]] = []
        shifts = {"but": 0.0, "question": 0.0, "context": 0.0, "sarcasm": 0.0, "courtesy": 0.0}
        for cue in ex.cues:
            w = out.pos if cue.valence > 0 else out.neg
            parts.append((cue.label, w * cue.valence, cue.kind))
            _add_shifts(shifts, cue, w)
        labels = {"but": "but: the later clause counts more", "question": "asked as a question",
                  "context": "in a name, headline or link post", "sarcasm": "praise read as sarcasm",
                  "courtesy": "thanks in a complaint: courtesy, not praise"}  # fmt: skip
        parts += [(labels[k], v, k) for k, v in shifts.items() if v]
        if ex.emphasis:
            direction = 1.0 if sum(p[1] for p in parts) >= 0 else -1.0
            parts.append((ex.emphasis_label, direction * out.emphasis * ex.emphasis, "emphasis"))
        return parts


def _add_shifts(shifts: dict[str, float], cue: Cue, w: float) -> None:
    value = w * cue.valence
    after_but = value * cue.but
    after_question = after_but * cue.question
    shifts["but"] += after_but - value
    shifts["question"] += after_question - after_but
    after_context = after_question * cue.context
    shifts["context"] += after_context - after_question
    after_sarcasm = after_context * cue.sarcasm
    shifts["sarcasm"] += after_sarcasm - after_context
    shifts["courtesy"] += after_sarcasm * cue.courtesy - after_sarcasm


def _reasons(parts: list[tuple[str, float, str]], scale: float) -> tuple[Reason, ...]:
    """Merge repeated cues, rescale from evidence units to score units, drop zeros, biggest first."""
    merged: dict[tuple[str, str], list[float]] = {}
    for cue, weight, kind in parts:
        slot = merged.setdefault((cue, kind), [0.0, 0])
        slot[0] += weight
        slot[1] += 1
    reasons = [
        Reason(cue=f"{cue} (×{n})" if n > 1 else cue, weight=round(weight * scale, 4), kind=kind)
        for (cue, kind), (weight, n) in merged.items()
    ]
    reasons = [r for r in reasons if r.weight]
    reasons.sort(key=lambda r: -abs(r.weight))
    return tuple(reasons)
