"""Small third-party-style plugins used by listening tests (they go through the same contract as real ones)."""

from __future__ import annotations

import threading
from datetime import timedelta

from scrm_desktop.listening.api import (
    AuthError,
    ConfigField,
    FetchResult,
    Plugin,
    PostIn,
    RateLimited,
)


class CountingPlugin(Plugin):
    """Emits `per_run` new posts per fetch; its cursor counts runs."""

    name = "counting"
    title = "Counting"
    config_fields = (ConfigField("per_run", "Posts per run", kind="int", default=3),)

    def fetch(self, ctx, cursor):  # type: ignore[no-untyped-def]
        run = int(cursor.get("run", 0))
        n = ctx.config["per_run"]
        posts = [
            PostIn(
                channel="mastodon",
                external_id=f"{ctx.source_name}-{run}-{i}",
                text=f"<p>run {run} post {i}: <b>great</b> service</p>",
                text_format="html",
                created_at=ctx.now() - timedelta(seconds=i),
                author_handle=f"fan{i}",
            )
            for i in range(n)
        ]
        return FetchResult(posts, {"run": run + 1})


class CrashingPlugin(Plugin):
    name = "crashing"
    title = "Crashing"

    def fetch(self, ctx, cursor):  # type: ignore[no-untyped-def]
        raise ZeroDivisionError("boom")


class HangingPlugin(Plugin):
    """Blocks until the test releases it (a plugin stuck in its own code)."""

    name = "hanging"
    title = "Hanging"
    release = threading.Event()
    entered = threading.Event()

    def fetch(self, ctx, cursor):  # type: ignore[no-untyped-def]
        HangingPlugin.entered.set()
        HangingPlugin.release.wait(30)
        return FetchResult([], cursor)


class RefusedPlugin(Plugin):
    name = "refused"
    title = "Refused"
    secret_fields = ("token",)

    def fetch(self, ctx, cursor):  # type: ignore[no-untyped-def]
        if ctx.secret("token") != "good":
            raise AuthError("the server refused the token; set a new one with: sources set-secret NAME token")
        return FetchResult([], cursor)


class ThrottledPlugin(Plugin):
    name = "throttled"
    title = "Throttled"

    def fetch(self, ctx, cursor):  # type: ignore[no-untyped-def]
        raise RateLimited("slow down (HTTP 429)", retry_after=1234)
