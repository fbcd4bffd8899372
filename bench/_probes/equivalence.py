"""The command line of the equivalence checks (bench/*_equivalence.py): write the answers of the code to compare
against, or check the changed code's answers against them."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any


def write_or_check(doc: str | None, answers: Callable[[], Any]) -> Any:
    """`--write PATH`: answers() (any JSON value) written there, returns None. `--check PATH`: the answers written
    before."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", type=Path)
    group.add_argument("--check", type=Path)
    args = parser.parse_args()
    if args.write:
        args.write.write_text(json.dumps(answers()), encoding="utf-8")
        return None
    return json.loads(args.check.read_text(encoding="utf-8"))
