"""Plugin discovery: entry points are read at start, each plugin imported when first asked for."""

from __future__ import annotations

from scrm_desktop.listening.registry import PluginRegistry


def test_a_plugin_is_imported_when_first_asked_for() -> None:
    """Discovery reads the entry points only; the list of plugins still names every installed one."""
    registry = PluginRegistry.discover()
    assert "rss" in registry.names() and "demo" in registry
    assert registry.get("rss").name == "rss"
    assert registry.failures == []
