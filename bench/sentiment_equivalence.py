"""Checks that a change to the default analyzer keeps its answers: scores, labels and every reason, identical on
the labelled sentiment texts of ../shared/data (25,703 texts) and the support tweets, batch and one by one, with
the shipped weights and with three other sets of weights (a speed-up must keep the answers whatever training
chooses: VADER's defaults, unusual strengths, and the rules switched off).

    python bench/sentiment_equivalence.py --write before.json   # on the code to compare against (e.g. main)
    python bench/sentiment_equivalence.py --check before.json   # on the changed code: exit 1 on any difference
"""

from __future__ import annotations

import csv
import json
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("SCRM_SHARED_DATA") or REPO.parent / "shared" / "data")


def texts() -> list[str]:
    from scrm_desktop.core.sentiment.evaluation import decode, parse_ground_truth

    out: list[str] = []
    for file in sorted((DATA / "sentiment" / "vader_ground_truth").glob("*_GroundTruth.txt")):
        out += [text for text, _ in parse_ground_truth(decode(file.read_bytes()))]
    out += (DATA / "sentiment" / "tweeteval_val" / "val_text.txt").read_text(encoding="utf-8").splitlines()
    with (DATA / "support" / "twcs_first5000" / "twcs_first5000.csv").open(encoding="utf-8", newline="") as f:
        out += [row["text"] for row in csv.DictReader(f)]
    return out


# Rule strengths and output layers besides the shipped ones (None: the shipped weights).
VARIANTS: dict[str, tuple[dict[str, float], dict[str, float]] | None] = {
    "shipped": None,
    "vader": ({}, {}),  # RuleParams' and OutputLayer's defaults
    "unusual": (
        {"negation": -0.5, "booster": 0.41, "caps": 1.1, "elongation": 0.17, "but_before": 0.7, "but_after": 1.2,
         "question": 0.8, "question_only": 0.3, "name": 0.6, "link": 0.9, "sarcasm": -0.3, "exclaim": 0.4},
        {"pos": 1.2, "neg": 0.9, "emphasis": 1.5, "alpha": 10.0},
    ),
    "off": (
        {"negation": 1.0, "booster": 0.0, "caps": 0.0, "elongation": 0.0, "but_before": 1.0, "but_after": 1.0,
         "question": 1.0, "question_only": 1.0, "name": 1.0, "link": 1.0, "sarcasm": 1.0, "exclaim": 0.0},
        {"emphasis": 0.0},
    ),
}  # fmt: skip


def answers(batch: bool, variant: str = "shipped") -> list[list]:
    from scrm_desktop.core.sentiment.model import OutputLayer, RuleParams, Weights
    from scrm_desktop.core.sentiment.social import SocialAnalyzer

    given = VARIANTS[variant]
    analyzer = SocialAnalyzer(None if given is None else Weights(RuleParams(**given[0]), OutputLayer(**given[1])))
    items = texts()
    found = analyzer.score_many(items) if batch else [analyzer.analyze(t) for t in items]
    return [[r.score, r.label, [[x.cue, x.weight, x.kind] for x in r.reasons]] for r in found]


def main() -> int:
    from _probes.equivalence import write_or_check

    expected = write_or_check(__doc__, lambda: {variant: answers(batch=False, variant=variant) for variant in VARIANTS})
    if expected is None:
        return 0
    if isinstance(expected, list):  # written before the variants: the shipped weights only
        expected = {"shipped": expected}
    items = texts()
    bad = 0
    for variant, want in expected.items():
        for mode in (False, True):
            got = json.loads(json.dumps(answers(batch=mode, variant=variant)))
            diff = [i for i, (a, b) in enumerate(zip(want, got, strict=True)) if a != b]
            bad += len(diff)
            how = "score_many" if mode else "analyze"
            print(f"{variant} weights, {how}: {len(got) - len(diff)}/{len(got)} identical")
            for i in diff[:5]:
                print(f"  {items[i]!r}\n    expected {want[i]}\n    got      {got[i]}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.path[:0] = [str(REPO), str(REPO / "bench")]
    sys.exit(main())
