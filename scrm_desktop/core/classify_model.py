"""The learned trait / intent / lead classifier: a multinomial logistic regression per field over the rules' cues
and decisions (core/classify.py) and the post's words, trained by scripts/train_classify_model.py.

Every answer carries a confidence (the model's probability) and its reasons (the features that pushed it most
towards the answer); below the field's confidence floor the answer is "unknown" (stored as empty) rather than a
guess. Agents' corrections retrain it per workspace (`Corrections`): a corrected post gets the agent's value, and
later posts like it follow, because the corrections are added to the model as training examples.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, partial
from importlib import resources
from itertools import chain, repeat
from operator import add, eq, itemgetter, sub, truediv
from typing import Any

MODEL_FILE = "classify_model.json"
FORMAT = 1
FIELDS = ("trait", "intent", "lead")
NONE = "none"  # the class "no trait / no intent / no lead" (stored as empty, like "unknown")
UNKNOWN = "unknown"
REASON_PUSH = 0.05  # a feature is a reason for a class when it pushes towards it more than this

_WORD_RE = re.compile(r"(?:https?://|www\.)\S+|(?<![\w@])@\w+|[^\W\d_]+(?:['’][^\W\d_]+)?|[!?]")
_STOP = frozenset(
    """a an the and or of to in on at by for with from as is are was were be been it its this that i me my we our
    you your he she they them their his her so just do does did have has had will would can could rt via
    """.split()  # noqa: SIM905
)


def features(text: str, cues: Mapping[str, Iterable[str]], decisions: Mapping[str, str]) -> dict[str, float]:
    """The post's features: the rules' decisions ("rule trait=venting"), the sentiment label ("sentiment negative"),
    which cue families fired ("cue problem"), and its words (lower-cased, handles and links left out, stop words
    dropped)."""
    return dict.fromkeys(feature_keys(text, cues, decisions), 1.0)


def feature_keys(text: str, cues: Mapping[str, Iterable[str]], decisions: Mapping[str, str]) -> list[str]:
    """`features` as the list of its keys (each feature's value is 1), in the same order, some words twice."""
    named, words = feature_parts(text, cues, decisions)
    return named + words


def feature_parts(
    text: str, cues: Mapping[str, Iterable[str]], decisions: Mapping[str, str]
) -> tuple[list[str], list[str]]:
    """`feature_keys` in two: the decisions' and the cue families' (each holding a space), then the words' (none
    does: a word never holds a space)."""
    named = _named_keys
    keys = [named.get(item) or _named_key(item) for item in decisions.items()]
    for family, found in cues.items():
        if found and (not found[0].startswith("ignored") or any(not c.startswith("ignored") for c in found)):
            keys.append(named.get(family) or _named_key(family))
    # a word never holds a space (nor does a link or a handle): the words of the text are its space-separated runs'
    # words, worked out once per distinct run
    return keys, list(chain.from_iterable(map(_run_keys.__getitem__, text[:4000].split())))


# a decision (name, value) or a cue family -> its feature ("rule trait=none", "sentiment negative", "cue problem"),
# made once rather than formatted for every post
_named_keys: dict[tuple[str, str] | str, str] = {}


def _named_key(item: tuple[str, str] | str) -> str:
    if isinstance(item, str):
        key = f"cue {item}"
    else:
        name, value = item
        key = f"sentiment {value}" if name == "sentiment" else f"rule {name}={value or NONE}"
    if len(_named_keys) >= 10_000:  # only odd sentiment labels could grow it
        _named_keys.clear()
    _named_keys[item] = key
    return key


_MAX_WORDS = 50_000  # a few MB at most; past it the cache starts again


class _RunKeys(dict[str, tuple[str, ...]]):
    """A run of non-space characters -> the features of its words, in order, worked out once per run."""

    def __missing__(self, run: str) -> tuple[str, ...]:
        if len(self) >= _MAX_WORDS:
            self.clear()
        keys = self[run] = tuple(key for key in map(_word_key, _WORD_RE.findall(run)) if key)
        return keys


_run_keys = _RunKeys()


def _word_key(tok: str) -> str:
    """A word's feature: lower-cased, "" for a handle, a link, a stop word or a lone letter."""
    if tok[0] == "@" or tok.startswith(("http", "www.")):
        return ""
    low = tok.lower().replace("’", "'")
    return low if low not in _STOP and (len(low) > 1 or low in "!?") else ""


@dataclass(frozen=True, slots=True)
class Decision:
    """One field's answer: `value` ("" when none or unsure), the model's best guess and its probability."""

    value: str
    guess: str
    confidence: float
    reasons: tuple[str, ...] = ()

    @property
    def unknown(self) -> bool:
        """Unsure: the best guess names a label, but it was not confident enough to give it."""
        return not self.value and self.guess not in ("", NONE)


def _ones(x: Mapping[str, float]) -> bool:
    """Every feature's value is 1 (as `features` gives them): each weight row counts as it is."""
    return all(map(eq, x.values(), repeat(1.0)))


def _pushes(row: Sequence[float], n: int) -> tuple[float, ...]:
    """How much each class's weight stands above the row's mean (exactly as `_reasons` works it out)."""
    mean = sum(row) / n
    return tuple(w - mean for w in row)


@dataclass(frozen=True, slots=True)
class FieldModel:
    """Softmax over `classes`: score_c = bias_c + sum_f weight[f][c] * x_f; answers below `floor` are unknown, and
    the rules' own answer is overridden only by a guess at least `override` sure."""

    classes: tuple[str, ...]
    bias: tuple[float, ...]
    weights: dict[str, tuple[float, ...]]
    floor: float
    override: float = 0.6
    # each weight row's push towards each class: weight - the row's mean (the reasons' ranking), worked out once;
    # only the pushes a reason needs (above REASON_PUSH) are kept, so a post's other features cost one miss
    _pushes: tuple[dict[str, float], ...] = field(init=False, repr=False, compare=False)  # per class: key -> push

    def __post_init__(self) -> None:
        n = len(self.classes)
        rows = {key: _pushes(row, n) for key, row in self.weights.items()}
        pushes = tuple({key: row[c] for key, row in rows.items() if row[c] > REASON_PUSH} for c in range(n))
        object.__setattr__(self, "_pushes", pushes)

    def probabilities(self, x: Mapping[str, float], extra: Mapping[str, list[float]] | None = None) -> list[float]:
        return self._softmax(self._rows(x, extra))

    def _softmax(self, rows: Sequence[Sequence[float]]) -> list[float]:
        # one column per class (every row has one weight per class), each summed in the rows' order
        scores = list(map(add, self.bias, map(sum, zip(*rows, strict=True)))) if rows else list(self.bias)
        top = max(scores)
        exp = [math.exp(s - top) for s in scores]
        total = sum(exp)
        return [e / total for e in exp]

    def _rows(self, x: Mapping[str, float], extra: Mapping[str, list[float]] | None) -> list[Sequence[float]]:
        """Each present feature's weight row, times its value (features are 0/1, so mostly as they are)."""
        rows: list[Sequence[float]] = []
        for table in (self.weights, extra) if extra else (self.weights,):
            for key, value in x.items():
                row = table.get(key)
                if row is not None:
                    rows.append(row if value == 1.0 else [w * value for w in row])
        return rows

    def decide(
        self, x: Mapping[str, float], extra: Mapping[str, list[float]] | None = None, rule: str = ""
    ) -> Decision:
        """The answer: the rules' value (`rule`, "" when they found none) stands unless the model is at least
        `override` sure of another; without one, the model's guess if at least `floor` sure, else unknown."""
        if not extra and _ones(x):  # the usual case (0/1 features, no corrections): the weight rows as they are
            return self.decide_present(x, rule)
        p = self.probabilities(x, extra)
        return self._decision(p, rule, partial(self._reasons, x, extra=extra))

    def decide_present(self, x: Iterable[str], rule: str = "") -> Decision:
        """`decide` for features that are all present with the value 1 (`features` gives them so: the keys of
        its dict) and no corrections: the weight rows count as they are."""
        weights = self.weights
        keys = [key for key in x if key in weights]
        p = self._softmax(list(map(weights.__getitem__, keys)))
        return self._decision(p, rule, partial(self._top_pushes, keys))

    def _decision(self, p: list[float], rule: str, reasons: Callable[[int], tuple[str, ...]]) -> Decision:
        best = p.index(max(p))  # the first of the highest, as max(range(len(p)), key=p.__getitem__) finds
        guess = self.classes[best]
        if rule in self.classes and rule != NONE and not (guess != rule and p[best] >= self.override):
            r = self.classes.index(rule)
            return Decision(rule, rule, round(p[r], 3), reasons(r))
        value = guess if p[best] >= self.floor and guess != NONE else ""
        return Decision(value, guess, round(p[best], 3), reasons(best))

    def _top_pushes(self, keys: Iterable[str], c: int) -> tuple[str, ...]:
        """`_reasons` for features of value 1 and no extra weights, from the pushes worked out once."""
        table = self._pushes[c]
        pushes = [(table[key], key) for key in keys if key in table]
        return tuple(key for _, key in sorted(pushes, reverse=True)[:5])

    def _reasons(self, x: Mapping[str, float], c: int, extra: Mapping[str, list[float]] | None) -> tuple[str, ...]:
        """The features that favour class c over the average class most, biggest first (at most five)."""
        n = len(self.classes)
        pushes: dict[str, float] = {}
        for table in (self.weights, extra) if extra else (self.weights,):
            for key, value in x.items():
                row = table.get(key)
                if row is not None:
                    pushes[key] = pushes.get(key, 0.0) + (row[c] - sum(row) / n) * value
        ranked = sorted(((v, k) for k, v in pushes.items() if v > REASON_PUSH), reverse=True)
        return tuple(key for _, key in ranked[:5])

    def to_json(self) -> dict[str, Any]:
        return {"classes": list(self.classes), "bias": list(self.bias), "floor": self.floor,
                "override": self.override, "weights": {k: list(v) for k, v in self.weights.items()}}  # fmt: skip

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FieldModel:
        classes = tuple(str(c) for c in data["classes"])
        weights = {str(k): tuple(float(w) for w in v) for k, v in data["weights"].items()}
        if any(len(v) != len(classes) for v in weights.values()) or len(data["bias"]) != len(classes):
            raise ValueError("classify model: a weight row does not match the classes")
        bias = tuple(float(b) for b in data["bias"])
        return cls(classes, bias, weights, float(data["floor"]), float(data.get("override", 0.6)))


_FIRST, _SECOND = itemgetter(0), itemgetter(1)


@dataclass(frozen=True, slots=True)
class ClassifyModel:
    fields: dict[str, FieldModel]
    version: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    # every field's weight row of a feature side by side (0.0 where a field has none), and per column the feature's
    # reason (push, key) for that class (None where it is none), so a post's feature costs one lookup and the three
    # fields' columns are summed in one pass (`decide_keys`)
    _joined: dict[str, tuple[tuple[float, ...], tuple[tuple[float, str] | None, ...]]] = field(
        init=False, repr=False, compare=False
    )
    _spans: tuple[tuple[FieldModel, int, int], ...] = field(init=False, repr=False, compare=False)
    _zeros: tuple[float, ...] = field(init=False, repr=False, compare=False)
    _columns: tuple[itemgetter[Any], ...] = field(init=False, repr=False, compare=False)  # column c of a joined row
    # the leading keys of a post (`decide_keys`' head: its decisions and cue families) -> their present entries,
    # those entries' column sums (None when none is present) and their reasons, worked out once per combination
    _heads: dict[tuple[str, ...], tuple[frozenset[str], list[Any], list[float] | None, list[Any]]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    # decide_many's arrays, made on its first use: {"index": key -> row, "weights": the joined rows and a last row of
    # zeros, "reasons": per column, the joined reasons of each row, "spans": per field (model, lo, hi, bias, class ->
    # column)}
    _dense: dict[str, Any] = field(init=False, repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        joined: dict[str, tuple[tuple[float, ...], tuple[tuple[float, str] | None, ...]]] = {}
        spans: list[tuple[FieldModel, int, int]] = []
        width = 0
        if all(name in self.fields for name in FIELDS):
            models = [self.fields[name] for name in FIELDS]
            width = sum(len(m.classes) for m in models)
            rows: dict[str, list[float]] = {}
            reasons: dict[str, list[tuple[float, str] | None]] = {}
            lo = 0
            for m in models:
                n = len(m.classes)
                for key, row in m.weights.items():
                    rows.setdefault(key, [0.0] * width)[lo : lo + n] = row
                    pushed = reasons.setdefault(key, [None] * width)
                    for c, table in enumerate(m._pushes):
                        push = table.get(key)
                        pushed[lo + c] = None if push is None else (push, key)
                spans.append((m, lo, lo + n))
                lo += n
            joined = {key: (tuple(row), tuple(reasons[key])) for key, row in rows.items()}
        object.__setattr__(self, "_joined", joined)
        object.__setattr__(self, "_spans", tuple(spans))
        object.__setattr__(self, "_zeros", (0.0,) * width)
        object.__setattr__(self, "_columns", tuple(map(itemgetter, range(width))))

    def decide_present(self, x: Iterable[str], rules: Sequence[str]) -> tuple[Decision, ...]:
        """FieldModel.decide_present of trait, intent and lead (FIELDS, `rules` their rules' values) at once."""
        return tuple(Decision(*answer) for answer in self.decide_keys(x, rules))

    def decide_keys(
        self, keys: Sequence[str], rules: Sequence[str], head: int = 0, explained: Container[str] = FIELDS
    ) -> list[tuple[str, str, float, tuple[str, ...]]]:
        """`decide_present` as (value, guess, confidence, reasons) per field, with the same floats: each class's
        column summed in the features' order (a feature given twice counts once), then bias + that (adding a 0.0
        where a field has no row changes no sum; nor does the bias alone, when none of its rows is present, differ
        from bias + 0.0 in any probability), the reasons worked out for the class answered only.

        `head`: the first `head` keys are a combination many posts share (their decisions and cue families): their
        column sums are worked out once per combination, and the rest of each column added to them in order, which
        is the same left-to-right sum (Python 3.11's `sum` of floats adds one after the other from `start`).

        `explained`: the fields whose reasons are ranked; the others' are () (the classifier shows no lead reasons)."""
        joined = self._joined
        if head:
            first = tuple(keys[:head])
            cached = self._heads.get(first)
            if cached is None:
                cached = self._head(first)
            seen, entries, start, reasons = cached
            rest = dict.fromkeys(keys[head:])
            if seen.isdisjoint(rest):  # else a key given twice across the two parts: summed from the start below
                more = list(filter(None, map(joined.get, rest)))
                if not more:
                    sums = start if start is not None else self._zeros
                elif start is None:
                    sums = list(map(sum, zip(*map(_FIRST, more), strict=True)))
                else:
                    sums = list(map(sum, zip(*map(_FIRST, more), strict=True), start))
                return self._answers(sums, reasons + list(map(_SECOND, more)), rules, explained)
        entries = list(filter(None, map(joined.get, dict.fromkeys(keys))))
        sums = list(map(sum, zip(*map(_FIRST, entries), strict=True))) if entries else self._zeros
        return self._answers(sums, list(map(_SECOND, entries)), rules, explained)

    def decide_many(
        self, posts: Sequence[tuple[Sequence[str], Sequence[str]]], explained: Container[str] = FIELDS
    ) -> list[list[tuple[str, str, float, tuple[str, ...]]]]:
        """`decide_keys(keys, rules)` of each (keys, rules), the same answers with the same floats, worked out for
        the batch at once: each column's sum adds the posts' features one position at a time, in their order (a
        post out of features adds a row of zeros, which changes no sum), as Python 3.11's `sum` adds them; the
        exponentials are math.exp's; the softmax sums its terms in order; only the reasons are ranked post by
        post. numpy is imported on first use. (Python 3.12's `sum` of floats compensates its rounding: there the
        two paths may differ in a sum's last bit, so in a confidence's third decimal at the very most.) `explained`:
        the fields whose reasons are ranked, as in `decide_keys`."""
        import numpy as np

        dense = self._dense or self._make_dense()
        index, weights, reason_columns = dense["index"], dense["weights"], dense["reasons"]
        n = len(posts)
        get = index.get
        present = [[i for i in map(get, dict.fromkeys(keys)) if i is not None] for keys, _ in posts]
        lengths = np.fromiter(map(len, present), dtype=np.intp, count=n)
        longest = int(lengths.max()) if n else 0
        # position k of every post's features (the row of zeros past a post's last), one row of `at` per position
        at = np.full((max(longest, 1), n), len(weights) - 1, dtype=np.intp)
        if longest:
            flat = np.fromiter(chain.from_iterable(present), dtype=np.intp, count=int(lengths.sum()))
            ends = np.cumsum(lengths)
            at[np.arange(len(flat)) - np.repeat(ends - lengths, lengths), np.repeat(np.arange(n), lengths)] = flat
        sums = weights[at[0]]
        for k in range(1, longest):
            sums += weights[at[k]]
        rows = np.arange(n)
        answers: list[list[tuple[str, str, float, tuple[str, ...]]]] = [[] for _ in range(n)]
        for f, (m, lo, hi, bias, columns) in enumerate(dense["spans"]):
            scores = bias + sums[:, lo:hi]
            shifted = (scores - scores.max(axis=1)[:, None]).ravel().tolist()
            exp = np.array(list(map(math.exp, shifted))).reshape(n, hi - lo)
            total = exp[:, 0].copy()
            for c in range(1, hi - lo):
                total += exp[:, c]
            p = exp / total[:, None]
            best = p.argmax(axis=1)  # the first of the highest
            sure = p[rows, best]
            rule = np.fromiter((columns.get(rules[f], -1) for _, rules in posts), dtype=np.intp, count=n)
            kept = (rule >= 0) & ~((best != rule) & (sure >= m.override))
            chosen = np.where(kept, rule, best)
            classes = m.classes
            ranked = FIELDS[f] in explained  # the spans are in FIELDS order
            confidence = p[rows, chosen]
            for post, c, keep, b, floor_met, conf, exact, ids in zip(
                answers, chosen.tolist(), kept.tolist(), best.tolist(), (sure >= m.floor).tolist(),
                _round3(confidence).tolist(), confidence.tolist(), present, strict=True,
            ):  # fmt: skip
                if keep:
                    value = guess = classes[c]
                else:
                    guess = classes[b]
                    value = guess if floor_met and guess != NONE else ""
                if conf != conf:  # NaN: within a hair of a half, left to Python's round
                    conf = round(exact, 3)
                if ranked:
                    pushes = sorted(filter(None, map(reason_columns[lo + c].__getitem__, ids)), reverse=True)[:5]
                    post.append((value, guess, conf, tuple(map(_SECOND, pushes))))
                else:
                    post.append((value, guess, conf, ()))
        return answers

    def _make_dense(self) -> dict[str, Any]:
        import numpy as np

        keys = list(self._joined)
        rows = [self._joined[key][0] for key in keys] + [self._zeros]
        spans = [
            (m, lo, hi, np.array(m.bias, dtype=np.float64), {c: i for i, c in enumerate(m.classes) if c != NONE})
            for m, lo, hi in self._spans
        ]
        by_column = list(zip(*(self._joined[key][1] for key in keys), strict=True)) or [()] * len(self._zeros)
        dense = {"index": {key: i for i, key in enumerate(keys)}, "weights": np.array(rows, dtype=np.float64),
                 "reasons": by_column, "spans": spans}  # fmt: skip
        self._dense.update(dense)
        return dense

    def _head(self, first: tuple[str, ...]) -> tuple[frozenset[str], list[Any], list[float] | None, list[Any]]:
        entries = list(filter(None, map(self._joined.get, dict.fromkeys(first))))
        sums = list(map(sum, zip(*map(_FIRST, entries), strict=True))) if entries else None
        if len(self._heads) >= 10_000:  # a few thousand combinations at most; odd sentiment labels could add more
            self._heads.clear()
        found = self._heads[first] = (frozenset(first), entries, sums, list(map(_SECOND, entries)))
        return found

    def _answers(
        self, sums: Sequence[float], reasons: list[Any], rules: Sequence[str], explained: Container[str]
    ) -> list[tuple[str, str, float, tuple[str, ...]]]:
        out = []
        for name, (m, lo, hi), rule in zip(FIELDS, self._spans, rules, strict=True):
            scores = list(map(add, m.bias, sums[lo:hi]))
            exp = list(map(math.exp, map(sub, scores, repeat(max(scores)))))
            p = list(map(truediv, exp, repeat(sum(exp))))
            classes = m.classes
            best = p.index(max(p))  # the first of the highest
            guess = classes[best]
            if rule in classes and rule != NONE and not (guess != rule and p[best] >= m.override):
                c = classes.index(rule)
                value = guess = rule
            else:
                c = best
                value = guess if p[best] >= m.floor and guess != NONE else ""
            if name in explained:
                pushes = sorted(filter(None, map(self._columns[lo + c], reasons)), reverse=True)[:5]
                out.append((value, guess, round(p[c], 3), tuple(map(_SECOND, pushes))))
            else:
                out.append((value, guess, round(p[c], 3), ()))
        return out

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "version": self.version, "meta": self.meta,
                "fields": {k: m.to_json() for k, m in self.fields.items()}}  # fmt: skip

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ClassifyModel:
        if data.get("format") != FORMAT:
            raise ValueError(f"classify model format {data.get('format')!r}, expected {FORMAT}")
        fields = {str(k): FieldModel.from_json(v) for k, v in data["fields"].items()}
        if set(fields) != set(FIELDS):
            raise ValueError(f"classify model: fields {sorted(fields)}, expected {list(FIELDS)}")
        return cls(fields, str(data.get("version", "")), dict(data.get("meta") or {}))

    @classmethod
    def shipped(cls) -> ClassifyModel:
        return _shipped()


def _round3(values: Any) -> Any:
    """round(v, 3) of each of a numpy array's floats in [0, 1], the same doubles, or NaN where Python's round must
    settle it: v * 1000 is off by half an ulp at most, so where it lies clearly off a half (by 1e-4) its nearest
    whole number k is the exact decimal rounding, and k / 1000 is the double nearest k/1000, which is what Python's
    round (a correctly rounded decimal, read back) gives."""
    import numpy as np

    scaled = values * 1000.0
    whole = np.floor(scaled + 0.5)
    return np.where(np.abs(scaled - whole) < 0.4999, whole / 1000.0, np.nan)


@cache
def _shipped() -> ClassifyModel:
    text = resources.files("scrm_desktop.core").joinpath(MODEL_FILE).read_text(encoding="utf-8")
    return ClassifyModel.from_json(json.loads(text))


# ---- agents' corrections, per workspace -------------------------------------------------------------------------

CORRECTION_WEIGHT = 4.0  # one correction counts like this many training posts
CORRECTION_STEPS = 30  # passes of gradient steps over a workspace's corrections
CORRECTION_RATE = 0.5
CORRECTION_L2 = 0.05  # pulls the workspace's adjustment back towards the shipped model


class Corrections:
    """A workspace's trait, intent and lead corrections, and the adjustment they make to the shipped model.

    `add(text, field, value)` records one (a later correction of the same text replaces it). The adjustment is a
    set of extra weights, refitted on every change by gradient steps on the corrected posts (the shipped weights
    stay fixed): a post like a corrected one then leans to the agent's value, with the correction as its reason.
    The corrected text itself always gets the agent's value.
    """

    def __init__(self, entries: Iterable[tuple[str, str, str, str]] = ()) -> None:
        self._entries: dict[tuple[str, str], tuple[dict[str, float], str]] = {}
        self._extra: dict[str, dict[str, list[float]]] = {}
        self.version = 0
        self._fitted = -1
        self._model: ClassifyModel | None = None
        # Stored corrections to read on first use, (text, title, field, value) each (CorrectionRepo sets it), so
        # opening a workspace does not wait for them.
        self.loader: Callable[[], Iterable[tuple[str, str, str, str]]] | None = None
        for text, title, name, value in entries:
            self.add(text, name, value, title)

    def __len__(self) -> int:
        self._load()
        return len(self._entries)

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (for an ingest worker process) with the stored corrections read, their fit left to redo."""
        self._load()
        return {"entries": self._entries, "version": self.version}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__()  # type: ignore[misc]
        self._entries, self.version = state["entries"], state["version"]

    def _load(self) -> None:
        loader, self.loader = self.loader, None
        if loader is not None:
            for text, title, name, value in loader():
                self._add(text, name, value, title)

    def add(self, text: str, name: str, value: str, title: str = "") -> None:
        """Learn that the post `text` (with `title`) has `value` ("" = none) for `name` (trait, intent or lead,
        whose value is "yes" or "")."""
        self._load()
        self._add(text, name, value, title)

    def _add(self, text: str, name: str, value: str, title: str) -> None:
        if name not in FIELDS:
            raise ValueError(f"only trait, intent or lead corrections are learned from, not {name!r}")
        from scrm_desktop.core.classify import post_body, post_features

        key = _key(post_body(str(text), str(title)))
        if not key:
            return
        self._entries[(name, key)] = (post_features(str(text), str(title)), value or NONE)
        self.version += 1

    def exact(self, body: str, name: str) -> str | None:
        """The agent's value for this very post (its cleaned body, classify.post_body), or None."""
        self._load()
        found = self._entries.get((name, _key(body)))
        return None if found is None else found[1]

    def agent_values(self, body: str) -> dict[str, str]:
        """`exact` for every field at once (the body's key worked out once): field -> the agent's value."""
        self._load()
        if not self._entries:
            return {}
        key = _key(body)
        return {name: found[1] for name in FIELDS if (found := self._entries.get((name, key))) is not None}

    def extra(self, model: ClassifyModel, name: str) -> dict[str, list[float]]:
        """The workspace's extra weights for one field (refitted when corrections changed)."""
        self._load()
        if self._fitted != self.version or self._model is not model:
            self._extra = {f: self._fit(model.fields[f], f) for f in FIELDS}
            self._fitted, self._model = self.version, model
        return self._extra.get(name, {})

    def _fit(self, base: FieldModel, name: str) -> dict[str, list[float]]:
        examples = [(x, base.classes.index(v)) for (f, _), (x, v) in self._entries.items()
                    if f == name and v in base.classes]  # fmt: skip
        extra: dict[str, list[float]] = {}
        n = len(base.classes)
        for _ in range(CORRECTION_STEPS if examples else 0):
            for x, y in examples:
                p = base.probabilities(x, extra)
                for key, value in x.items():
                    row = extra.setdefault(key, [0.0] * n)
                    for c in range(n):
                        grad = (p[c] - (c == y)) * value * CORRECTION_WEIGHT + CORRECTION_L2 * row[c]
                        row[c] -= CORRECTION_RATE * grad / CORRECTION_WEIGHT
        return extra


def _key(body: str) -> str:
    return " ".join(body.lower().split())
