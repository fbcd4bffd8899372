"""The schema revisions this version knows, read from the migration files without running them (nor importing
SQLAlchemy or alembic): the start compares them with the database's before anything else is imported."""

from __future__ import annotations

import ast
import contextlib
import functools
import re
from pathlib import Path

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


@functools.cache
def known_revisions() -> frozenset[str]:
    """Every schema revision this version knows (empty when a migration file cannot be read that way)."""
    found = [_assigned(path, ("revision",)).get("revision") for path in (MIGRATIONS_DIR / "versions").glob("[!_]*.py")]
    return frozenset(found) if all(isinstance(r, str) for r in found) else frozenset()


@functools.cache
def migration_heads() -> frozenset[str]:
    """The newest revisions, read from the migration files (a revision no other one names as its down_revision);
    empty when a file cannot be read that way, and alembic decides."""
    revisions: set[str] = set()
    downs: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("[!_]*.py"):
        found = _assigned(path, ("revision", "down_revision"))
        if not isinstance(found.get("revision"), str):
            return frozenset()
        revisions.add(found["revision"])
        down = found.get("down_revision")
        downs.update([down] if isinstance(down, str) else down or ())
    return frozenset(revisions - downs)


def _assigned(path: Path, names: tuple[str, ...]) -> dict[str, object]:
    """Literal values assigned at a module's top level to `names`, read without running the module. Each such
    assignment is one line in a migration file (`down_revision = ("0003", "0004")`): those lines are read as
    literals, and only a file where one is not a one-line literal is parsed whole (parsing every migration
    took a tenth of the app's start)."""
    text = path.read_text(encoding="utf-8")
    found: dict[str, object] = {}
    for match in _TOP_LEVEL_ASSIGNMENT.finditer(text):
        name, value = match.group(1), match.group(2)
        if name not in names:
            continue
        try:
            found[name] = ast.literal_eval(value.split("#")[0].strip())
        except (ValueError, SyntaxError):  # not a one-line literal: read the module properly
            return _assigned_parsed(text, names)
    return found


_TOP_LEVEL_ASSIGNMENT = re.compile(r"^([A-Za-z_]\w*)\s*(?::[^=\n]*)?=(?!=)([^\n]*)$", re.MULTILINE)


def _assigned_parsed(text: str, names: tuple[str, ...]) -> dict[str, object]:
    found: dict[str, object] = {}
    for node in ast.parse(text).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in names:
            with contextlib.suppress(ValueError):
                found[target.id] = ast.literal_eval(value)
    return found
