"""Instructions per classify() call, for callgrind: classifies N bench-corpus posts after a warm pass.

    valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.N python bench/_probes/classify_cost.py N
Run it with N and with 0, with PYTHONHASHSEED=0: (Ir(N) - Ir(0)) / N is one call's cost (the set-up, the warm pass
and the sentiment labels are the same in both runs). `--corrections` classifies with a workspace's agent corrections.
`--many` classifies as the ingest's enrich stage does: `classify_many` of batches of 1,000 (N a multiple of 1,000).
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from _probes.corpus import Corpus  # noqa: E402
from scrm_desktop.core.classify import _analyzer, classify, classify_many  # noqa: E402
from scrm_desktop.core.classify_model import Corrections  # noqa: E402

POSTS = 2000
BATCH = 1000


def main() -> None:
    n = int(sys.argv[1])
    corrections = (
        Corrections([("my order never arrived and nobody answers", "", "trait", "past")])
        if "--corrections" in sys.argv
        else None
    )
    posts = [(p.text, p.title) for p in Corpus(seed=1).post_ins(POSTS)]
    labels = [_analyzer().analyze(t).label for t, _ in posts]
    many = "--many" in sys.argv
    batches = [
        [(text, title, label) for (text, title), label in zip(posts[i : i + BATCH], labels[i : i + BATCH], strict=True)]
        for i in range(0, POSTS, BATCH)
    ]
    if many:  # the warm pass
        for batch in batches:
            [found.as_json() for found in classify_many(batch, corrections)]
    else:
        for (text, title), label in zip(posts, labels, strict=True):
            classify(text, title, corrections, label).as_json()
    gc.collect()
    gc.freeze()  # the collector paused, as ingest pauses it per batch: its passes would land in one run, not the other
    gc.disable()
    if many:
        for batch in batches[: n // BATCH]:
            [found.as_json() for found in classify_many(batch, corrections)]
    else:
        for (text, title), label in zip(posts[:n], labels[:n], strict=True):
            classify(text, title, corrections, label).as_json()


if __name__ == "__main__":
    main()
