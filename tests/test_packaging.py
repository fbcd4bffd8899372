"""What a wheel or a frozen app would contain: every Python package folder is declared."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAPPING = {"scrm_desktop": "scrm_desktop", "scrm_plugins": "plugins", "scrm_resources": "resources"}


def test_every_package_folder_is_declared_in_pyproject():
    declared = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = set()
    for name, folder in MAPPING.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder)
            found.add(".".join((name, *rel.parts)))
    assert found == declared


def test_every_declared_plugin_entry_point_loads():
    from scrm_desktop.listening.registry import PluginRegistry

    registry = PluginRegistry.discover()
    assert registry.failures == []
    assert {"demo", "rss", "mastodon", "reddit", "hackernews", "bluesky", "youtube", "imap"} <= set(registry.names())
