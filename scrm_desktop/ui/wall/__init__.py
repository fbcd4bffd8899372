"""The wall-mounted command-center display: a full-screen, large-type, unattended view."""

from scrm_desktop.ui.wall.view import WallView, render_wall

__all__ = ["WallView", "render_wall"]
