"""SocialAnalyzer: lexicon + rules + a learned output layer, with every score explained by its cues."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from operator import itemgetter

from scrm_desktop.core.sentiment import Reason, SentimentResult, label_for
from scrm_desktop.core.sentiment.lexicon import load
from scrm_desktop.core.sentiment.model import Weights
from scrm_desktop.core.sentiment.rules import Extraction, RuleEngine
from scrm_desktop.core.sentiment.tokens import Tokenizer, build_tokenizer, clean

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
        self._tokenize = Tokenizer(_pattern())

    def analyze(self, text: str) -> SentimentResult:
        extraction = self.extract(text)
        if not extraction.cues:
            return _NEUTRAL
        parts = self._contributions(extraction)
        z = sum(map(_WEIGHT, parts))
        output = self.weights.output
        score = output.score(z)
        # Reasons are shown in score units; cues that cancel out are still shown at the neutral-band slope.
        scale = score / z if z else output.slope_at_zero
        return _result(score, label_for(score), _reasons(parts, scale))

    def score_many(self, texts: Iterable[str]) -> list[SentimentResult]:
        """`analyze` for a batch, in order (one call per batch for the pipeline's scoring stage)."""
        analyze = self.analyze
        return [analyze(text) for text in texts]

    def evidence(self, text: str) -> list[tuple[str, float, str]]:
        """(cue, signed weight in evidence units, kind) of each cue and clause effect; they add up to the evidence z
        that `analyze` maps to the score (the learned model reads them as two features and shows them as reasons)."""
        extraction = self.extract(text)
        return self._contributions(extraction) if extraction.cues else []

    def extract(self, text: str) -> Extraction:
        """The cues the rules found (before the learned weights): for training and for debugging."""
        cleaned = clean(text)
        return self._engine.extract(self._tokenize(cleaned), "@" in cleaned)  # a handle token starts with "@"

    def _contributions(self, ex: Extraction) -> list[tuple[str, float, str]]:
        """(cue, signed weight in evidence units, kind); they add up to the evidence z."""
        out = self.weights.output
        pos, neg = out.pos, out.neg
        parts: list[tuple[str, float, str]] = []
        but = question = context = sarcasm = courtesy = 0.0
        for cue in ex.cues:
            valence = cue.valence
            value = (pos if valence > 0 else neg) * valence
            parts.append((cue.label, value, cue.kind))
            if cue.but == cue.question == cue.context == cue.sarcasm == cue.courtesy == 1.0:
                continue  # no clause factor (most cues): every effect below would be +0.0
            # Each clause factor's own effect, applied in turn, so each can be explained on its own.
            after_but = value * cue.but
            after_question = after_but * cue.question
            but += after_but - value
            question += after_question - after_but
            after_context = after_question * cue.context
            context += after_context - after_question
            after_sarcasm = after_context * cue.sarcasm
            sarcasm += after_sarcasm - after_context
            courtesy += after_sarcasm * cue.courtesy - after_sarcasm
        shifts = (but, question, context, sarcasm, courtesy)
        if any(shifts):
            for label, value, kind in zip(_SHIFT_LABELS, shifts, _SHIFTS, strict=True):
                if value:
                    parts.append((label, value, kind))
        if ex.emphasis:
            direction = 1.0 if sum(map(_WEIGHT, parts)) >= 0 else -1.0
            parts.append((ex.emphasis_label, direction * out.emphasis * ex.emphasis, "emphasis"))
        return parts


_WEIGHT = itemgetter(1)  # a part's weight; sum(map(_WEIGHT, parts)) adds them in order without a Python loop
_SHIFTS = ("but", "question", "context", "sarcasm", "courtesy")
_SHIFT_LABELS = ("but: the later clause counts more", "asked as a question", "in a name, headline or link post",
                 "praise read as sarcasm", "thanks in a complaint: courtesy, not praise")  # fmt: skip


def _reasons(parts: list[tuple[str, float, str]], scale: float) -> tuple[Reason, ...]:
    """Merge repeated cues, rescale from evidence units to score units, drop zeros, biggest first."""
    if len(parts) == 1:  # a single cue (a quarter of the posts with cues): nothing to merge or sort
        cue, weight, kind = parts[0]
        rescaled = round((0.0 + weight) * scale, 4)
        return (_reason(cue, rescaled, kind),) if rescaled else ()
    merged: dict[tuple[str, str], list] = {}
    for cue, weight, kind in parts:
        slot = merged.setdefault((cue, kind), [0.0, 0])
        slot[0] += weight
        slot[1] += 1
    reasons = []
    for (cue, kind), (weight, n) in merged.items():
        rescaled = round(weight * scale, 4)
        if rescaled:
            reasons.append(_reason(f"{cue} (×{n})" if n > 1 else cue, rescaled, kind))
    if len(reasons) > 1:
        reasons.sort(key=_biggest_first)
    return tuple(reasons)


def _biggest_first(reason: Reason) -> float:
    return -abs(reason.weight)


# A frozen dataclass's __init__ sets each field through object.__setattr__ (a slow call in CPython); an analyzer
# builds one result and a few reasons per post, so it sets their slots directly: the same objects, at half the cost.
# tests/core/test_sentiment.py checks they equal what the classes build.
_new = object.__new__
_SET_CUE, _SET_WEIGHT, _SET_KIND = (Reason.__dict__[field].__set__ for field in ("cue", "weight", "kind"))
_SET_SCORE, _SET_LABEL, _SET_REASONS = (SentimentResult.__dict__[f].__set__ for f in ("score", "label", "reasons"))


def _reason(cue: str, weight: float, kind: str) -> Reason:
    reason = _new(Reason)
    _SET_CUE(reason, cue)
    _SET_WEIGHT(reason, weight)
    _SET_KIND(reason, kind)
    return reason


def _result(score: float, label: str, reasons: tuple[Reason, ...]) -> SentimentResult:
    result = _new(SentimentResult)
    _SET_SCORE(result, score)
    _SET_LABEL(result, label)
    _SET_REASONS(result, reasons)
    return result
