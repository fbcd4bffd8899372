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
