"""Instructions per post of the ingest's score stage (`score_many` of the default analyzer), for callgrind: scores
N bench-corpus posts (the texts `Drafts.scored_texts` gives) after a warm pass, in batches of 1,000.

    valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.N python bench/_probes/score_cost.py N
Run it with N and with 0 (N a multiple of 1,000), with PYTHONHASHSEED=0: (Ir(N) - Ir(0)) / N is one post's cost
(the set-up and the warm pass are the same in both runs). `--stage` runs the whole prepare stage (`Scorer`: the
batch's distinct texts scored, the rows' columns filled) instead of `score_many` alone.
"""

from __future__ import annotations

import gc
import sys
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from _probes.corpus import Corpus  # noqa: E402
from scrm_desktop.core.sentiment import default_analyzer, score_many  # noqa: E402
from scrm_desktop.listening.pipeline import post_key  # noqa: E402
from scrm_desktop.listening.prepare import Drafts, Scorer, normalise  # noqa: E402

POSTS = 2000
BATCH = 1000


def main() -> None:
    n = int(sys.argv[1])
    stage = "--stage" in sys.argv
    items = Corpus(seed=1).post_ins(POSTS)
    keys = [post_key(p) for p in items]
    analyzer = default_analyzer()
    scorer = Scorer(analyzer)
    batches = []
    for i in range(0, POSTS, BATCH):
        drafts = Drafts(items[i : i + BATCH], keys[i : i + BATCH], datetime(2025, 3, 1))
        normalise(drafts)
        batches.append(drafts)
    texts = [drafts.scored_texts() for drafts in batches]
    for drafts, batch in zip(batches, texts, strict=True):  # the warm pass
        scorer(drafts) if stage else score_many(analyzer, batch)
    gc.collect()
    gc.freeze()  # the collector paused, as ingest pauses it per batch
    gc.disable()
    for drafts, batch in zip(batches[: n // BATCH], texts[: n // BATCH], strict=True):
        scorer(drafts) if stage else score_many(analyzer, batch)


if __name__ == "__main__":
    main()
