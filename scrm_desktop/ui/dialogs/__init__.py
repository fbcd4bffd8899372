"""Dialogs of the main window: the Sources manager with its source and credentials forms."""

from scrm_desktop.ui.dialogs.sources_dialog import SourcesDialog

__all__ = ["SourcesDialog"]
