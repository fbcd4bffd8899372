"""A tiny thread-safe event hub: the pipeline announces, the GUI bridge (or a CLI) listens."""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

POSTS_INGESTED = "posts_ingested"  # (first_id, last_id, count)
POSTS_EDITED = "posts_edited"  # (post_ids,): stored posts replaced by a later edit of their author
SOURCE_CHANGED = "source_changed"  # (source_name,)
ERROR_RAISED = "error_raised"  # (title, message)


class EventHub:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subs: dict[str, list[Callable[..., Any]]] = defaultdict(list)

    def subscribe(self, event: str, callback: Callable[..., Any]) -> Callable[[], None]:
        with self._lock:
            self._subs[event].append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subs[event]:
                    self._subs[event].remove(callback)

        return unsubscribe

    def emit(self, event: str, *args: Any) -> None:
        """Call subscribers in the emitting thread; one failing subscriber never stops the others."""
        with self._lock:
            callbacks = list(self._subs[event])
        for cb in callbacks:
            try:
                cb(*args)
            except Exception:
                log.exception("event subscriber for %s failed", event)
