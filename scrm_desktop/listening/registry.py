"""Plugin discovery through the `scrm_desktop.plugins` entry-point group; failures are collected, never fatal.

Discovery reads the entry points only; a plugin's module is imported the first time it is asked for (`get`, `in`),
and all of them when the whole list is (`names`, `failures`, `load_all`): the app's window shows without importing
feedparser, httpx and every plugin's code."""

from __future__ import annotations

import logging
import threading
import traceback
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points

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
        self._pending: dict[str, EntryPoint] = {}  # found, not imported yet
        self._failures: list[PluginFailure] = []
        self._lock = threading.RLock()  # sources run on worker threads: one import per plugin, seen by all

    @classmethod
    def discover(cls) -> PluginRegistry:
        registry = cls()
        for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
            registry._pending.setdefault(ep.name, ep)
        return registry

    def load_all(self) -> None:
        """Import every plugin not imported yet; the ones that fail are logged together, once."""
        with self._lock:
            if not self._pending:
                return
            before = len(self._failures)
            for name in list(self._pending):
                self._resolve(name)
            failed = self._failures[before:]
        if failed:
            log.warning(
                "%d plugin(s) failed to load: %s", len(failed), "; ".join(f"{f.name}: {f.error}" for f in failed)
            )

    @property
    def failures(self) -> list[PluginFailure]:
        self.load_all()
        return self._failures

    def _resolve(self, name: str) -> None:
        with self._lock:
            ep = self._pending.pop(name, None)
            if ep is not None:
                self._load(ep)

    def _load(self, ep: EntryPoint) -> None:
        try:
            plugin = ep.load()
            if not (isinstance(plugin, type) and issubclass(plugin, Plugin)):
                raise TypeError(f"{ep.value} is not a subclass of scrm_desktop.listening.api.Plugin")
            if plugin.name != ep.name:
                raise TypeError(f"plugin name {plugin.name!r} does not match its entry point {ep.name!r}")
        except Exception as exc:
            self._failures.append(
                PluginFailure(ep.name, ep.value, f"{type(exc).__name__}: {exc}", traceback.format_exc())
            )
            return
        self._plugins[ep.name] = plugin

    def add(self, plugin: type[Plugin]) -> None:
        """Register a plugin class directly (third-party code loaded another way, tests)."""
        self._pending.pop(plugin.name, None)
        self._plugins[plugin.name] = plugin

    def get(self, name: str) -> type[Plugin]:
        self._resolve(name)
        try:
            return self._plugins[name]
        except KeyError:
            failed = next((f for f in self._failures if f.name == name), None)
            if failed:
                raise LookupError(f"plugin {name!r} failed to load: {failed.error}") from None
            known = ", ".join(self.names()) or "none"
            raise LookupError(f"no plugin named {name!r} (installed: {known})") from None

    def names(self) -> list[str]:
        self.load_all()
        return sorted(self._plugins)

    def __contains__(self, name: object) -> bool:
        if isinstance(name, str):
            self._resolve(name)
        return name in self._plugins
