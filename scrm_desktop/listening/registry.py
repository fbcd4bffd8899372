"""Plugin discovery through the `scrm_desktop.plugins` entry-point group; failures are collected, never fatal."""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass
from importlib.metadata import entry_points

from scrm_desktop.listening.api import Plugin

log = logging.getLogger(__name__)
GROUP = "scrm_desktop.plugins"


@dataclass(frozen=True)
class PluginFailure:
    name: str
    target: str
    error: str
    details: str


class PluginRegistry:
    def __init__(self) -> None:
        self._plugins: dict[str, type[Plugin]] = {}
        self.failures: list[PluginFailure] = []

    @classmethod
    def discover(cls) -> PluginRegistry:
        registry = cls()
        for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
            registry._load(ep)
        if registry.failures:
            log.warning(
                "%d plugin(s) failed to load: %s",
                len(registry.failures),
                "; ".join(f"{f.name}: {f.error}" for f in registry.failures),
            )
        return registry

    def _load(self, ep) -> None:  # type: ignore[no-untyped-def]
        try:
            plugin = ep.load()
            if not (isinstance(plugin, type) and issubclass(plugin, Plugin)):
                raise TypeError(f"{ep.value} is not a subclass of scrm_desktop.listening.api.Plugin")
            if plugin.name != ep.name:
                raise TypeError(f"plugin name {plugin.name!r} does not match its entry point {ep.name!r}")
        except Exception as exc:
            self.failures.append(
                PluginFailure(ep.name, ep.value, f"{type(exc).__name__}: {exc}", traceback.format_exc())
            )
            return
        self._plugins[ep.name] = plugin

    def add(self, plugin: type[Plugin]) -> None:
        """Register a plugin class directly (third-party code loaded another way, tests)."""
        self._plugins[plugin.name] = plugin

    def get(self, name: str) -> type[Plugin]:
        try:
            return self._plugins[name]
        except KeyError:
            failed = next((f for f in self.failures if f.name == name), None)
            if failed:
                raise LookupError(f"plugin {name!r} failed to load: {failed.error}") from None
            known = ", ".join(sorted(self._plugins)) or "none"
            raise LookupError(f"no plugin named {name!r} (installed: {known})") from None

    def names(self) -> list[str]:
        return sorted(self._plugins)

    def __contains__(self, name: object) -> bool:
        return name in self._plugins
