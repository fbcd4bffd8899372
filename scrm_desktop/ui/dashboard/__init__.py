"""The measurement dashboard: charts over the rollups, spike alerts, per-channel measures."""

from scrm_desktop.ui.dashboard.view import DashboardView, render_dashboard

__all__ = ["DashboardView", "render_dashboard"]
