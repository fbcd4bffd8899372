"""First-party listening plugins. They ship like third-party ones: entry points in `scrm_desktop.plugins`."""
