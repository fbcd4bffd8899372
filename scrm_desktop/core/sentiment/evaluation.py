"""Pure helpers to measure an analyzer against human ratings: parse a ground-truth file, 3-class metrics."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from scrm_desktop.core.sentiment import LABELS, label_for

# VADER's ground-truth sets: mean human rating on -4..+4 (rating / 4 is the score scale).
RATING_SCALE = 4.0


def decode(raw: bytes) -> str:
    """Files in the wild are UTF-8 or Latin-1; Latin-1 decodes any byte, so nothing is ever lost or raised."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def parse_ground_truth(text: str) -> list[tuple[str, float]]:
    """`id TAB mean_rating TAB text` lines -> (text, rating / 4); lines that do not parse are skipped."""
    rows = []
    for line in text.splitlines():
        parts = line.split("\t", 2)
        if len(parts) < 3:
            continue
        try:
            rating = float(parts[1])
        except ValueError:
            continue
        rows.append((parts[2], rating / RATING_SCALE))
    return rows


def gold_labels(ratings: Iterable[float]) -> list[str]:
    return [label_for(r) for r in ratings]


def macro_f1(gold: Sequence[str], predicted: Sequence[str]) -> float:
    """Unweighted mean of per-class F1 over positive, negative and neutral."""
    scores = []
    for label in LABELS:
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g == label and p == label)
        fp = sum(1 for g, p in zip(gold, predicted, strict=True) if g != label and p == label)
        fn = sum(1 for g, p in zip(gold, predicted, strict=True) if g == label and p != label)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores)


def accuracy(gold: Sequence[str], predicted: Sequence[str]) -> float:
    if not gold:
        return 0.0
    return sum(1 for g, p in zip(gold, predicted, strict=True) if g == p) / len(gold)
