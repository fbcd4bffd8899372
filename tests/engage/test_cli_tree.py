"""`tree check`: valid files pass with a summary, broken files list each problem with its line."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

from scrm_desktop.engage.cli_tree import add_tree_parser, run_tree


def run(*argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser()
    add_tree_parser(parser.add_subparsers(dest="command"))
    out, err = io.StringIO(), io.StringIO()
    code = run_tree(None, parser.parse_args(["tree", "check", *argv]), out, err)
    return code, out.getvalue(), err.getvalue()


def test_the_default_tree_checks_out_and_lists_its_paths() -> None:
    code, out, _err = run("--paths")
    assert code == 0 and "OK (23 nodes, 17 paths)" in out
    assert "No, it is negative > No crisis signs > A troll (ridicules, provokes on purpose)  =>  Monitor only" in out


def test_a_broken_file_lists_every_problem_with_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "tree.yaml"
    bad.write_text("version: 1\ntitle: T\nstart: a\nnodes:\n  a:\n    action: fly\n    title: x\n    colour: red\n")
    code, out, err = run(str(bad))
    assert code == 1 and out == ""
    assert f"2 problem(s) in {bad}" in err
    assert f"{bad}:6: nodes.a.action: unknown action 'fly'" in err
    assert f"{bad}:8: nodes.a.colour: unknown field" in err
