"""Run a probe script in a child interpreter and read the one JSON line it prints last."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

PROBES = Path(__file__).resolve().parent
REPO = PROBES.parent.parent


class ProbeFailed(RuntimeError):
    """A probe crashed, timed out or reported an error; the message carries its last words."""


def run_probe(script: str, *args: str, timeout: float = 120.0, stamp: bool = False) -> dict[str, Any]:
    """Start bench/_probes/<script>; with `stamp`, pass `--t0 <time.time()>` taken just before the spawn."""
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    cmd = [sys.executable, str(PROBES / script), *args]
    if stamp:
        cmd += ["--t0", repr(time.time())]
    try:
        done = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise ProbeFailed(f"{script} did not finish within {timeout:.0f} s") from exc
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    report = json.loads(lines[-1]) if lines else {}
    if done.returncode or "error" in report or not lines:
        tail = (report.get("error") or done.stderr.strip()[-1500:] or done.stdout.strip()[-500:]) or "no output"
        raise ProbeFailed(f"{script} failed (exit {done.returncode}): {tail}")
    return report
