"""Agents' sentiment corrections: the same post gets the agent's label, and repeatedly corrected terms nudge."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from scrm_desktop.core.sentiment import LABELS, Analyzer, Reason, SentimentResult, clamp, label_for, score_many
from scrm_desktop.core.sentiment.tokens import clean

_URL_RE = re.compile(r"(?:https?://|www\.)\S+?(?=[.,!?;:)\]]*(?:\s|$))", re.IGNORECASE)
_HANDLE_RE = re.compile(r"(?<![\w@])@\w+(?:@[\w.-]+\w)?")
_NUMBER_RE = re.compile(r"\d+(?:[.,:]\d+)*")
_TERM_RE = re.compile(r"<(?:url|user|num)>|#?[^\W\d_][\w'’-]*|[^\w\s<>]", re.UNICODE)
_STOPWORDS = frozenset(
    """a an the and or but if of to in on at by for with from as is are was were be been being it its this
    that these those i me my we our you your he she they them their his her rt via so just do does did
    have has had not no will would can could should what when where who how why there here than then too
    very
    """.split()  # noqa: SIM905
)
_LABEL_VALUE = {"positive": 1, "neutral": 0, "negative": -1}
# A corrected label with no score of its own lands here, clearly inside its class.
_LABEL_SCORE = {"positive": 0.5, "neutral": 0.0, "negative": -0.5}

NEAR_DUPLICATE = 0.8  # Jaccard similarity of the normalised term sets
MIN_TERMS_FOR_NEAR = 3  # below that, only an exact match counts
TERM_MIN_CORRECTIONS = 2  # a term must have been corrected at least this often...
TERM_AGREEMENT = 0.75  # ...and mostly in one direction
TERM_STEP = 0.05  # score moved per net correction of a term
TERM_CAP = 0.2  # most one term can move a score
TOTAL_CAP = 0.3  # most all terms together can move a score


def normalise(text: str) -> str:
    """Casefolded, URLs/handles/numbers masked, one space between terms; the key for duplicates."""
    text = _URL_RE.sub(" <url> ", clean(text))
    text = _HANDLE_RE.sub(" <user> ", text)
    text = _NUMBER_RE.sub(" <num> ", text.casefold())
    return " ".join(_TERM_RE.findall(text))


def _terms(key: str) -> frozenset[str]:
    return frozenset(key.split())


def _content_terms(terms: frozenset[str]) -> set[str]:
    return {t for t in terms if t not in _STOPWORDS and not t.startswith("<") and len(t) > 2 and t[0] != "'"}


@dataclass(frozen=True, slots=True)
class _Entry:
    key: str
    terms: frozenset[str]
    text: str
    label: str


class CorrectionMemory:
    """Corrections (text, label) from one workspace. `wrap(analyzer)` applies them to its results."""

    def __init__(self, corrections: Iterable[tuple[str, str]] = ()) -> None:
        self._entries: dict[str, _Entry] = {}
        self._by_term: dict[str, set[str]] = {}
        self.version = 0
        for text, label in corrections:
            self.add(text, label)

    def __len__(self) -> int:
        return len(self._entries)

    def add(self, text: str, label: str) -> None:
        """Remember that `text` is `label`; a later correction of the same post replaces an earlier one."""
        if label not in LABELS:
            raise ValueError(f"unknown sentiment label {label!r}: expected one of {', '.join(LABELS)}")
        key = normalise(text)
        if not key:
            return  # nothing left to recognise the post by
        entry = _Entry(key, _terms(key), str(text), label)
        self._entries[key] = entry
        for term in entry.terms:
            self._by_term.setdefault(term, set()).add(key)
        self.version += 1

    def wrap(self, analyzer: Analyzer) -> Analyzer:
        return CorrectedAnalyzer(self, analyzer)

    def match(self, text: str) -> tuple[_Entry, float] | None:
        """The corrected post `text` duplicates (exactly or nearly), with the similarity, or None."""
        return self.match_key(normalise(text))

    def match_key(self, key: str) -> tuple[_Entry, float] | None:
        """`match` for a text already normalised (`normalise(text)`)."""
        if key in self._entries:
            return self._entries[key], 1.0
        terms = _terms(key)
        if len(terms) < MIN_TERMS_FOR_NEAR:
            return None
        best: tuple[_Entry, float] | None = None
        for candidate in self._candidates(terms):
            entry = self._entries[candidate]
            similarity = len(terms & entry.terms) / len(terms | entry.terms)
            if similarity >= NEAR_DUPLICATE and (best is None or similarity > best[1]):
                best = (entry, similarity)
        return best

    def _candidates(self, terms: frozenset[str]) -> set[str]:
        # A near-duplicate shares most terms, so it must contain one of the rarest fifth (plus one).
        rarest = sorted(terms, key=lambda t: len(self._by_term.get(t, ())))
        keep = rarest[: math.ceil(len(rarest) * (1 - NEAR_DUPLICATE)) + 1]
        found: set[str] = set()
        for term in keep:
            found |= self._by_term.get(term, set())
        return found

    def entries(self) -> list[tuple[str, str]]:
        return [(e.text, e.label) for e in self._entries.values()]


class CorrectedAnalyzer:
    """An analyzer with a workspace's corrections applied on top; its reasons say so."""

    def __init__(self, memory: CorrectionMemory, inner: Analyzer) -> None:
        self.memory = memory
        self.inner = inner
        self.name = f"{inner.name}+corrections"
        self._nudges: dict[str, float] = {}
        self._version = -1

    def analyze(self, text: str) -> SentimentResult:
        return self._corrected(self.inner.analyze(text), text)

    def score_many(self, texts: Iterable[str]) -> list[SentimentResult]:
        """`analyze` for a batch, in order: the inner analyzer's batch path, then the corrections per text."""
        texts = list(texts)
        found = score_many(self.inner, texts)
        if not len(self.memory):  # nothing to match and nothing to nudge: the inner answers stand
            return found
        return [self._corrected(base, text) for base, text in zip(found, texts, strict=True)]

    def _corrected(self, base: SentimentResult, text: str) -> SentimentResult:
        key = normalise(text)
        found = self.memory.match_key(key)
        if found is not None:
            return _relabel(base, found[0].label, found[1])
        return self._nudge(base, key)

    def term_nudges(self) -> dict[str, float]:
        """Term -> score shift learned from corrections that moved the inner analyzer's label one way."""
        if self._version != self.memory.version:
            self._nudges = self._learn()
            self._version = self.memory.version
        return self._nudges

    def _learn(self) -> dict[str, float]:
        ups: Counter[str] = Counter()
        downs: Counter[str] = Counter()
        for text, label in self.memory.entries():
            direction = _LABEL_VALUE[label] - _LABEL_VALUE[self.inner.analyze(text).label]
            if direction:
                counter = ups if direction > 0 else downs
                counter.update(_content_terms(_terms(normalise(text))))
        nudges = {}
        for term in set(ups) | set(downs):
            up, down = ups[term], downs[term]
            if up + down >= TERM_MIN_CORRECTIONS and max(up, down) / (up + down) >= TERM_AGREEMENT:
                nudges[term] = max(-TERM_CAP, min(TERM_CAP, TERM_STEP * (up - down)))
        return nudges

    def _nudge(self, base: SentimentResult, key: str) -> SentimentResult:
        nudges = self.term_nudges()
        if not nudges:
            return base
        hits = sorted((t for t in _content_terms(_terms(key)) if t in nudges), key=lambda t: -abs(nudges[t]))
        if not hits:
            return base
        total = max(-TOTAL_CAP, min(TOTAL_CAP, sum(nudges[t] for t in hits)))
        score = clamp(base.score + total)
        shift = score - base.score
        raw = sum(nudges[t] for t in hits)
        extra = tuple(
            Reason(f"{term} (agents' corrections)", round(nudges[term] * shift / raw, 4), "correction") for term in hits
        )
        reasons = tuple(sorted(base.reasons + extra, key=lambda r: -abs(r.weight)))
        return SentimentResult(score=score, label=label_for(score), reasons=reasons)


def _relabel(base: SentimentResult, label: str, similarity: float) -> SentimentResult:
    score = base.score if base.label == label else _LABEL_SCORE[label]
    cue = "agent correction" if similarity == 1.0 else f"agent correction (near-duplicate, {similarity:.0%} alike)"
    correction = Reason(cue, round(score - base.score, 4), "correction")
    return SentimentResult(score=score, label=label, reasons=(correction, *base.reasons))
