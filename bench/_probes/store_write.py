"""The store stage alone: the batches an ingest of N Corpus posts hands `PostRepo.write_batch` (captured once, kept
in a pickle in the temp folder), written again into a new workspace, timed (wall and CPU) per post and by stage.

    .venv/bin/python bench/_probes/store_write.py          # the store and the post stages
    .venv/bin/python bench/_probes/store_write.py bare     # the store alone
    .venv/bin/python bench/_probes/store_write.py prof     # with cProfile, by own time

Run from the root of the checkout to measure (its scrm_desktop is imported). Instructions per post, stable on a
shared machine: `valgrind --tool=callgrind` on this with LIMIT=0 (no batch written) and without, the difference
divided by N. Environment: N (posts, 20,000), LIMIT (batches written, all).
"""

from __future__ import annotations

import cProfile
import os
import pickle
import pstats
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path.cwd() / "bench"))
sys.path.insert(0, str(Path.cwd()))

from scrm_desktop.workspace import Workspace

N = int(os.environ.get("N", "20000"))
CLOCK = datetime(2025, 3, 1, tzinfo=UTC)


def batches() -> list[tuple[list[Any], datetime, list[Any]]]:
    cache = Path(tempfile.gettempdir()) / f"scrm_store_write_{N}.pkl"
    if cache.exists():
        return pickle.loads(cache.read_bytes())  # our own file, written below
    from _probes.corpus import Corpus

    got: list[tuple[list[Any], datetime, list[Any]]] = []
    with tempfile.TemporaryDirectory() as d:
        ws = Workspace.open(basedir=d, clock=lambda: CLOCK)
        repo = ws.db.posts
        write = repo.write_batch

        def record(batch: Any, **kw: Any) -> Any:
            got.append((list(batch), kw["now"], list(kw.get("edits", ()))))
            return write(batch, **kw)

        repo.write_batch = record  # type: ignore[method-assign]
        ws.ingestor.ingest(Corpus(seed=1).post_ins(N), batch_size=1000)
        ws.close()
    cache.write_bytes(pickle.dumps(got))
    return got


def main() -> None:
    mode = sys.argv[1] if len(sys.argv) > 1 else "stages"
    todo = batches()[: int(os.environ.get("LIMIT", "1000000"))]
    n = sum(len(b) for b, _, _ in todo) or 1
    profile = cProfile.Profile() if mode == "prof" else None
    with tempfile.TemporaryDirectory() as d:
        ws = Workspace.open(basedir=d, clock=lambda: CLOCK)
        ingestor = ws.ingestor
        stages = () if mode == "bare" else ingestor._after
        wall, cpu = time.perf_counter(), time.process_time()
        if profile:
            profile.enable()
        for batch, now, edits in todo:
            inside = sum(ingestor.stage_seconds[s.name] for s in stages)
            started = time.perf_counter()
            ws.db.posts.write_batch(batch, now=now, stages=stages, edits=edits)
            spent = time.perf_counter() - started
            ingestor.stage_seconds["store"] += spent - (sum(ingestor.stage_seconds[s.name] for s in stages) - inside)
        if profile:
            profile.disable()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(f"{n} posts: {wall / n * 1e6:.1f} us/post wall, {cpu / n * 1e6:.1f} us/post CPU")
        for name, seconds in ingestor.stage_seconds.items():
            print(f"  {name:18s} {seconds / n * 1e6:8.1f} us/post")
        ws.close()
    if profile:
        pstats.Stats(profile).sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
