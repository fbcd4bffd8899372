"""Start-up time: process start to the first painted stream rows of the main window, against bare Qt."""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _probes.child import run_probe
from _probes.corpus import Corpus

from scrm_desktop.workspace import Workspace

QUICK = os.environ.get("SCRM_BENCH_QUICK") == "1"
PARTS = ("interpreter_s", "imports_s", "workspace_open_s", "build_window_s", "show_to_paint_s")


def prepare(basedir: Path, n: int) -> None:
    """A workspace holding `n` posts, written through the store (sentiment precomputed)."""
    ws = Workspace.open(basedir=str(basedir))
    try:
        for batch in Corpus(seed=2).new_posts(n, batch=1000):
            ws.db.posts.write_batch(batch, now=datetime(2025, 7, 1))
        stored = ws.db.posts.count()
    finally:
        ws.close()
    if stored != n:
        raise RuntimeError(f"prepared workspace holds {stored} posts, expected {n}")


def run() -> dict[str, Any]:
    n, runs = (1_000, 1) if QUICK else (10_000, 3)
    cold, hello = [], []
    with tempfile.TemporaryDirectory(prefix="scrm-bench-startup-") as d:
        basedir = Path(d) / "ws"
        prepare(basedir, n)
        for _ in range(runs):  # interleaved, so a busy moment on the machine hits both alike
            hello.append(run_probe("qt_hello.py", stamp=True, timeout=90))
            cold.append(run_probe("cold_start.py", "--basedir", str(basedir), stamp=True, timeout=90))
    if any(c["rows"] <= 0 for c in cold):
        raise RuntimeError("the main window painted no rows")
    cold_s = statistics.median(c["seconds"] for c in cold)
    hello_s = statistics.median(h["seconds"] for h in hello)
    return {
        "cold_start_s": round(cold_s, 3),
        "qt_hello_s": round(hello_s, 3),
        "cold_start_over_qt_hello_s": round(cold_s - hello_s, 3),
        "cold_start_parts_s": {p: round(statistics.median(c[p] for c in cold), 3) for p in PARTS},
        "cold_start_posts": n,
    }


if __name__ == "__main__":
    if "--quick" in sys.argv:
        QUICK = True
    print(json.dumps(run(), indent=2))
