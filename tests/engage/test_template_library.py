"""The workspace's own template library: defaults until saved, the saved file read back, a broken file named."""

from __future__ import annotations

from pathlib import Path

import pytest

from scrm_desktop.engage.template_library import TemplateLibrary, check, new_id
from scrm_desktop.engage.templates import Template, TemplateError, default_templates


def test_defaults_until_saved_then_the_workspace_file(tmp_path: Path) -> None:
    library = TemplateLibrary(tmp_path / "config")
    defaults = default_templates()
    assert library.load() == defaults and not library.customized
    mine = Template("order-late", "apology", "Order late", "Hi {author_name}, your order ships [[when]].", ("email",))
    saved = library.save([*defaults[:2], mine])
    assert library.customized and saved[-1] == mine
    assert TemplateLibrary(tmp_path / "config").load() == [*defaults[:2], mine]
    assert (Path(__file__).resolve().parents[2] / "resources" / "templates.yaml").read_text().count("order-late") == 0
    assert library.reset() == defaults and not library.customized


def test_a_broken_workspace_file_leaves_the_defaults_in_use_and_says_where(tmp_path: Path) -> None:
    (tmp_path / "templates.yaml").write_text("templates:\n  - id: x\n    category: nope\n    title: X\n    text: Hi\n")
    library = TemplateLibrary(tmp_path)
    with pytest.raises(TemplateError, match=r"templates\.yaml:2: template 'x': unknown category"):
        library.load()
    assert library.load_or_defaults() == default_templates()
    assert "unknown category 'nope'" in library.problem


def test_checks_and_ids() -> None:
    ok = Template("a", "apology", "A", "Hi {author_name}")
    assert check(ok, []) == []
    assert check(ok, [ok]) == ["another template already uses the id 'a'"]
    assert "unknown variable {name}" in check(Template("b", "apology", "B", "Hi {name}"), [])[0]
    assert check(Template("c", "apology", " ", "Hi"), []) == ["title is empty"]
    assert new_id("Order late!", {"order-late"}) == "order-late-2"
