"""Benchmark harness: runs every bench/bench_*.py in its own process and merges the results into one JSON file."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import resource
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
DEFAULT_OUT = BENCH_DIR / "results" / "latest.json"
QUICK_ENV = "SCRM_BENCH_QUICK"  # bench modules read it: "1" means small sizes (smoke test)
STATUS_KEYS = ("error", "skipped")


def discover(bench_dir: Path = BENCH_DIR) -> list[str]:
    """Module names of every bench_*.py in the folder, e.g. ["bench_ingest", "bench_startup"]."""
    return sorted(p.stem for p in bench_dir.glob("bench_*.py"))


def select(names: list[str], only: list[str] | None) -> list[str]:
    if not only:
        return names
    wanted = {o if o.startswith("bench_") else f"bench_{o}" for o in only}
    unknown = wanted - set(names)
    if unknown:
        raise SystemExit(f"no such benchmark: {', '.join(sorted(unknown))} (have: {', '.join(names)})")
    return [n for n in names if n in wanted]


# ---- child side: one module, one process ---------------------------------------------------------------------
def run_child(name: str, result_path: Path, bench_dir: Path = BENCH_DIR) -> int:
    """Import <bench_dir>/<name>.py, call run(), write {"result", "seconds", "max_rss_mb"} or {"error"} as JSON."""
    sys.path.insert(0, str(bench_dir))
    started = time.perf_counter()
    try:
        result = importlib.import_module(name).run()
        if not isinstance(result, dict):
            raise TypeError(f"run() returned {type(result).__name__}, not a dict")
        out: dict[str, Any] = {"result": result}
    except BaseException as exc:  # a failing module is recorded, never fatal to the harness
        traceback.print_exc()
        out = {"error": f"{type(exc).__name__}: {exc}"[:2000]}
    out["seconds"] = round(time.perf_counter() - started, 2)
    out["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    result_path.write_text(json.dumps(out, default=str))
    return 0 if "error" not in out else 1


# ---- parent side ---------------------------------------------------------------------------------------------
def spawn(name: str, quick: bool, timeout: float, bench_dir: Path) -> dict[str, Any]:
    """Run one module in a fresh interpreter (own process group, so a timeout also ends its probes)."""
    env = dict(os.environ)
    env[QUICK_ENV] = "1" if quick else "0"
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    # One process per figure, as the floors are (bench_ingest measures big ingests with worker processes itself:
    # ingest_workers_*), so the figures stay comparable with the earlier runs'.
    env.setdefault("SCRM_INGEST_WORKERS", "0")
    with tempfile.TemporaryDirectory(prefix="scrm-bench-run-") as tmp:
        result_path = Path(tmp) / "result.json"
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child", name, "--result", str(result_path)]
        cmd += ["--dir", str(bench_dir)]
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, start_new_session=True)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return {"error": f"timed out after {timeout:.0f} s", "seconds": round(time.perf_counter() - started, 1)}
        if not result_path.exists():
            return {"error": f"the benchmark process exited with code {proc.returncode} before reporting"}
        return json.loads(result_path.read_text())


def merge(into: dict[str, Any], new: dict[str, Any], path: str = "") -> list[str]:
    """Merge `new` into `into`: nested dicts merge by key; returns the keys both already had as numbers."""
    clashes = []
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            clashes += merge(into[key], value, f"{path}{key}.")
        elif key in into and into[key] != value:
            clashes.append(f"{path}{key}")
            into[key] = value
        else:
            into[key] = value
    return clashes


def machine() -> dict[str, Any]:
    versions = {}
    for dist in ("pyside6-essentials", "sqlalchemy", "textblob"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "absent"
    return {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
        "versions": versions,
    }


def git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip() or "unknown"


def collect(names: list[str], quick: bool, timeout: float, base: dict[str, Any], bench_dir: Path) -> dict[str, Any]:
    results = base
    modules = results.setdefault("modules", {})
    for name in names:
        short = name.removeprefix("bench_")
        print(f"== {short} ...", file=sys.stderr, flush=True)
        got = spawn(name, quick, timeout, bench_dir)
        metrics = dict(got.get("result") or {})
        entry = {k: got[k] for k in ("seconds", "max_rss_mb", "error") if k in got}
        entry.update({k: str(metrics.pop(k)) for k in STATUS_KEYS if k in metrics})
        entry["status"] = "error" if "error" in entry else "skipped" if "skipped" in entry else "ok"
        entry["quick"] = quick
        clashes = merge(results, metrics)
        if clashes:
            entry["overwrote"] = clashes
        modules[short] = entry
        print(f"== {short}: {entry['status']} in {entry.get('seconds', '?')} s", file=sys.stderr, flush=True)
    return results


def flatten(d: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    rows = []
    for key in sorted(d):
        value = d[key]
        if isinstance(value, dict):
            rows += flatten(value, f"{prefix}{key}.")
        else:
            rows.append((f"{prefix}{key}", value))
    return rows


def table(results: dict[str, Any]) -> str:
    metrics = {k: v for k, v in results.items() if k not in ("machine", "modules", "generated_at", "git_commit")}
    lines = [f"{'metric':<48} value"]
    for key, value in flatten(metrics):
        shown = f"{value:,.3f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)
        lines.append(f"{key:<48} {shown}")
    for name, entry in sorted(results.get("modules", {}).items()):
        note = entry.get("error") or entry.get("skipped") or ""
        lines.append(f"[{name}] {entry.get('status')} {entry.get('seconds', '?')} s {note}".rstrip())
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--only", action="append", metavar="NAME", help="run one module (ingest or bench_ingest)")
    ap.add_argument("--quick", action="store_true", help="small sizes: a smoke test, not a measurement")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"result file (default {DEFAULT_OUT})")
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds allowed per module")
    ap.add_argument("--dir", type=Path, default=BENCH_DIR, help="where the bench_*.py modules are (for tests)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        return run_child(args.child, args.result, args.dir.resolve())

    bench_dir = args.dir.resolve()
    names = select(discover(bench_dir), args.only)
    # --only refreshes those modules' figures in an existing file and keeps the rest
    base: dict[str, Any] = {}
    if args.only and args.out.exists():
        try:
            base = json.loads(args.out.read_text())
        except (OSError, ValueError):
            base = {}
    results = collect(names, args.quick, args.timeout, base, bench_dir)
    results["machine"] = machine()
    results["generated_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    results["git_commit"] = git_commit()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    tmp.replace(args.out)
    print(table(results))
    print(f"wrote {args.out}")
    ran = {n.removeprefix("bench_") for n in names}
    return 1 if any(results["modules"][n]["status"] == "error" for n in ran) else 0


if __name__ == "__main__":
    sys.exit(main())
