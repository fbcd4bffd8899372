"""The outbox: every reply waits here until it is sent. States and moves:

queued -> sending -> sent                  (published through the source's plugin)
queued -> sending -> queued (backoff)      (offline, rate limited, server trouble: tried again later)
queued -> sending -> failed                (refused: credentials, a malformed request; a person retries)
sending -> needs_check                     (its sender stopped mid-send: nobody knows whether it went out;
                                           a reply a live process is sending is left alone)
needs_check -> sent | queued               (the channel can tell: found there, or not there and sent now)
needs_check -> sent | queued (by a person) (channels that cannot tell: a person checks and decides)
manual -> sent                             (channels without publishing: copied and confirmed by a person)

The idempotency key is stored with the item before the first attempt and passed to the plugin, so a retry
never posts twice where the channel honours it (Mastodon). Where it does not (Reddit, Bluesky), a retry after an
attempt whose answer was lost first asks the plugin's `find_sent` whether the reply is already there. An item
whose fate is unknown is never re-sent by itself without that check.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from scrm_desktop.core.backoff import backoff_delay
from scrm_desktop.listening.api import Plugin, PublishResult, Reply
from scrm_desktop.listening.context import SourceContext
from scrm_desktop.listening.registry import PluginRegistry
from scrm_desktop.listening.runner import classify
from scrm_desktop.store.cases import CaseRepo, OutboxItem
from scrm_desktop.store.sources import SourceRepo

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)
RETRY_INTERVAL_S = 60.0
RETRYABLE = ("rate_limited", "transient")


# A sender on another machine cannot be asked whether it is alive: its reply counts as stranded once it has been
# 'sending' this long (a send is bounded by the HTTP client's timeouts, seconds to a minute or two).
REMOTE_LEASE = timedelta(minutes=15)


def _started(pid: int) -> str:
    """The process's start time in clock ticks since boot (Linux /proc), so a reused pid is not taken for the
    process that owned the row; "" where the platform does not say."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return fh.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def process_token(pid: int | None = None, instance: str = "") -> str:
    """The sender's name, "host/pid/start/instance", written on each reply it starts sending."""
    pid = os.getpid() if pid is None else pid
    return f"{socket.gethostname()}/{pid}/{_started(pid)}/{instance}"


def _alive(pid: int, started: str) -> bool:
    if os.name != "posix":
        return True  # no cheap, safe probe (os.kill would end the process on Windows): the lease decides
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's process with that pid: alive, compare its start time
    return not started or _started(pid) == started


def sender_gone(token: str, since: datetime, now: datetime, me: str) -> bool:
    """Whether a reply 'sending' since `since` by `token` was left by a sender that is no longer sending it: an
    unnamed (older) row; an earlier sender of this very process (a workspace has one sender: a new one means the
    old one was dropped, e.g. a reopened workspace); this host's process that has ended; another host's sender
    past REMOTE_LEASE. Our own rows are in flight, never stranded."""
    if token == me:
        return False
    host, pid_text, started = [*token.split("/"), "", "", ""][:3]
    if not pid_text.isdigit():
        return True
    my_host, my_pid = me.split("/")[:2]
    if host != my_host:
        return now - since > REMOTE_LEASE
    if pid_text == my_pid:
        return True
    if not _alive(int(pid_text), started):
        return True
    return os.name != "posix" and now - since > REMOTE_LEASE


def naive(when: datetime) -> datetime:
    return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when


@dataclass(frozen=True)
class SendResult:
    item_id: int
    state: str  # the state the item ended in
    message: str = ""


class OutboxSender:
    """Sends due outbox items through their source's plugin; never raises for a single item's trouble."""

    def __init__(
        self,
        repo: CaseRepo,
        sources: SourceRepo,
        registry: PluginRegistry,
        http: httpx.Client,
        secret_lookup: Callable[[str, str], str | None],
        clock: Callable[[], datetime],
        rng: random.Random | None = None,
    ) -> None:
        self._repo, self._sources, self._registry = repo, sources, registry
        self._http, self._secret_lookup, self._clock = http, secret_lookup, clock
        self._rng = rng or random.Random()
        self._me = process_token(instance=uuid.uuid4().hex[:12])

    def now(self) -> datetime:
        return naive(self._clock())

    def recover(self) -> int:
        """Items a crash left 'sending' become 'needs_check'. Run at start and before each round of sends: a reply
        another live process (a second desktop, the `listen` service) is sending right now is left alone."""
        now = self.now()
        gone = [i for i, token, since in self._repo.sending() if sender_gone(token, since, now, self._me)]
        return self._repo.stranded(now, gone)

    def send_due(self) -> list[SendResult]:
        """Strand what a dead sender left, look on the channel for replies whose fate is unknown, then send what is
        due."""
        self.recover()
        return self.check_unknown() + [self.send(item) for item in self._repo.due(self.now())]

    def _channel(self, item: OutboxItem) -> tuple[type[Plugin], SourceContext]:
        """The plugin and a context for the item's source; raises when the source or its plugin is gone."""
        source = self._sources.get(item.source_name)
        plugin_cls = self._registry.get(source.plugin)
        ctx = SourceContext(
            http=self._http,
            config=plugin_cls.validate_config(source.config),
            source_name=source.name,
            secrets=lambda field: self._secret_lookup(source.name, field),
            clock=self._clock,
        )
        return plugin_cls, ctx

    @staticmethod
    def _reply(item: OutboxItem) -> Reply:
        return Reply(item.text, item.in_reply_to, item.idempotency_key, item.reply_url, dict(item.extra))

    def _record_sent(
        self, item: OutboxItem, result: PublishResult, from_states: tuple[str, ...], note: str = ""
    ) -> bool:
        return self._repo.move(
            item.id,
            from_states,
            self.now(),
            state="sent",
            sent_at=self.now(),
            external_id=result.external_id,
            external_url=result.url,
            last_error=note,
        )

    def send(self, item: OutboxItem) -> SendResult:
        try:
            plugin_cls, ctx = self._channel(item)
        except Exception as exc:  # a removed source or plugin: a person has to decide
            return self._fail(item, f"cannot send through source {item.source_name!r}: {exc}")
        if not plugin_cls.can_publish:
            self._repo.move(item.id, ("queued",), self.now(), state="manual", next_attempt_at=None)
            return SendResult(item.id, "manual", f"{plugin_cls.title or plugin_cls.name} cannot publish replies")
        if not self._repo.start_sending(item.id, self.now(), self._me):
            return SendResult(item.id, self._repo.item(item.id).state, "another sender took it")
        plugin, reply = plugin_cls(), self._reply(item)
        try:
            # An earlier attempt may have reached the channel with its answer lost (a timeout): where the channel
            # has no idempotency key of its own, look before posting again.
            if item.attempts > 0 and plugin_cls.can_check_sent and not plugin_cls.idempotent_publish:
                found = plugin.find_sent(ctx, reply)
                if found is not None:
                    self._record_sent(item, found, ("sending",), "found on the channel: an earlier attempt went out")
                    return SendResult(item.id, "sent", "an earlier attempt had gone out")
            result = plugin.publish(ctx, reply)
        except Exception as exc:
            return self._after_error(item, exc)
        self._record_sent(item, result, ("sending",))
        return SendResult(item.id, "sent")

    def check_unknown(self) -> list[SendResult]:
        """Replies a crash left 'needs_check': where the channel can tell, look whether the reply is there.
        Found: sent. Not there: queued again (nothing was posted). Channel unreachable: look again later.
        Channels that cannot tell keep the item for a person."""
        results = []
        for item in self._repo.items(("needs_check",)):
            if item.next_attempt_at is not None and item.next_attempt_at > self.now():
                continue
            try:
                plugin_cls, ctx = self._channel(item)
            except Exception:  # the source is gone: a person decides
                continue
            if not plugin_cls.can_check_sent:
                continue
            try:
                found = plugin_cls().find_sent(ctx, self._reply(item))
            except Exception as exc:
                outcome = classify(item.source_name, exc)
                wait = backoff_delay(1, RETRY_INTERVAL_S, self._rng, outcome.retry_after)
                when = self.now() + timedelta(seconds=wait)
                note = f"could not look on the channel ({outcome.error or exc}); looking again at {when:%H:%M} UTC"
                self._repo.move(item.id, ("needs_check",), self.now(), next_attempt_at=when, last_error=note)
                continue
            if found is not None:
                if self._record_sent(item, found, ("needs_check",), "found on the channel after the interruption"):
                    results.append(SendResult(item.id, "sent", "found on the channel"))
            elif self._repo.move(
                item.id,
                ("needs_check",),
                self.now(),
                state="queued",
                next_attempt_at=self.now(),
                last_error="not on the channel after the interruption: sending it now",
            ):
                results.append(SendResult(item.id, "queued", "not on the channel: sending again"))
        return results

    def _after_error(self, item: OutboxItem, exc: Exception) -> SendResult:
        outcome = classify(item.source_name, exc)
        if outcome.kind not in RETRYABLE:
            if outcome.kind == "crashed":
                log.exception("outbox item %s: the plugin failed", item.id)
            return self._fail(item, outcome.error or str(exc), from_states=("sending",))
        attempts = self._repo.item(item.id).attempts
        wait = backoff_delay(attempts, RETRY_INTERVAL_S, self._rng, outcome.retry_after)
        when = self.now() + timedelta(seconds=wait)
        message = f"{outcome.error}; trying again at {when:%H:%M:%S} UTC"
        self._repo.move(item.id, ("sending",), self.now(), state="queued", next_attempt_at=when, last_error=message)
        return SendResult(item.id, "queued", message)

    def _fail(self, item: OutboxItem, message: str, from_states: tuple[str, ...] = ("queued",)) -> SendResult:
        self._repo.move(item.id, from_states, self.now(), state="failed", last_error=message, next_attempt_at=None)
        return SendResult(item.id, "failed", message)

    # ---- a person's decisions ----------------------------------------------------------------------------
    def confirm_sent(self, item_id: int, url: str = "") -> bool:
        """A manual item was posted by hand, or a needs_check item turned out to be online."""
        return self._repo.move(
            item_id, ("manual", "needs_check"), self.now(), state="sent", sent_at=self.now(), external_url=url
        )

    def retry(self, item_id: int) -> bool:
        """Send a failed item again, or a needs_check item a person found was not posted."""
        return self._repo.move(
            item_id, ("failed", "needs_check"), self.now(), state="queued", next_attempt_at=self.now(), last_error=""
        )

    def edit(self, item_id: int, text: str) -> bool:
        """Change the words of a reply that is not on its way (failed or manual); False when it moved meanwhile.
        The caller checks the text (check_reply) first."""
        if not text.strip():
            raise ValueError("the reply is empty")
        return self._repo.move(item_id, ("failed", "manual"), self.now(), text=text)
