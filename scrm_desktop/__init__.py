"""scrm-desktop: a desktop Social CRM command center."""

__version__ = "0.1.0"
