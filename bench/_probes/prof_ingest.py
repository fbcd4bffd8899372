"""Profile of the ingest path: 9,000 Corpus posts (as bench_ingest makes them) after 1,000 to warm up, with
cProfile; prints the stage seconds, then the functions by own time and by cumulative time.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/_probes/prof_ingest.py
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _probes.corpus import Corpus
from scrm_desktop.workspace import Workspace


def main() -> None:
    items = Corpus(seed=1).post_ins(10000)
    profile = cProfile.Profile()
    with tempfile.TemporaryDirectory() as d:
        ws = Workspace.open(basedir=d, clock=lambda: datetime(2025, 3, 1, tzinfo=UTC))
        ws.ingestor.ingest(items[:1000], batch_size=1000)
        started = time.perf_counter()
        profile.enable()
        ws.ingestor.ingest(items[1000:], batch_size=1000)
        profile.disable()
        print("seconds", round(time.perf_counter() - started, 2))
        print({k: round(v, 2) for k, v in ws.ingestor.stage_seconds.items()})
        ws.close()
    pstats.Stats(profile).sort_stats("tottime").print_stats(35)
    pstats.Stats(profile).sort_stats("cumtime").print_stats(60)


if __name__ == "__main__":
    main()
