"""The launcher entries and service units in packaging/ pass their platform's own checkers (skipped where the
checker is not installed)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

PACKAGING = Path(__file__).resolve().parent.parent / "packaging"


@pytest.mark.parametrize("entry", sorted(PACKAGING.glob("*.desktop")), ids=lambda p: p.name)
def test_desktop_entries_validate(entry: Path):
    tool = shutil.which("desktop-file-validate")
    if tool is None:
        pytest.skip("desktop-file-validate is not installed (Debian: desktop-file-utils)")
    result = subprocess.run([tool, str(entry)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0 and "error" not in result.stdout.lower(), result.stdout


@pytest.mark.parametrize("unit", sorted(PACKAGING.glob("*.service")), ids=lambda p: p.name)
def test_service_units_verify(unit: Path, tmp_path: Path):
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze is not installed")
    program = tmp_path / "bin" / "scrm-desktop"  # where %h/.local/bin/scrm-desktop would be after install
    program.parent.mkdir()
    program.write_text("#!/bin/sh\n", encoding="utf-8")
    program.chmod(0o755)
    text = unit.read_text(encoding="utf-8")
    assert "ExecStart=%h/.local/bin/scrm-desktop " in text
    copy = tmp_path / unit.name
    copy.write_text(text.replace("%h/.local/bin/scrm-desktop", str(program)), encoding="utf-8")
    result = subprocess.run([tool, "verify", str(copy)], capture_output=True, text=True, timeout=60)
    problems = [line for line in result.stderr.splitlines() if unit.name in line or copy.name in line]
    assert result.returncode == 0 or not problems, result.stderr
