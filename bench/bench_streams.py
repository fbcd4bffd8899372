"""Streams at scale (issue 4): a 1,000,000-post workspace, then stream open, paging, search, memory and GUI
stalls under live ingest, each measured in a child process (bench/_probes/streams_ui.py)."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _probes.child import run_probe
from _probes.corpus import Corpus

from scrm_desktop.workspace import Workspace

QUICK = os.environ.get("SCRM_BENCH_QUICK") == "1"
BATCH = 10_000


def generate(basedir: Path, n: int, tag: str) -> dict[str, float]:
    """Write `n` posts through PostRepo.write_batch (sentiment precomputed), in batches of 10,000."""
    ws = Workspace.open(basedir=str(basedir))
    write_s: list[float] = []
    started = time.perf_counter()
    try:
        for batch in Corpus(seed=3, authors=20_000).new_posts(n, batch=BATCH):
            t = time.perf_counter()
            ws.db.posts.write_batch(batch, now=datetime(2025, 7, 1))
            write_s.append(time.perf_counter() - t)
        total = time.perf_counter() - started
        stored = ws.db.posts.count()
    finally:
        ws.close()
    if stored != n:
        raise RuntimeError(f"generated workspace holds {stored} posts, expected {n}")
    tenth = max(1, len(write_s) // 10)
    db = basedir / "data" / "scrm.db"
    return {
        f"generate_{tag}_s": round(total, 1),
        "generate_write_posts_per_s": round(n / sum(write_s), 1),
        # the store's write rate at the start and at the end of the run: does it sag as the table grows?
        "generate_write_posts_per_s_first_10pct": round(tenth * BATCH / sum(write_s[:tenth]), 1),
        "generate_write_posts_per_s_last_10pct": round(tenth * BATCH / sum(write_s[-tenth:]), 1),
        "db_mb": round(sum(f.stat().st_size for f in db.parent.glob("scrm.db*")) / 2**20, 1),
    }


def run() -> dict[str, Any]:
    n = 20_000 if QUICK else 1_000_000
    tag = "1m" if n == 1_000_000 else str(n)  # figures from a smaller database never pass for 1M ones
    stall_s, scroll_rows = ("3", "1000") if QUICK else ("30", "5000")
    with tempfile.TemporaryDirectory(prefix="scrm-bench-streams-") as d:
        big, empty = Path(d) / "big", Path(d) / "empty"
        out: dict[str, Any] = {"streams_posts": n, **generate(big, n, tag)}
        Workspace.open(basedir=str(empty)).close()
        where = ["--basedir", str(big), "--empty-basedir", str(empty), "--scroll-rows", scroll_rows]
        out.update(run_probe("streams_ui.py", "open", *where, timeout=300))
        # before the board probe, which saves a 6-column layout into this workspace
        cold = run_probe("cold_start.py", "--basedir", str(big), stamp=True, timeout=120)
        out[f"cold_start_s_{tag}"] = round(cold["seconds"], 3)
        board_empty = run_probe("streams_ui.py", "board", "--basedir", str(empty), "--stall-s", "0", timeout=120)
        board = run_probe("streams_ui.py", "board", "--basedir", str(big), "--stall-s", stall_s, timeout=300)
    out[f"rss_mb_{tag}"] = board.pop("rss_mb")
    out["rss_mb_empty"] = board_empty["rss_mb"]
    out["board_columns"] = board.pop("columns")
    out.update(board)
    return out


if __name__ == "__main__":
    if "--quick" in sys.argv:
        QUICK = True
    print(json.dumps(run(), indent=2))
