"""The benchmark harness: a quick real ingest run, and how it merges, records failures and ends hung modules."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RUN = REPO / "bench" / "run.py"


def harness(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [sys.executable, str(RUN), *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout
    )


def test_quick_ingest_run_writes_figures_and_machine(tmp_path: Path) -> None:
    out = tmp_path / "latest.json"
    done = harness("--quick", "--only", "ingest", "--out", str(out))
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(out.read_text())
    assert result["modules"]["ingest"]["status"] == "ok"
    assert result["ingest_posts"] == 2000
    assert result["ingest_posts_per_s"] > 0
    assert result["sqlite_raw_rows_per_s"] > result["ingest_posts_per_s"]
    assert 0 < result["ingest_vs_raw_ratio"] < 1
    assert result["ingest_store_only_posts_per_s"] > 0
    assert 0 < result["sentiment_share_of_ingest"] < 1
    assert set(result["machine"]) >= {"cpu_count", "python", "platform", "sqlite"}
    assert result["git_commit"] and result["generated_at"]
    assert "ingest_posts_per_s" in done.stdout  # the printed table


def write_module(folder: Path, name: str, body: str) -> None:
    (folder / f"bench_{name}.py").write_text(f"def run():\n    {body}\n")


def test_modules_merge_and_a_failing_one_is_recorded_not_fatal(tmp_path: Path) -> None:
    mods = tmp_path / "mods"
    mods.mkdir()
    write_module(mods, "alpha", 'return {"rate": {"rss": 10.0}, "alpha_s": 1.5}')
    write_module(mods, "boom", 'raise ValueError("no data for this one")')
    write_module(mods, "gamma", 'return {"rate": {"mastodon": 20.0}}')
    write_module(mods, "skip", 'return {"skipped": "../shared/data is not present"}')
    out = tmp_path / "r.json"
    done = harness("--dir", str(mods), "--out", str(out))
    result = json.loads(out.read_text())
    assert done.returncode == 1  # a module failed, and the run says so
    assert result["rate"] == {"rss": 10.0, "mastodon": 20.0}
    assert result["alpha_s"] == 1.5
    assert result["modules"]["boom"]["status"] == "error"
    assert "ValueError: no data for this one" in result["modules"]["boom"]["error"]
    assert result["modules"]["skip"]["status"] == "skipped"
    assert result["modules"]["skip"]["skipped"] == "../shared/data is not present"
    assert "skipped" not in result  # a module's status never lands among the figures
    assert result["modules"]["gamma"]["status"] == "ok"


def test_only_refreshes_one_module_and_keeps_the_others(tmp_path: Path) -> None:
    mods = tmp_path / "mods"
    mods.mkdir()
    write_module(mods, "alpha", 'return {"alpha_s": 1.0}')
    write_module(mods, "beta", 'return {"beta_s": 2.0}')
    out = tmp_path / "r.json"
    assert harness("--dir", str(mods), "--out", str(out)).returncode == 0
    write_module(mods, "beta", 'return {"beta_s": 3.0}')
    assert harness("--dir", str(mods), "--only", "beta", "--out", str(out)).returncode == 0
    result = json.loads(out.read_text())
    assert (result["alpha_s"], result["beta_s"]) == (1.0, 3.0)
    assert harness("--dir", str(mods), "--only", "nope", "--out", str(out)).returncode != 0


def test_a_hung_module_is_ended_and_recorded(tmp_path: Path) -> None:
    mods = tmp_path / "mods"
    mods.mkdir()
    write_module(mods, "hang", "import threading; threading.Event().wait()")
    write_module(mods, "zeta", 'return {"zeta_s": 1.0}')
    out = tmp_path / "r.json"
    done = harness("--dir", str(mods), "--timeout", "2", "--out", str(out))
    result = json.loads(out.read_text())
    assert done.returncode == 1
    assert "timed out" in result["modules"]["hang"]["error"]
    assert result["zeta_s"] == 1.0
