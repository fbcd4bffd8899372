"""Train the trait / intent / lead classifier (core/classify_model.py) and write it into the package.

Run from the repository root:  .venv/bin/python scripts/train_classify_model.py  [--data DIR] [--dry-run]

Training data (nothing of it ships: only weights, with the data's sha256 and the figures, in classify_model.json):
- bench/data/support_labels.tsv: 210 real customer tweets (../shared/data/support/twcs_first5000, thread openers)
  labelled by docs/labels.md; the file holds ids and labels only, the texts are read from ../shared/data.
- the demo scenario's posts (plugins/demo, written by this project): their scenario trait and whether they are
  buying questions (kinds "future" and "sales") for the trait and lead fields; they carry no intent label.
Figures: 5-fold cross-validation over the labelled tweets (the demo posts are always in the training part): every
tweet is classified by a model that never saw it, next to the cue rules alone (classify_rules) on the same tweets.
numpy here only; the product reads the JSON as plain Python.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "plugins"))

from scrm_desktop.core.classify import INTENTS, TRAITS, classify_rules, post_features  # noqa: E402
from scrm_desktop.core.classify_model import (  # noqa: E402
    FIELDS,
    MODEL_FILE,
    NONE,
    ClassifyModel,
    FieldModel,
)

PACKAGE = REPO / "scrm_desktop" / "core"
LABELS_FILE = REPO / "bench" / "data" / "support_labels.tsv"
TWCS = Path("support") / "twcs_first5000" / "twcs_first5000.csv"
CLASSES = {"trait": (NONE, *TRAITS), "intent": (NONE, *INTENTS), "lead": (NONE, "yes")}
L2 = 0.01
FLOOR = 0.4  # below this probability the answer is "unknown"
OVERRIDE = 0.8  # the rules' own answer stands unless the model is this sure of another
FOLDS = 5
DEMO_SEED, DEMO_HOURS = 7, 24  # the demo test (tests/core/test_classify.py) uses seed 11
DEMO_WEIGHT = 0.2  # all demo posts together weigh this share of the labelled tweets' weight
ROUND = 3


def load_labelled(data: Path, limit: int | None = None) -> list[dict[str, str]]:
    """The labelled tweets: tweet_id, trait, intent, lead, text (read from ../shared/data by id)."""
    with (data / TWCS).open(encoding="utf-8", newline="") as fh:
        texts = {r["tweet_id"]: r["text"] for r in csv.DictReader(fh)}
    with LABELS_FILE.open(encoding="utf-8", newline="") as fh:
        rows = [dict(r) for r in csv.DictReader(fh, delimiter="\t")]
    for r in rows:
        r["text"] = texts[r["tweet_id"]]
        r["lead"] = "yes" if r["lead"] == "1" else NONE
    return rows[:limit] if limit else rows


def load_demo(limit: int | None = None) -> list[dict[str, str]]:
    from scrm_plugins.demo.scenario import iter_posts

    from scrm_desktop.core.text import normalize_text

    now = datetime(2026, 1, 12, tzinfo=UTC)
    out = []
    for p in iter_posts(DEMO_SEED, 2.0, now, now - timedelta(hours=DEMO_HOURS), now):
        html = p.text_format == "html"
        text = normalize_text(p.text, is_html=html)
        title = normalize_text(p.title or "", is_html=html)
        kind = p.extra["demo_kind"]
        out.append({"text": f"{title}. {text}" if title and title not in text else text,
                    "trait": p.extra["demo_trait"] or NONE, "intent": "",
                    "lead": "yes" if kind in ("future", "sales") else NONE})  # fmt: skip
    return out[:limit] if limit else out


# --- the model ---------------------------------------------------------------------------------------------------


def fit(x: list[dict[str, float]], y: np.ndarray, sw: np.ndarray, n_classes: int, l2: float, steps: int = 300):
    """Multinomial logistic regression by full-batch Adam: (vocabulary, weights [features x classes], bias)."""
    vocab = sorted({k for doc in x for k in doc})
    col = {k: j for j, k in enumerate(vocab)}
    rows = np.repeat(np.arange(len(x)), [len(d) for d in x])
    cols = np.array([col[k] for d in x for k in d], dtype=np.int64)
    vals = np.array([v for d in x for v in d.values()])
    w = np.zeros((len(vocab), n_classes))
    b = np.zeros(n_classes)
    onehot = np.eye(n_classes)[y]
    params = [w, b]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    n = sw.sum()
    for step in range(1, steps + 1):
        scores = np.zeros((len(x), n_classes)) + b
        np.add.at(scores, rows, w[cols] * vals[:, None])
        scores -= scores.max(axis=1, keepdims=True)
        p = np.exp(scores)
        p /= p.sum(axis=1, keepdims=True)
        g = (p - onehot) * sw[:, None] / n
        gw = np.zeros_like(w)
        np.add.at(gw, cols, g[rows] * vals[:, None])
        grads = [gw + l2 * w, g.sum(axis=0)]
        for i, (param, grad) in enumerate(zip(params, grads, strict=True)):
            m[i] = 0.9 * m[i] + 0.1 * grad
            v[i] = 0.999 * v[i] + 0.001 * grad * grad
            param -= 0.1 * (m[i] / (1 - 0.9**step)) / (np.sqrt(v[i] / (1 - 0.999**step)) + 1e-8)
    return vocab, w, b


def field_model(name: str, x: list[dict[str, float]], labels: list[str], sw: np.ndarray) -> FieldModel:
    classes = CLASSES[name]
    keep = [i for i, label in enumerate(labels) if label in classes]
    y = np.array([classes.index(labels[i]) for i in keep])
    vocab, w, b = fit([x[i] for i in keep], y, sw[keep], len(classes), L2)
    weights = {k: tuple(round(float(c), ROUND) for c in row) for k, row in zip(vocab, w, strict=True)
               if np.abs(row).max() >= 10 ** -ROUND}  # fmt: skip
    return FieldModel(classes, tuple(round(float(c), ROUND) for c in b), weights, FLOOR, OVERRIDE)


def train(real: list[dict], demo: list[dict], x_real: list, x_demo: list) -> dict[str, FieldModel]:
    x = x_real + x_demo
    sw = np.concatenate([np.ones(len(real)), np.full(len(demo), DEMO_WEIGHT * len(real) / max(1, len(demo)))])
    return {name: field_model(name, x, [r[name] for r in real + demo], sw) for name in FIELDS}


# --- figures -------------------------------------------------------------------------------------------------------


def per_label(gold: list[str], predicted: list[str]) -> dict[str, dict[str, float]]:
    """Per label: precision, recall and support; "none" is a label like the others ("unknown" predicts none)."""
    out = {}
    for label in sorted(set(gold) | set(predicted)):
        tp = sum(g == label and p == label for g, p in zip(gold, predicted, strict=True))
        said = sum(p == label for p in predicted)
        real = sum(g == label for g in gold)
        out[label] = {"precision": round(tp / said, 3) if said else 0.0, "recall": round(tp / real, 3) if real else 0.0,
                      "support": real, "predicted": said}  # fmt: skip
    return out


def summary(gold: list[str], predicted: list[str], unknown: list[bool] | None = None) -> dict:
    wrong = sum(p != g and p != NONE for g, p in zip(gold, predicted, strict=True))
    out = {"accuracy": round(sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold), 3),
           "wrong_labels": wrong, "n": len(gold), "per_label": per_label(gold, predicted)}  # fmt: skip
    if unknown is not None:
        out["unknown"] = sum(unknown)
    return out


def cross_validate(real: list[dict], demo: list[dict], x_real: list, x_demo: list, log=print) -> dict:
    """Each labelled tweet classified by a model trained on the demo posts and the other four fifths."""
    fold = np.arange(len(real)) % FOLDS
    predicted = {name: [""] * len(real) for name in FIELDS}
    unknown = {name: [False] * len(real) for name in FIELDS}
    rules = [classify_rules(r["text"]) for r in real]
    before = {"trait": [c.trait or NONE for c in rules], "intent": [c.intent or NONE for c in rules],
              "lead": ["yes" if c.is_lead else NONE for c in rules]}  # fmt: skip
    for f in range(FOLDS):
        train_idx = [i for i in range(len(real)) if fold[i] != f]
        models = train([real[i] for i in train_idx], demo, [x_real[i] for i in train_idx], x_demo)
        for i in np.where(fold == f)[0]:
            for name in FIELDS:
                d = models[name].decide(x_real[i], rule=before[name][i])
                predicted[name][i] = d.value or NONE
                unknown[name][i] = d.unknown
    out = {}
    for name in FIELDS:
        gold = [r[name] for r in real]
        out[name] = {"before_rules": summary(gold, before[name]),
                     "after_model": summary(gold, predicted[name], unknown[name])}  # fmt: skip
        b, a = out[name]["before_rules"], out[name]["after_model"]
        log(f"  {name:<7} accuracy rules {b['accuracy']:.3f} -> model {a['accuracy']:.3f}  wrong labels "
            f"{b['wrong_labels']} -> {a['wrong_labels']}  unknown {a['unknown']}  (n {len(gold)})")  # fmt: skip
    return out


def data_hash(real: list[dict], demo: list[dict]) -> str:
    h = hashlib.sha256()
    for r in real + demo:
        h.update(f"{r['trait']}\t{r['intent']}\t{r['lead']}\t{r['text']}\n".encode())
    return h.hexdigest()


def write(model: ClassifyModel, folder: Path) -> None:
    text = json.dumps(model.to_json(), ensure_ascii=False, separators=(",", ":"))
    (folder / MODEL_FILE).write_text(text + "\n", encoding="utf-8")


def write_card(model: ClassifyModel, folder: Path) -> None:
    """classify_model.md beside the model: what it was trained on and what it reached, cross-validated."""
    meta = model.meta
    lines = [
        "# classify_model.json",
        "",
        "Written by `scripts/train_classify_model.py` (do not edit by hand); read by `core/classify_model.py`.",
        "",
        f"- version `{model.version}`, fields {', '.join(model.fields)}; L2 {meta.get('l2')}, unknown below "
        f"{meta.get('floor')}, the rules' answer overridden at {meta.get('override')}, demo weight "
        f"{meta.get('demo_weight')}, {meta.get('trained', '')}",
        f"- trained on {meta['trained_on']['support_labels']} labelled support tweets (bench/data/support_labels.tsv"
        f" ids + ../shared/data/support/twcs_first5000 texts, CC BY-NC-SA, labelled by docs/labels.md) and "
        f"{meta['trained_on']['demo_posts']} demo scenario posts (this project's own); only weights are kept",
        f"- data sha256 `{meta.get('data_sha256', '')}`",
        "",
        "5-fold cross-validation over the labelled tweets (each classified by a model that never saw it):",
        "",
        "| field | accuracy, rules | accuracy, model | wrong labels, rules | wrong labels, model | unknown |",
        "|---|---|---|---|---|---|",
    ]
    for name, row in meta.get("cross_validated", {}).items():
        b, a = row["before_rules"], row["after_model"]
        lines.append(f"| {name} | {b['accuracy']:.3f} | {a['accuracy']:.3f} | {b['wrong_labels']} | "
                     f"{a['wrong_labels']} | {a.get('unknown', 0)} |")  # fmt: skip
    lines += ["", "Per-label precision and recall: docs/guide/customers.md."]
    (folder / "classify_model.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--dry-run", action="store_true", help="figures only, write nothing")
    parser.add_argument("--limit", type=int, default=None, help="first N labelled tweets and demo posts")
    parser.add_argument("--out", type=Path, default=PACKAGE, help="folder to write the model into")
    args = parser.parse_args(argv)
    if not (args.data / TWCS).is_file():
        print(f"{args.data / TWCS} is missing: the training data lives outside the repository", file=sys.stderr)
        return 2
    started = time.time()
    real, demo = load_labelled(args.data, args.limit), load_demo(args.limit)
    x_real, x_demo = [post_features(r["text"]) for r in real], [post_features(r["text"]) for r in demo]
    print(f"5-fold cross-validation over {len(real)} labelled tweets (+ {len(demo)} demo posts in training):")
    figures = cross_validate(real, demo, x_real, x_demo)
    if args.dry_run:
        return 0
    digest = data_hash(real, demo)
    meta = {"trained_on": {"support_labels": len(real), "demo_posts": len(demo)}, "data_sha256": digest,
            "l2": L2, "floor": FLOOR, "override": OVERRIDE, "demo_weight": DEMO_WEIGHT, "cross_validated": figures,
            "script": "scripts/train_classify_model.py", "trained": time.strftime("%Y-%m-%d")}  # fmt: skip
    model = ClassifyModel(train(real, demo, x_real, x_demo), f"{time.strftime('%Y%m%d')}-{digest[:8]}", meta)
    write(model, args.out)
    write_card(model, args.out)
    size = (args.out / MODEL_FILE).stat().st_size
    print(f"wrote {args.out / MODEL_FILE}: {size:,} bytes, {time.time() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
