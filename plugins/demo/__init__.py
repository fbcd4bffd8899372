"""The offline demo scenario plugin (entry point `demo`): a fictional brand heard on every channel."""

from .plugin import DemoPlugin

__all__ = ["DemoPlugin"]
