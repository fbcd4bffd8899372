"""The workspace's own template library: `templates.yaml` in the workspace's config folder, beside the defaults
in resources/ (which are never edited). Until an agent saves a change, the defaults are the library; after that
the workspace file is the whole library. Removing the file goes back to the defaults."""

from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path

import yaml

from scrm_desktop.engage.decision_tree import CATEGORIES
from scrm_desktop.engage.templates import Template, TemplateError, default_templates, load_templates, parse_templates

FILE_NAME = "templates.yaml"
_ID = re.compile(r"[^a-z0-9]+")


class TemplateLibrary:
    def __init__(self, folder: str | Path) -> None:
        self.path = Path(folder) / FILE_NAME
        self.problem = ""  # why the workspace file could not be used (the defaults are used meanwhile)

    @property
    def customized(self) -> bool:
        return self.path.is_file()

    def load(self) -> list[Template]:
        """The workspace file when there is one (TemplateError names its line when it is broken), else defaults."""
        return load_templates(self.path) if self.customized else default_templates()

    def load_or_defaults(self) -> list[Template]:
        """As load(), but a broken workspace file leaves the defaults in use and says why in `problem`."""
        try:
            self.problem = ""
            return self.load()
        except TemplateError as exc:
            self.problem = str(exc)
            return default_templates()

    def save(self, templates: list[Template]) -> list[Template]:
        """Check the whole library (as it will be read back) and write it atomically; returns what was saved."""
        text = dump(templates)
        saved = parse_templates(text, str(self.path))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".yaml.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, self.path)
        self.problem = ""
        return saved

    def reset(self) -> list[Template]:
        self.path.unlink(missing_ok=True)
        return default_templates()


def dump(templates: list[Template]) -> str:
    """The library as YAML in the same shape as resources/templates.yaml."""
    items = []
    for t in templates:
        item: dict[str, object] = {"id": t.id, "category": t.category, "title": t.title, "text": t.text}
        if t.channels:
            item["channels"] = list(t.channels)
        if t.incident:
            item["incident"] = t.incident
        items.append(item)
    header = "# Reply templates of this workspace (written by Work > Templates…). Defaults: resources/templates.yaml\n"
    return header + yaml.safe_dump({"templates": items}, sort_keys=False, allow_unicode=True, width=100)


def check(template: Template, others: list[Template]) -> list[str]:
    """Problems with one edited template, in words (empty when it can be saved)."""
    problems = [f"{name} is empty" for name in ("title", "text") if not getattr(template, name).strip()]
    if template.category not in CATEGORIES:
        problems.append(f"unknown category {template.category!r}")
    if any(o.id == template.id for o in others):
        problems.append(f"another template already uses the id {template.id!r}")
    if not problems:
        try:
            parse_templates(dump([template]), "template")
        except TemplateError as exc:
            problems.append(str(exc).split(": ", 2)[-1])
    return problems


def new_id(title: str, taken: set[str]) -> str:
    """A readable id from the title, unique in the library."""
    base = _ID.sub("-", title.lower()).strip("-")[:40] or "template"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def with_changes(template: Template, **values: object) -> Template:
    return replace(template, **values)  # type: ignore[arg-type]
