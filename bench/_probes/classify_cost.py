"""Instructions per classify() call, for callgrind: classifies N bench-corpus posts after a warm pass.

    valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.N python bench/_probes/classify_cost.py N
Run it with N and with 0, with PYTHONHASHSEED=0: (Ir(N) - Ir(0)) / N is one call's cost (the set-up, the warm pass
and the sentiment labels are the same in both runs). `--corrections` classifies with a workspace's agent corrections.
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from _probes.corpus import Corpus  # noqa: E402
from scrm_desktop.core.classify import _analyzer, classify  # noqa: E402
from scrm_desktop.core.classify_model import Corrections  # noqa: E402

POSTS = 2000


def main() -> None:
    n = int(sys.argv[1])
    corrections = (
        Corrections([("my order never arrived and nobody answers", "", "trait", "past")])
        if "--corrections" in sys.argv
        else None
    )
    posts = [(p.text, p.title) for p in Corpus(seed=1).post_ins(POSTS)]
    labels = [_analyzer().analyze(t).label for t, _ in posts]
    for (text, title), label in zip(posts, labels, strict=True):  # the warm pass
        classify(text, title, corrections, label).as_json()
    gc.collect()
    gc.freeze()  # the collector paused, as ingest pauses it per batch: its passes would land in one run, not the other
    gc.disable()
    for (text, title), label in zip(posts[:n], labels[:n], strict=True):
        classify(text, title, corrections, label).as_json()


if __name__ == "__main__":
    main()
