"""Train the learned sentiment model (LearnedAnalyzer) on ../shared/data and write it into the package.

Run from the repository root:  .venv/bin/python scripts/train_sentiment_model.py  [--data DIR] [--dry-run]

What it does:
1. Reads five labelled sources from ../shared/data/sentiment: the TweetEval validation split (2,000 tweets, 2017),
   VADER's tweets (4,200, 2010) and its amazon, movie and NYT snippets (3 classes, neutral band |rating/4| <= 0.05).
2. Cross-validation across sources: for each source, trains on the other four and scores it, next to VADER and
   the rule-based SocialAnalyzer. The L2 strength is fixed (L2); `--choose-l2` chooses it inside each fold by the
   same leave-one-source-out on the training sources only (scored on their tweet sources: the model is for tweets),
   so no reported figure comes from a post it saw.
3. Trains on all five for the shipped model, writes scrm_desktop/core/sentiment/sentiment_model.json (weights,
   threshold, the figures of step 2) and sentiment_model.md (its data card).
The model is a symmetric ordinal logistic regression: z = w . x, P(positive) = s(z - t), P(negative) = s(-z - t),
neutral in between; each source and class carries equal weight (macro-F1 counts classes equally). The features
include the rule-based analyzer's evidence (stacking); the sparse ones are scaled NBSVM-style before the fit (by how
unevenly they fall in positive and negative training posts), so the L2 penalty shrinks the features that do not
tell polarity apart most. numpy is used here only; the product reads the JSON as plain Python.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from scrm_desktop.core.sentiment import features as feat  # noqa: E402
from scrm_desktop.core.sentiment.evaluation import decode, gold_labels, macro_f1, parse_ground_truth  # noqa: E402
from scrm_desktop.core.sentiment.learned import FORMAT, MODEL_FILE, LearnedAnalyzer, SentimentModel  # noqa: E402

PACKAGE = REPO / "scrm_desktop" / "core" / "sentiment"
NAMES = np.array(["negative", "neutral", "positive"])
VADER_SETS = {
    "tweets": "tweets_GroundTruth.txt",
    "amazon": "amazonReviewSnippets_GroundTruth.txt",
    "movie": "movieReviewSnippets_GroundTruth.txt",
    "nyt": "nytEditorialSnippets_GroundTruth.txt",
}
TWEET_SOURCES = ("tweeteval", "tweets")
L2_GRID = (3e-4, 1e-3, 3e-3, 1e-2)  # searched with --choose-l2 (nested: 16 fits per fold, about 2 s each)
L2 = 3e-3  # otherwise: what the nested search chose for held-out TweetEval (it never saw TweetEval)
NB_ALPHA = 0.1  # NBSVM smoothing of the positive and negative feature counts (fixed, not searched)
MIN_DF = 3  # a feature must occur in three training posts
PRUNE = 0.03  # weights smaller than this are dropped from the file (and from every cross-validated figure)
TWEETEVAL_FOLDS = 5
ROUND = 4  # decimals kept in the model file


# --- data -------------------------------------------------------------------------------------------------------


def load_sources(data: Path, limit: int | None = None) -> dict[str, tuple[list[str], np.ndarray]]:
    """name -> (texts, class per text: 0 negative, 1 neutral, 2 positive)."""
    order = {"negative": 0, "neutral": 1, "positive": 2}
    folder = data / "sentiment"
    te = folder / "tweeteval_val"
    texts = (te / "val_text.txt").read_text(encoding="utf-8").splitlines()
    labels = [int(x) for x in (te / "val_labels.txt").read_text(encoding="utf-8").split()]
    out = {"tweeteval": (texts, np.array(labels))}
    for name, file in VADER_SETS.items():
        rows = parse_ground_truth(decode((folder / "vader_ground_truth" / file).read_bytes()))
        out[name] = ([t for t, _ in rows], np.array([order[g] for g in gold_labels(r for _, r in rows)]))
    if limit:
        out = {k: (t[:limit], y[:limit]) for k, (t, y) in out.items()}
    return out


class Corpus:
    """All posts' feature dicts, extracted once, with their source and class."""

    def __init__(self, sources: dict[str, tuple[list[str], np.ndarray]]) -> None:
        self.names = list(sources)
        self.docs = [feat.extract(t) for texts, _ in sources.values() for t in texts]
        self.y = np.concatenate([y for _, y in sources.values()])
        self.source = np.concatenate([np.full(len(y), i) for i, (_, y) in enumerate(sources.values())])

    def vocabulary(self, idx: np.ndarray) -> list[str]:
        df: dict[str, int] = {}
        for i in idx:
            for key in self.docs[i]:
                df[key] = df.get(key, 0) + 1
        return sorted(k for k, n in df.items() if n >= MIN_DF or k in feat.DENSE)

    def matrix(self, idx: np.ndarray, vocab: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """CSR (indptr, indices, values) of the posts in `idx` over `vocab`."""
        col = {k: j for j, k in enumerate(vocab)}
        indptr, indices, values = [0], [], []
        for i in idx:
            for key, v in self.docs[i].items():
                j = col.get(key)
                if j is not None:
                    indices.append(j)
                    values.append(v)
            indptr.append(len(indices))
        return np.array(indptr), np.array(indices, dtype=np.int64), np.array(values)

    def sample_weights(self, idx: np.ndarray) -> np.ndarray:
        """Each source weighs the same, then each class (of the whole mix) weighs the same; they average 1.
        (Balancing classes within each source instead gives movie's 2% neutral snippets a huge weight.)"""
        w = np.ones(len(idx))
        source, y = self.source[idx], self.y[idx]
        for s in np.unique(source):
            w[source == s] = 1.0 / np.sum(source == s)
        for c in np.unique(y):
            w[y == c] /= w[y == c].sum()
        return w * len(idx) / w.sum()


# --- the model ----------------------------------------------------------------------------------------------------


def _z(csr: tuple, w: np.ndarray) -> np.ndarray:
    indptr, indices, values = csr
    contrib = np.concatenate([w[indices] * values, [0.0]])
    z = np.add.reduceat(contrib, np.minimum(indptr[:-1], len(contrib) - 1))
    z[indptr[:-1] == indptr[1:]] = 0.0  # posts with no known feature
    return z


def _xt(csr: tuple, g: np.ndarray, n_features: int) -> np.ndarray:
    indptr, indices, values = csr
    rows = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
    return np.bincount(indices, weights=values * g[rows], minlength=n_features)


def _sig(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -30, 30)))


def fit(csr: tuple, y: np.ndarray, sw: np.ndarray, n_features: int, l2: float, steps: int = 400) -> tuple:
    """Symmetric ordinal logistic regression by full-batch Adam: (weights, threshold)."""
    w = np.zeros(n_features)
    s = 0.0  # threshold = softplus(s) > 0
    m, v = np.zeros(n_features + 1), np.zeros(n_features + 1)
    lr, b1, b2 = 0.05, 0.9, 0.999
    n = sw.sum()
    for step in range(1, steps + 1):
        t = np.log1p(np.exp(s))
        z = _z(csr, w)
        a, b = _sig(z - t), _sig(-z - t)
        neu = np.maximum(1 - a - b, 1e-9)
        gz = np.where(y == 2, -(1 - a), np.where(y == 0, 1 - b, (a * (1 - a) - b * (1 - b)) / neu))
        gt = np.where(y == 2, 1 - a, np.where(y == 0, 1 - b, -(a * (1 - a) + b * (1 - b)) / neu))
        grad = np.concatenate([_xt(csr, gz * sw, n_features) / n + l2 * w, [np.sum(gt * sw) / n * _sig(s)]])
        m = b1 * m + (1 - b1) * grad
        v = b2 * v + (1 - b2) * grad * grad
        update = lr * (m / (1 - b1**step)) / (np.sqrt(v / (1 - b2**step)) + 1e-8)
        w -= update[:-1]
        s -= update[-1]
    return w, float(np.log1p(np.exp(s)))


def predict(csr: tuple, w: np.ndarray, t: float) -> np.ndarray:
    z = _z(csr, w)
    return np.where(z > t, 2, np.where(z < -t, 0, 1))


def f1(y: np.ndarray, p: np.ndarray) -> float:
    return macro_f1(list(NAMES[y]), list(NAMES[p]))


def nb_scale(csr: tuple, y: np.ndarray, sw: np.ndarray, dense: np.ndarray) -> np.ndarray:
    """NBSVM (Wang & Manning 2012): each sparse feature's |log-count ratio| between positive and negative posts,
    scaled to mean 1; dense features keep 1. Fitting on x * r puts a larger L2 penalty on uninformative features."""
    indptr, indices, values = csr
    rows = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
    weight = np.abs(values) * sw[rows]
    pos = np.bincount(indices, weights=weight * (y[rows] == 2), minlength=len(dense)) + NB_ALPHA
    neg = np.bincount(indices, weights=weight * (y[rows] == 0), minlength=len(dense)) + NB_ALPHA
    r = np.abs(np.log((pos / pos.sum()) / (neg / neg.sum())))
    r /= np.mean(r)
    r[dense] = 1.0
    return r


def train(corpus: Corpus, idx: np.ndarray, l2: float) -> tuple[list[str], np.ndarray, float]:
    """(vocabulary, pruned weights, threshold) fitted on the posts in `idx` (NBSVM-scaled, weights unscaled back)."""
    vocab = corpus.vocabulary(idx)
    indptr, indices, values = corpus.matrix(idx, vocab)
    y, sw = corpus.y[idx], corpus.sample_weights(idx)
    dense = np.isin(np.array(vocab), feat.DENSE)
    r = nb_scale((indptr, indices, values), y, sw, dense)
    w, t = fit((indptr, indices, values * r[indices]), y, sw, len(vocab), l2)
    w *= r
    w[(np.abs(w) < PRUNE) & ~dense] = 0.0
    return vocab, w, t


def train_eval(corpus: Corpus, train_idx: np.ndarray, test: np.ndarray, l2: float) -> float:
    vocab, w, t = train(corpus, train_idx, l2)
    return f1(corpus.y[test], predict(corpus.matrix(test, vocab), w, t))


def tweeteval_folds(corpus: Corpus, l2: float, log=print) -> float:
    """TweetEval in five folds: trained on the other sources and four fifths of TweetEval, scored on the fifth
    (each tweet scored once, by a model that never saw it); macro-F1 over all the scored tweets."""
    k = corpus.names.index("tweeteval")
    te = np.where(corpus.source == k)[0]
    fold = np.arange(len(te)) % TWEETEVAL_FOLDS
    predicted = np.empty(len(te), dtype=np.int64)
    for f in range(TWEETEVAL_FOLDS):
        train_idx = np.concatenate([np.where(corpus.source != k)[0], te[fold != f]])
        vocab, w, t = train(corpus, train_idx, l2)
        predicted[fold == f] = predict(corpus.matrix(te[fold == f], vocab), w, t)
    score = f1(corpus.y[te], predicted)
    log(f"  tweeteval, 5 folds    learned {score:.4f}", flush=True)
    return score


def choose_l2(corpus: Corpus, sources: list[int]) -> float:
    """The L2 strength with the best mean leave-one-source-out macro-F1 within `sources`, scored on the tweet
    sources among them (the model is for tweets; the snippets prefer a weaker penalty), on all when none is."""
    tweets = [s for s in sources if corpus.names[s] in TWEET_SOURCES] or sources
    best = (-1.0, L2_GRID[0])
    for l2 in L2_GRID:
        scores = []
        for held in tweets:
            train = np.where(np.isin(corpus.source, [s for s in sources if s != held]))[0]
            scores.append(train_eval(corpus, train, np.where(corpus.source == held)[0], l2))
        best = max(best, (float(np.mean(scores)), l2))
    return best[1]


def cross_source(
    corpus: Corpus, texts: dict[str, list[str]], choose: bool = False, log=print
) -> dict[str, dict[str, float]]:
    """Per source: the learned model trained on the others (L2 chosen on the others), VADER and social."""
    from scrm_desktop.core.sentiment.social import SocialAnalyzer
    from scrm_desktop.core.sentiment.vader_analyzer import VaderAnalyzer

    order = {"negative": 0, "neutral": 1, "positive": 2}
    out: dict[str, dict[str, float]] = {}
    for k, name in enumerate(corpus.names):
        others = [s for s in range(len(corpus.names)) if s != k]
        l2 = choose_l2(corpus, others) if choose else L2
        train, test = np.where(corpus.source != k)[0], np.where(corpus.source == k)[0]
        y = corpus.y[test]
        row = {"learned": round(train_eval(corpus, train, test, l2), 4), "l2": l2}
        for analyzer in (VaderAnalyzer(), SocialAnalyzer()):
            row[analyzer.name] = round(f1(y, np.array([order[analyzer.analyze(t).label] for t in texts[name]])), 4)
        if name == "tweeteval":
            row["learned_5fold"] = round(tweeteval_folds(corpus, l2, log), 4)
        out[name] = row
        log(f"  held out {name:<9} learned {row['learned']:.4f}  vader {row['vader']:.4f}  "
            f"social {row['social']:.4f}  (l2 {l2:g}, {len(test)} posts)", flush=True)  # fmt: skip
    return out


# --- the shipped model ---------------------------------------------------------------------------------------------


def final_model(
    corpus: Corpus, figures: dict, data_hash: str, crowdflower: bool = True, choose: bool = False
) -> SentimentModel:
    everything = np.arange(len(corpus.y))
    l2 = choose_l2(corpus, list(range(len(corpus.names)))) if choose else L2
    vocab, w, t = train(corpus, everything, l2)
    weights = {k: round(float(x), ROUND) for k, x in zip(vocab, w, strict=True) if round(float(x), ROUND)}
    model = SentimentModel(weights, round(t, ROUND), 2.0)
    figures = {**figures, **(crowdflower_figures(model) if crowdflower else {})}
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO)
    meta = {
        "trained_on": {n: int(np.sum(corpus.source == i)) for i, n in enumerate(corpus.names)},
        "data_sha256": data_hash,
        "l2": l2,
        "min_df": MIN_DF,
        "prune": PRUNE,
        "cross_source_macro_f1": figures,
        "script": "scripts/train_sentiment_model.py",
        "code_commit": commit.stdout.strip(),
        "trained": time.strftime("%Y-%m-%d"),
    }
    version = f"{time.strftime('%Y%m%d')}-{data_hash[:8]}"
    return SentimentModel(weights, round(t, ROUND), 2.0, version, meta)


def crowdflower_figures(model: SentimentModel) -> dict[str, dict[str, float]]:
    """The CrowdFlower tweets' test half (2015, never trained on; bench/crowdflower.py): macro-F1 of the model
    trained on all five sources, next to VADER and social. {} when the wheel cannot be had."""
    sys.path.insert(0, str(REPO / "bench"))
    import crowdflower

    from scrm_desktop.core.sentiment.social import SocialAnalyzer
    from scrm_desktop.core.sentiment.vader_analyzer import VaderAnalyzer

    try:
        sets = crowdflower.splits()
    except crowdflower.Unavailable as exc:
        print(f"  CrowdFlower skipped: {exc}")
        return {}
    out = {}
    for name, key in (("crowdflower", "test"), ("crowdflower_airline", "test_airline")):
        gold = [label for _, label in sets[key]]
        row = {}
        for analyzer in (LearnedAnalyzer(model), VaderAnalyzer(), SocialAnalyzer()):
            row[analyzer.name] = round(macro_f1(gold, [analyzer.analyze(t).label for t, _ in sets[key]]), 4)
        out[name] = row
        print(f"  {name:<19} learned {row['learned']:.4f}  vader {row['vader']:.4f}  social {row['social']:.4f}")
    return out


def data_hash(sources: dict[str, tuple[list[str], np.ndarray]]) -> str:
    h = hashlib.sha256()
    for name, (texts, y) in sources.items():
        h.update(name.encode())
        for text, label in zip(texts, y, strict=True):
            h.update(f"{label}\t{text}\n".encode())
    return h.hexdigest()


def write(model: SentimentModel, folder: Path = PACKAGE) -> None:
    text = json.dumps(model.to_json(), ensure_ascii=False, sort_keys=False, separators=(",", ":"))
    (folder / MODEL_FILE).write_text(text + "\n", encoding="utf-8")


def write_card(model: SentimentModel, folder: Path = PACKAGE) -> None:
    """sentiment_model.md beside the model: what it was trained on and what it reached held out."""
    meta = model.meta or {}
    trained = meta.get("trained_on", {})
    lines = [
        "# sentiment_model.json",
        "",
        "Written by `scripts/train_sentiment_model.py` (do not edit by hand); read by `LearnedAnalyzer`.",
        "",
        f"- version `{model.version}`, {len(model.weights):,} weights, neutral threshold |z| <= {model.threshold}, "
        f"curve {model.curve}, format {FORMAT} (learned features, the rules' cues and the rules' evidence)",
        f"- trained on ../shared/data/sentiment: {', '.join(f'{k} {v:,}' for k, v in trained.items())}"
        " posts (the texts stay outside the package; only weights are kept)",
        f"- data sha256 `{meta.get('data_sha256', '')}`, L2 {meta.get('l2')}, min_df {meta.get('min_df')}, "
        f"prune |w| < {meta.get('prune')}, code {meta.get('code_commit', '')}, {meta.get('trained', '')}",
        "",
        "Macro-F1, each source held out (trained on the other four; CrowdFlower: never trained on):",
        "",
        "| held out | learned | VADER | social (rules) |",
        "|---|---|---|---|",
    ]
    for name, row in meta.get("cross_source_macro_f1", {}).items():
        lines.append(f"| {name} | {row['learned']:.3f} | {row['vader']:.3f} | {row['social']:.3f} |")
        if "learned_5fold" in row:  # trained on the other four and four fifths of TweetEval, each tweet scored once
            lines.append(f"| {name}, 5-fold | {row['learned_5fold']:.3f} | {row['vader']:.3f} | {row['social']:.3f} |")
    lines += ["", "See docs/sentiment.md for how to read the figures."]
    (folder / "sentiment_model.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--dry-run", action="store_true", help="figures only, write nothing")
    parser.add_argument("--limit", type=int, default=None, help="first N posts per source (a quick check)")
    parser.add_argument("--out", type=Path, default=PACKAGE, help="folder to write the model into")
    parser.add_argument("--choose-l2", action="store_true", help="choose L2 by nested leave-one-source-out")
    parser.add_argument("--no-crowdflower", action="store_true", help="skip the CrowdFlower cross-check")
    args = parser.parse_args(argv)
    if not (args.data / "sentiment" / "tweeteval_val").is_dir():
        print(f"{args.data}/sentiment is missing: the training data lives outside the repository", file=sys.stderr)
        return 2
    started = time.time()
    sources = load_sources(args.data, args.limit)
    corpus = Corpus(sources)
    print("cross-validation across sources (train on four, score the fifth):", flush=True)
    figures = cross_source(corpus, {k: t for k, (t, _) in sources.items()}, choose=args.choose_l2)
    if args.dry_run:
        return 0
    model = final_model(corpus, figures, data_hash(sources), crowdflower=not args.no_crowdflower, choose=args.choose_l2)
    write(model, args.out)
    write_card(model, args.out)
    print(f"wrote {args.out / MODEL_FILE}: {len(model.weights)} weights, threshold {model.threshold}, "
          f"{time.time() - started:.0f} s")  # fmt: skip
    LearnedAnalyzer(model).analyze("smoke test :)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
