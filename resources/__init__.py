"""Data files shipped with scrm-desktop (icons, themes, default decision tree and templates)."""
