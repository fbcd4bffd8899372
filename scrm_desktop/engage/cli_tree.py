"""`scrm-desktop tree check FILE`: validate a decision tree file and show its paths. The parser is built at every
start of every command (the GUI's too), so the tree and YAML are imported only when the command runs."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from scrm_desktop.workspace import Workspace


def add_tree_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("tree", help="decision tree files")
    actions = parser.add_subparsers(dest="tree_command", required=True)
    check = actions.add_parser("check", help="validate a decision tree file (errors name the line and field)")
    check.add_argument("file", nargs="?", help="the YAML file (default: the built-in tree)")
    check.add_argument("--paths", action="store_true", help="also list every path to its action")
    return parser


def run_tree(_ws: Workspace, args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Exit code 0 when the tree is valid, 1 with every problem listed (file:line: field: message)."""
    from scrm_desktop.engage.decision_tree import TreeError, default_tree_path, load_tree  # YAML: only for this

    out, err = out or sys.stdout, err or sys.stderr
    path = args.file or str(default_tree_path())
    try:
        tree = load_tree(path)
    except TreeError as exc:
        print(f"{len(exc.problems)} problem(s) in {path}:", file=err)
        for problem in exc.problems:
            print(f"  {problem}", file=err)
        return 1
    walks = list(tree.paths())
    print(f"{path}: OK ({len(tree.nodes)} nodes, {len(walks)} paths)", file=out)
    if args.paths:
        for labels, outcome in walks:
            print(f"  {' > '.join(labels)}  =>  {outcome.title} [{outcome.action}]", file=out)
    return 0
