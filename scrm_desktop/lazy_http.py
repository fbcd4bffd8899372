"""The workspace's shared HTTP client, made on first use: importing httpx and building its TLS context cost more
than a bare Qt window's whole start, and the main window shows long before the first fetch or reply."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


def _make_default() -> Any:
    from scrm_desktop.http import make_client

    return make_client()


class SharedClient:
    """Stands in for the one `httpx.Client` (scrm_desktop.http.make_client) the sources and the outbox share:
    any attribute is the real client's, made by the first thread that asks. `close()` closes it if it was made;
    a use after that fails as on any closed httpx client."""

    def __init__(self, make: Callable[[], Any] = _make_default) -> None:
        self._make = make
        self._client: Any = None
        self._closed = False
        self._lock = threading.Lock()

    @property
    def made(self) -> bool:
        """Whether the real client exists (a request was made through it)."""
        return self._client is not None

    def client(self) -> Any:
        with self._lock:
            if self._client is None:
                self._client = self._make()
                if self._closed:
                    self._client.close()
            return self._client

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client(), name)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._client is not None:
                self._client.close()
