"""The PyInstaller bundle starts and renders a snapshot offscreen. Runs after `make bundle` (dist/ present)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

BUNDLE = Path(__file__).resolve().parent.parent / "dist" / "scrm-desktop" / "scrm-desktop"


@pytest.mark.slow
def test_the_bundle_starts_offscreen_and_takes_a_snapshot(tmp_path: Path):
    if not BUNDLE.exists():
        pytest.skip("no bundle: run `make bundle` first")
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    out = tmp_path / "shot.png"
    args = [str(BUNDLE), "--basedir", str(tmp_path / "home"), "--demo", "snapshot", "--out", str(out)]
    result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert out.read_bytes().startswith(b"\x89PNG")


@pytest.mark.slow
def test_the_bundle_imports_a_file_with_worker_processes(tmp_path: Path):
    """The bundle's big ingest spawns the executable again as its workers (freeze_support in __main__.py): each
    runs the worker, not a second app, and the posts are stored once."""
    if not BUNDLE.exists():
        pytest.skip("no bundle: run `make bundle` first")
    rows = ["id,text,author,created_at"]
    rows += [f"b{i},the router drops again {i},user{i % 20},2026-12-01T10:00:00Z" for i in range(6000)]
    csv = tmp_path / "posts.csv"
    csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    env = {**os.environ, "SCRM_INGEST_WORKERS": "2", "QT_QPA_PLATFORM": "offscreen"}
    args = [str(BUNDLE), "--basedir", str(tmp_path / "home"), "import", str(csv)]
    result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "6000 row(s): 6000 new post(s)" in result.stdout
    assert "Traceback" not in result.stderr
