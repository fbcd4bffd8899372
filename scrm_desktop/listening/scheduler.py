"""Our wrapper over APScheduler's BackgroundScheduler: one job per enabled source, jitter, coalescing,
one run at a time per source, exponential backoff after failures and Retry-After honoured."""

from __future__ import annotations

import contextlib
import logging
import random
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from scrm_desktop.core.backoff import backoff_delay
from scrm_desktop.listening.events import ERROR_RAISED, SOURCE_CHANGED, EventHub
from scrm_desktop.listening.runner import RunOutcome, SourceRunner
from scrm_desktop.store.sources import Source, SourceRepo

if TYPE_CHECKING:  # APScheduler is imported when a scheduler is made (listening starts after the window shows)
    from apscheduler.triggers.interval import IntervalTrigger

log = logging.getLogger(__name__)


class ListeningScheduler:
    def __init__(
        self,
        sources: SourceRepo,
        runner: SourceRunner,
        events: EventHub,
        *,
        max_workers: int = 6,
        jitter_fraction: float = 0.1,
        rng: random.Random | None = None,
    ) -> None:
        self._sources = sources
        self._runner = runner
        self._events = events
        self._jitter = jitter_fraction
        self._rng = rng or random.Random()
        self._running: dict[str, datetime] = {}
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._stopping = False
        # start and shutdown one at a time: an app quit while listening is still starting (on a task runner's
        # thread) must not join APScheduler's thread before it is started; once shut down it never starts
        self._life = threading.Lock()
        self._closed = False
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.schedulers.background import BackgroundScheduler

        self._scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone=UTC,
        )
        self.on_outcome: Callable[[RunOutcome], None] | None = None

    # ---- lifecycle ---------------------------------------------------------------------------------------
    def start(self) -> None:
        with self._life:
            if self._closed:  # the app quit before listening got going
                return
            self.sync()
            self._scheduler.start()

    def shutdown(self, wait: bool = True, timeout: float = 30.0) -> None:
        """Stop scheduling; with `wait`, let runs under way finish (up to `timeout` seconds).

        APScheduler's own shutdown(wait=True) holds its job-store lock while joining the workers, and our jobs
        record their outcome through that lock: so we drain our runs first and never join inside it."""
        with self._life:
            self._closed = True
            if not self._scheduler.running:
                return
            self._scheduler.pause()
            with self._idle:
                self._stopping = True
                if wait:
                    self._idle.wait_for(lambda: not self._running, timeout=timeout)
            self._scheduler.shutdown(wait=False)

    @property
    def running(self) -> bool:
        return self._scheduler.running

    # ---- jobs --------------------------------------------------------------------------------------------
    def sync(self) -> None:
        """Make the jobs match the enabled sources (call after sources change)."""
        wanted = {s.name: s for s in self._sources.list() if s.enabled}
        for job in self._scheduler.get_jobs():
            if job.id not in wanted and not job.id.startswith("#"):
                job.remove()
        now = datetime.now(UTC)
        for name, source in wanted.items():
            job = self._scheduler.get_job(name)
            trigger = self._trigger(source)
            if job is None:
                first = self._first_run(source, now)
                self._scheduler.add_job(self._run_job, trigger, id=name, name=name, args=[name], next_run_time=first)
                self._sources.set_next_run(source.id, first.replace(tzinfo=None))
            elif job.trigger.interval != trigger.interval:
                job.reschedule(trigger)

    def _trigger(self, source: Source) -> IntervalTrigger:
        from apscheduler.triggers.interval import IntervalTrigger

        return IntervalTrigger(
            seconds=source.interval_s, jitter=max(1, int(source.interval_s * self._jitter)), timezone=UTC
        )

    def _first_run(self, source: Source, now: datetime) -> datetime:
        if source.next_run_at is not None:  # keep the schedule (and any backoff) across restarts
            return max(now, source.next_run_at.replace(tzinfo=UTC))
        return now

    def run_now(self, name: str) -> None:
        """Run a source as soon as a worker is free (disabled sources too, once)."""
        job = self._scheduler.get_job(name)
        if job is not None:
            job.modify(next_run_time=datetime.now(UTC))
        else:
            self._scheduler.add_job(self._run_job, "date", args=[name], id=f"{name}#once", replace_existing=True)

    def running_since(self) -> dict[str, datetime]:
        """Sources whose run is under way, with when it started (a stuck plugin shows here)."""
        with self._lock:
            return dict(self._running)

    def _run_job(self, name: str) -> None:
        with self._lock:
            if name in self._running:
                return
            self._running[name] = datetime.now(UTC)
        try:
            outcome = self._runner.run(name)
            self._record(name, outcome)
        except Exception:  # recording itself failed (database gone): log, never kill the scheduler thread
            log.exception("source %s: could not record the run", name)
        finally:
            with self._lock:
                self._running.pop(name, None)
                self._idle.notify_all()
            self._events.emit(SOURCE_CHANGED, name)

    def _record(self, name: str, outcome: RunOutcome) -> None:
        source = self._sources.get(name)
        now = datetime.now(UTC)
        job = None if self._stopping else self._scheduler.get_job(name)
        if outcome.ok:
            nxt = job.next_run_time if job is not None else None
            self._sources.record_success(
                source.id,
                now=now.replace(tzinfo=None),
                items=outcome.items,
                next_run_at=nxt.astimezone(UTC).replace(tzinfo=None) if nxt else None,
            )
        elif outcome.disables:
            self._sources.record_failure(
                source.id,
                now=now.replace(tzinfo=None),
                error=outcome.error or "",
                next_run_at=None,
                disable=True,
            )
            if job is not None:
                job.remove()
            self._events.emit(ERROR_RAISED, f"Source “{name}” was disabled", outcome.error or "")
        else:
            delay = backoff_delay(source.consecutive_failures + 1, source.interval_s, self._rng, outcome.retry_after)
            nxt = now + timedelta(seconds=delay)
            if job is not None:
                job.modify(next_run_time=nxt)
            self._sources.record_failure(
                source.id,
                now=now.replace(tzinfo=None),
                error=outcome.error or "",
                next_run_at=nxt.replace(tzinfo=None),
            )
        if self.on_outcome:
            self.on_outcome(outcome)

    def job_ids(self) -> list[str]:
        """Source jobs only (housekeeping jobs start with '#')."""
        return [j.id for j in self._scheduler.get_jobs() if not j.id.startswith("#")]

    def add_periodic(self, name: str, func: Callable[[], object], seconds: int) -> None:
        """Housekeeping on the worker pool (e.g. the outbox sender); errors are logged, never fatal."""

        def guarded() -> None:
            if self._stopping:
                return
            try:
                func()
            except Exception:
                log.exception("periodic job %s failed", name)

        from apscheduler.triggers.interval import IntervalTrigger

        self._scheduler.add_job(
            guarded, IntervalTrigger(seconds=seconds, timezone=UTC), id=f"#{name}", name=name, replace_existing=True
        )

    def run_periodic_now(self, name: str) -> bool:
        """Run the housekeeping job `name` (add_periodic) as soon as a worker is free; False without one."""
        job = self._scheduler.get_job(f"#{name}")
        if job is None:
            return False
        job.modify(next_run_time=datetime.now(UTC))
        return True

    def remove(self, name: str) -> None:
        from apscheduler.jobstores.base import JobLookupError

        with contextlib.suppress(JobLookupError):
            self._scheduler.remove_job(name)
