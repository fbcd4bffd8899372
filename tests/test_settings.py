"""A settings file that parses but holds a value of the wrong type (edited by hand): that value is named and its
default used, the rest kept, and nothing fails later on it (it used to: `listen` and `import` ended in tracebacks)."""

from __future__ import annotations

import json
from pathlib import Path

from scrm_desktop.cli import main
from scrm_desktop.settings import Settings


def test_a_value_of_the_wrong_type_is_named_and_its_default_used(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"agent_name": "ana", "backups_keep": "seven", "extra": 5, "demo_seeded": 1}))
    settings, told = Settings.load_reporting(path)
    assert (settings.agent_name, settings.backups_keep, settings.extra, settings.demo_seeded) == ("ana", 7, {}, False)
    assert told is not None and told.startswith(f"settings file {path}: backups_keep was 'seven', not a whole number")
    assert "extra was 5, not an object" in told and "demo_seeded was 1, not true or false" in told
    assert Settings.load_reporting(path.with_name("none.json")) == (Settings(), None)


def test_listen_and_import_run_on_the_defaults_and_say_which_value_was_wrong(tmp_path: Path, capsys) -> None:
    home = tmp_path / "home"
    (home / "config").mkdir(parents=True)
    (home / "config" / "settings.json").write_text('{"backups_keep": "seven", "extra": 5}', encoding="utf-8")
    posts = tmp_path / "posts.csv"
    posts.write_text("text\nmy refund never came\n", encoding="utf-8")
    assert main(["--basedir", str(home), "import", str(posts)]) == 0
    assert main(["--basedir", str(home), "listen", "--once"]) == 0
    captured = capsys.readouterr()
    assert "1 new post(s)" in captured.out and "Traceback" not in captured.err
    assert "backups_keep was 'seven', not a whole number" in captured.err
