"""Runs one source once: fetch pages through its plugin, ingest them, classify what went wrong."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from scrm_desktop.listening.api import (
    AuthError,
    ConfigError,
    MalformedResponse,
    RateLimited,
    TransientError,
)
from scrm_desktop.listening.context import SourceContext
from scrm_desktop.listening.pipeline import Ingestor
from scrm_desktop.listening.registry import PluginRegistry
from scrm_desktop.store.sources import SourceRepo

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)
MAX_PAGES_PER_RUN = 20


@dataclass(frozen=True)
class RunOutcome:
    source: str
    ok: bool
    items: int = 0
    error: str | None = None
    kind: str = "ok"  # ok | auth | config | rate_limited | transient | malformed | crashed
    retry_after: float | None = None

    @property
    def disables(self) -> bool:
        """Errors a retry cannot fix: the user has to act."""
        return self.kind in ("auth", "config")


def classify(source: str, exc: BaseException) -> RunOutcome:
    """Map an exception from a plugin to an outcome with a message a user can act on."""

    def out(kind: str, msg: str, retry: float | None = None) -> RunOutcome:
        return RunOutcome(source, False, error=msg, kind=kind, retry_after=retry)

    if isinstance(exc, AuthError):
        return out("auth", f"{exc} (the source was disabled; fix its credentials and enable it again)")
    if isinstance(exc, ConfigError | LookupError):
        return out("config", f"{exc} (the source was disabled; fix its settings and enable it again)")
    if isinstance(exc, RateLimited):
        return out("rate_limited", str(exc), exc.retry_after)
    if isinstance(exc, TransientError):
        return out("transient", str(exc), exc.retry_after)
    import httpx  # loaded by the fetch that raised `exc` (the app starts without it)

    if isinstance(exc, httpx.TimeoutException):
        return out("transient", f"the server did not answer in time ({type(exc).__name__})")
    if isinstance(exc, httpx.TransportError):
        return out("transient", f"network error: {exc or type(exc).__name__}")
    if isinstance(exc, MalformedResponse):
        return out("malformed", str(exc))
    return out("crashed", f"the plugin failed: {type(exc).__name__}: {exc}")


class SourceRunner:
    def __init__(
        self,
        sources: SourceRepo,
        registry: PluginRegistry,
        ingestor: Ingestor,
        http: httpx.Client,
        secret_lookup: Callable[[str, str], str | None],
        clock: Callable[[], datetime],
    ) -> None:
        self._sources = sources
        self._registry = registry
        self._ingestor = ingestor
        self._http = http
        self._secret_lookup = secret_lookup
        self._clock = clock

    def run(self, name: str) -> RunOutcome:
        """Fetch and store; never raises (the outcome says what happened; tracebacks go to the log)."""
        items = 0
        try:
            source = self._sources.get(name)
            plugin_cls = self._registry.get(source.plugin)
            config = plugin_cls.validate_config(source.config)
            ctx = SourceContext(
                http=self._http,
                config=config,
                source_name=source.name,
                secrets=lambda field: self._secret_lookup(source.name, field),
                clock=self._clock,
            )
            plugin = plugin_cls()
            cursor = dict(source.cursor)
            for _page in range(MAX_PAGES_PER_RUN):
                result = plugin.fetch(ctx, cursor)
                report = self._ingestor.ingest(result.posts, source_id=source.id, cursor=result.cursor)
                items += report.inserted
                cursor = dict(result.cursor)
                if not result.more:
                    break
        except Exception as exc:
            outcome = classify(name, exc)
            if outcome.kind == "crashed":
                log.exception("source %s: plugin crashed", name)
            else:
                log.warning("source %s: %s", name, outcome.error)
            return RunOutcome(**{**outcome.__dict__, "items": items})
        return RunOutcome(name, True, items=items)
