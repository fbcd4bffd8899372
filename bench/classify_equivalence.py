"""Checks that a change to the trait/intent/lead classifier keeps its answers: every label, confidence, guess,
reason and product of `classify` and its as_json(), the cue rules (`classify_rules`) and the model's features
(`post_features`), identical on the demo's posts, the support texts of ../shared/data, the sentiment texts,
generated posts and variants of them in other cases and scripts (Turkish I, long s, Kelvin sign, Greek sigma,
accents, emoji).

Each text is classified twice: with the shipped model and agents' corrections, and with a seeded perturbation
of the shipped weights (other weights, floors and override, words the shipped model does not know) with no
corrections (and with them, for every fourth text), so the check holds for any weights file, not only today's.

    python bench/classify_equivalence.py --write before.json   # on the code to compare against (e.g. main)
    python bench/classify_equivalence.py --check before.json   # on the changed code: exit 1 on any difference
"""

from __future__ import annotations

import csv
import json
import os
import random
import sys
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("SCRM_SHARED_DATA") or REPO.parent / "shared" / "data")
LABELS = ("negative", "neutral", "positive", "")  # "" : the classifier scores the text itself
# Agents' corrections (text, title, field, value): the corrected texts and posts like them answer differently.
CORRECTIONS = [
    ("my order never arrived and nobody answers", "", "trait", "past"),
    ("the app keeps crashing on login please help", "", "intent", "community"),
    ("love the new update, thanks team", "", "trait", "none"),
    ("where is my refund", "", "intent", "venting"),
]


def _demo() -> list[tuple[str, str]]:
    sys.path.insert(0, str(REPO / "plugins"))
    from scrm_plugins.demo.scenario import iter_posts

    from scrm_desktop.core.text import normalize_text

    now = datetime(2026, 1, 12, tzinfo=UTC)
    out = []
    for seed in (7, 11):
        for p in iter_posts(seed, 2.0, now, now - timedelta(hours=24), now):
            html = p.text_format == "html"
            out.append((normalize_text(p.text, is_html=html), normalize_text(p.title or "", is_html=html)))
    return out


def _csv_texts(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as f:
        return [row["text"] for row in csv.DictReader(f)]


def _support() -> list[str]:
    out = _csv_texts(DATA / "support" / "twcs_first5000" / "twcs_first5000.csv")
    for path in sorted((DATA / "support" / "ericsson_twcs_labeled").glob("*bound.csv")):
        out += _csv_texts(path)
    dialogs = json.loads((DATA / "support" / "ibm_twitter_cdp" / "dev.json").read_text(encoding="utf-8"))
    for d in dialogs:
        out += [turn["message"] for turn in d["dialogContent"]]
    return out


def _sentiment() -> list[str]:
    from scrm_desktop.core.sentiment.evaluation import decode, parse_ground_truth

    out: list[str] = []
    for file in sorted((DATA / "sentiment" / "vader_ground_truth").glob("*_GroundTruth.txt")):
        out += [text for text, _ in parse_ground_truth(decode(file.read_bytes()))]
    return out + (DATA / "sentiment" / "tweeteval_val" / "val_text.txt").read_text(encoding="utf-8").splitlines()


def _generated() -> list[tuple[str, str]]:
    sys.path.insert(0, str(REPO / "bench"))
    from _probes.corpus import Corpus

    return [(p.text, p.title) for p in Corpus(seed=3).post_ins(3000)]


VARIANTS = (
    str.upper,
    str.title,
    lambda t: t.replace("i", "\u0130", 3),  # Turkish capital I with dot: lower() gives two characters
    lambda t: t.replace("I", "\u0131").replace("s", "\u017f", 2),  # dotless i, long s: match i and s ignoring case
    lambda t: t.replace("k", "\u212a").replace("K", "\u212a"),  # Kelvin sign: lower() is "k"
    lambda t: "\u03a3\u039f\u03a3 " + t.replace(" ", " \u03a3 ", 2),  # Greek capital sigma: lower() by context
    lambda t: t.replace("e", "\u00e9", 2).replace("a", "\u00c0", 2),  # accents: cased, not ASCII
    lambda t: t.replace("'", "\u2019").replace(" ", "\u00a0 ", 2) + " \U0001f643\U0001f621",
)


def corpus() -> list[tuple[str, str]]:
    """(text, title) pairs: demo posts, support and sentiment texts, generated posts, then variants of a sample."""
    items = _demo() + [(t, "") for t in _support() + _sentiment()] + _generated()
    rng = random.Random(5)
    sample = rng.sample(items, 1500)
    variants = [(v(t), v(title)) for i, (t, title) in enumerate(sample) for v in VARIANTS[i % len(VARIANTS) :][:2]]
    return items + variants


def perturbed_model(seed: int = 1) -> Any:
    """The shipped model with other weights (scaled, noised, a tenth dropped, made-up rows added), floors and
    override: a weights file like one a retraining could write."""
    from scrm_desktop.core.classify_model import ClassifyModel, FieldModel

    rng = random.Random(seed)
    shipped = ClassifyModel.shipped()
    fields = {}
    for name, m in shipped.fields.items():
        weights = {k: tuple(w * rng.uniform(0.5, 1.5) + rng.gauss(0, 0.3) for w in row)
                   for k, row in m.weights.items() if rng.random() > 0.1}  # fmt: skip
        for word in ("refund", "broken", "love", "order", "help", "?", "!", "thanks", "late", "cue lead"):
            weights.setdefault(word, tuple(rng.gauss(0, 1) for _ in m.classes))
        bias = tuple(b + rng.gauss(0, 0.5) for b in m.bias)
        fields[name] = FieldModel(m.classes, bias, weights, floor=rng.uniform(0.3, 0.6), override=rng.uniform(0.5, 0.9))
    return ClassifyModel(fields, "perturbed", {})


def _answer(found: Any) -> list[Any]:
    return [found.trait, found.intent, found.is_lead, list(found.trait_cues), list(found.intent_cues),
            list(found.lead_products), found.trait_confidence, found.intent_confidence, found.lead_confidence,
            found.trait_guess, found.intent_guess, found.as_json()]  # fmt: skip


def answers() -> list[list[Any]]:
    """Per text: the rules' answer, the features, and classify's answer with the shipped model (and the
    corrections) and with the perturbed model (without corrections; with them for every fourth text)."""
    from scrm_desktop.core import classify_model
    from scrm_desktop.core.classify import classify, classify_rules, post_features
    from scrm_desktop.core.classify_model import ClassifyModel, Corrections

    corrections = Corrections(CORRECTIONS)
    items = corpus()
    labels = [LABELS[zlib.crc32(t.encode("utf-8", "surrogatepass")) % len(LABELS)] for t, _ in items]
    out = [[_answer(classify_rules(t, title)), sorted(post_features(t, title, label).items()),
            _answer(classify(t, title, corrections, label))]
           for (t, title), label in zip(items, labels, strict=True)]  # fmt: skip
    shipped = classify_model._shipped
    perturbed = perturbed_model()
    classify_model._shipped = lambda: perturbed  # the perturbed weights as if they were the shipped file
    try:
        assert ClassifyModel.shipped() is perturbed
        again = Corrections(CORRECTIONS)  # refitted on the perturbed weights
        for i, (row, (t, title), label) in enumerate(zip(out, items, labels, strict=True)):
            row.append(_answer(classify(t, title, None, label)))
            if i % 4 == 0:
                row.append(_answer(classify(t, title, again, label)))
        _same_in_batches(out, items, labels, None, 3)
        _same_in_batches(out[::4], items[::4], labels[::4], again, 4)
    finally:
        classify_model._shipped = shipped
    _same_in_batches(out, items, labels, corrections, 2)
    return out


def _same_in_batches(out: list[list[Any]], items: list[tuple[str, str]], labels: list[str], corrections: Any,
                     part: int, size: int = 1000) -> None:  # fmt: skip
    """classify_many (the ingest's path) over batches of `size` must give what classify gave (row[part]): a row
    where it does not says so, so the check fails there."""
    from scrm_desktop.core.classify import classify_many

    for start in range(0, len(items), size):
        posts = [
            (t, title, label)
            for (t, title), label in zip(items[start : start + size], labels[start : start + size], strict=True)
        ]
        for row, found in zip(out[start : start + size], classify_many(posts, corrections), strict=True):
            if (batch := _answer(found)) != row[part]:
                row[part] = ["classify_many differs from classify", row[part], batch]


def main() -> int:
    from _probes.equivalence import write_or_check

    expected = write_or_check(__doc__, answers)
    if expected is None:
        return 0
    items = corpus()
    got = json.loads(json.dumps(answers()))
    diff = [i for i, (a, b) in enumerate(zip(expected, got, strict=True)) if a != b]
    print(f"classify: {len(got) - len(diff)}/{len(got)} texts identical (rules, features, shipped and perturbed model)")
    for i in diff[:5]:
        print(f"  {items[i]!r}")
        for part, (a, b) in enumerate(zip(expected[i], got[i], strict=True)):
            if a != b:
                print(f"    part {part}: expected {a}\n            got      {b}")
    return 1 if diff else 0


if __name__ == "__main__":
    sys.path[:0] = [str(REPO), str(REPO / "bench")]
    sys.exit(main())
