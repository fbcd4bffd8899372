"""Start-up time: process start to the first painted stream rows of the main window, against bare Qt.

The app starts through its command line (`scrm_desktop.cli.main`, as `scrm-desktop --basedir DIR` does), on a
workspace that has been used before (10,000 posts, the agent's name set) and, separately, on the demo's very first
start (a fresh folder: the demo is seeded). Its own modules are byte-compiled first, as an installed package is
(pip compiles at install): a checkout run with PYTHONDONTWRITEBYTECODE=1 would otherwise compile every module from
source on every start, which no user's start does."""

from __future__ import annotations

import compileall
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
PARTS = ("interpreter_s", "to_qapp_s", "qapp_to_show_s", "show_to_paint_s")
REPO = Path(__file__).resolve().parent.parent


def prepare(basedir: Path, n: int) -> None:
    """A workspace holding `n` posts, written through the store (sentiment precomputed)."""
    ws = Workspace.open(basedir=str(basedir))
    try:
        for batch in Corpus(seed=2).new_posts(n, batch=1000):
            ws.db.posts.write_batch(batch, now=datetime(2025, 7, 1))
        stored = ws.db.posts.count()
        ws.set_agent_name("Bench Agent")  # a desktop used before: no "your name" dialog
    finally:
        ws.close()
    if stored != n:
        raise RuntimeError(f"prepared workspace holds {stored} posts, expected {n}")


def byte_compile() -> None:
    """Write the app's and its plugins' bytecode (__pycache__, ignored by git), as installing the package does."""
    for folder in ("scrm_desktop", "plugins"):
        if not compileall.compile_dir(str(REPO / folder), quiet=1):
            raise RuntimeError(f"could not byte-compile {folder}/")


def cpu(runs: list[dict[str, Any]]) -> float:
    """The median CPU seconds the process used up to the first paint (steadier than wall time on a busy machine)."""
    return statistics.median(r["cpu_s"] for r in runs)


def run() -> dict[str, Any]:
    n, runs = (1_000, 1) if QUICK else (10_000, 5)
    cold, demo, hello = [], [], []
    byte_compile()
    with tempfile.TemporaryDirectory(prefix="scrm-bench-startup-") as d:
        basedir = Path(d) / "ws"
        prepare(basedir, n)
        for i in range(runs):  # interleaved, so a busy moment on the machine hits all alike
            hello.append(run_probe("qt_hello.py", stamp=True, timeout=90))
            cold.append(run_probe("cold_start.py", "--basedir", str(basedir), stamp=True, timeout=90))
            fresh = str(Path(d) / f"demo-{i}")  # the demo's first start: seeded, then shown
            demo.append(run_probe("cold_start.py", "--basedir", fresh, "--demo", stamp=True, timeout=90))
    if any(c["rows"] <= 0 for c in cold + demo):
        raise RuntimeError("the main window painted no rows")
    cold_s = statistics.median(c["seconds"] for c in cold)
    demo_s = statistics.median(c["seconds"] for c in demo)
    hello_s = statistics.median(h["seconds"] for h in hello)
    return {
        "cold_start_s": round(cold_s, 3),
        "qt_hello_s": round(hello_s, 3),
        "cold_start_over_qt_hello_s": round(cold_s - hello_s, 3),
        "cold_start_ratio": round(cold_s / hello_s, 2),
        "cold_start_cpu_ratio": round(cpu(cold) / cpu(hello), 2),
        "cold_start_parts_s": {p: round(statistics.median(c[p] for c in cold), 3) for p in PARTS},
        "cold_start_posts": n,
        "demo_first_start_s": round(demo_s, 3),
        "demo_first_start_ratio": round(demo_s / hello_s, 2),
        "demo_first_start_cpu_ratio": round(cpu(demo) / cpu(hello), 2),
        "demo_first_start_parts_s": {p: round(statistics.median(c[p] for c in demo), 3) for p in PARTS},
        "runs": runs,
    }


if __name__ == "__main__":
    if "--quick" in sys.argv:
        QUICK = True
    print(json.dumps(run(), indent=2))
