"""The FetchContext the app hands to a plugin for one call."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class SourceContext:
    """Concrete FetchContext: a shared httpx client, the source's config, its secrets and a clock."""

    http: httpx.Client
    config: Mapping[str, Any]
    source_name: str
    secrets: Callable[[str], str | None] = lambda _name: None
    clock: Callable[[], datetime] = utcnow
    log: logging.Logger = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.log is None:
            self.log = logging.getLogger(f"scrm_desktop.source.{self.source_name}")

    def secret(self, name: str) -> str | None:
        return self.secrets(name)

    def now(self) -> datetime:
        return self.clock()
