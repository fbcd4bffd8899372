"""Checks that a change to the default analyzer keeps its answers: scores, labels and every reason, identical on
the labelled sentiment texts of ../shared/data (25,703 texts) and the support tweets, batch and one by one.

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


def answers(batch: bool) -> list[list]:
    from scrm_desktop.core.sentiment.social import SocialAnalyzer

    analyzer = SocialAnalyzer()
    items = texts()
    found = analyzer.score_many(items) if batch else [analyzer.analyze(t) for t in items]
    return [[r.score, r.label, [[x.cue, x.weight, x.kind] for x in r.reasons]] for r in found]


def main() -> int:
    from _probes.equivalence import write_or_check

    expected = write_or_check(__doc__, lambda: answers(batch=False))
    if expected is None:
        return 0
    items = texts()
    bad = 0
    for mode in (False, True):
        got = json.loads(json.dumps(answers(batch=mode)))
        diff = [i for i, (a, b) in enumerate(zip(expected, got, strict=True)) if a != b]
        bad += len(diff)
        print(f"{'score_many' if mode else 'analyze'}: {len(got) - len(diff)}/{len(got)} identical")
        for i in diff[:5]:
            print(f"  {items[i]!r}\n    expected {expected[i]}\n    got      {got[i]}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.path[:0] = [str(REPO), str(REPO / "bench")]
    sys.exit(main())
