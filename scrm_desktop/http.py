"""The one place httpx clients are made: timeouts, user agent, redirects, connection limits."""

from __future__ import annotations

import httpx

from scrm_desktop import __version__

USER_AGENT = f"scrm-desktop/{__version__} (+https://github.com/scrm-desktop/scrm-desktop)"
DEFAULT_TIMEOUT = httpx.Timeout(20.0, connect=10.0)


def make_client(timeout: float | httpx.Timeout | None = None) -> httpx.Client:
    """A synchronous client for worker threads. A hung server is cut by the timeout."""
    return httpx.Client(
        timeout=timeout if timeout is not None else DEFAULT_TIMEOUT,
        headers={"User-Agent": USER_AGENT},
        follow_redirects=True,
        limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
    )
