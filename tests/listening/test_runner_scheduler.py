"""Running sources: typed errors become health the user can act on; one bad source never stops the others."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from scrm_desktop.listening.registry import PluginRegistry
from scrm_desktop.workspace import Workspace
from tests.listening.plugins_for_tests import (
    CountingPlugin,
    CrashingPlugin,
    HangingPlugin,
    RefusedPlugin,
    ThrottledPlugin,
)


@pytest.fixture
def ws(tmp_path):
    registry = PluginRegistry()
    for plugin in (CountingPlugin, CrashingPlugin, HangingPlugin, RefusedPlugin, ThrottledPlugin):
        registry.add(plugin)
    workspace = Workspace.open(str(tmp_path), registry=registry)
    yield workspace
    HangingPlugin.release.set()
    workspace.close()


def wait_for(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)


def test_success_stores_posts_cursor_and_health(ws):
    ws.add_source("counting", "Fans", {"per_run": "4"}, 60)
    [outcome] = ws.run_once()
    assert outcome.ok and outcome.items == 4
    source = ws.db.sources.get("Fans")
    assert source.cursor == {"run": 1}
    assert source.items_last_run == 4 and source.items_total == 4 and source.last_success_at
    ws.run_once()
    assert ws.db.sources.get("Fans").items_total == 8


def test_auth_error_disables_the_source_and_says_what_to_fix(ws):
    ws.add_source("refused", "Private", {}, 60)
    [outcome] = ws.run_once()
    source = ws.db.sources.get("Private")
    assert not outcome.ok and outcome.kind == "auth"
    assert not source.enabled
    assert "set-secret" in source.disabled_reason
    ws.set_secret("Private", "token", "good")
    ws.update_source("Private", enabled=True)
    [outcome] = ws.run_once()
    assert outcome.ok and ws.db.sources.get("Private").healthy


def test_rate_limit_honours_retry_after(ws):
    ws.add_source("throttled", "Busy", {}, 60)
    before = datetime.now(UTC).replace(tzinfo=None)
    ws.run_once()
    source = ws.db.sources.get("Busy")
    assert source.enabled and source.consecutive_failures == 1
    wait = (source.next_run_at - before).total_seconds()
    assert 1230 <= wait <= 1240


def test_crash_is_recorded_backed_off_and_keeps_the_cursor(ws):
    ws.add_source("crashing", "Broken", {}, 60)
    ws.run_once()
    ws.run_once()
    source = ws.db.sources.get("Broken")
    assert source.enabled and source.consecutive_failures == 2
    assert "ZeroDivisionError: boom" in source.last_error
    assert source.cursor == {}
    assert source.next_run_at > datetime.now(UTC).replace(tzinfo=None)


def test_a_raising_and_a_hanging_source_do_not_stop_a_working_one(ws):
    HangingPlugin.release.clear()
    HangingPlugin.entered.clear()
    ws.add_source("crashing", "Broken", {}, 1)
    ws.add_source("hanging", "Stuck", {}, 1)
    ws.add_source("counting", "Fans", {"per_run": "1"}, 1)
    ws.start_listening()
    wait_for(HangingPlugin.entered.is_set)
    wait_for(lambda: ws.db.sources.get("Fans").items_total >= 3)
    assert "Stuck" in ws.scheduler.running_since()
    assert ws.db.sources.get("Broken").consecutive_failures >= 1
    assert ws.db.sources.get("Fans").healthy
    HangingPlugin.release.set()


def test_disabled_sources_are_not_scheduled(ws):
    ws.add_source("counting", "On", {}, 60)
    ws.add_source("counting", "Off", {}, 60, enabled=False)
    ws.start_listening()
    assert ws.scheduler.job_ids() == ["On"]
    ws.update_source("Off", enabled=True)
    assert sorted(ws.scheduler.job_ids()) == ["Off", "On"]
    ws.remove_source("On")
    assert ws.scheduler.job_ids() == ["Off"]


def test_quitting_while_listening_starts_never_fails_and_listening_does_not_start_after(ws):
    """The app quits (ws.close on the GUI thread) while a task runner's thread is still starting listening:
    APScheduler's thread was joined before it started ("cannot join thread before it is started")."""
    import threading

    ws.add_source("counting", "Counter", {}, 300)
    errors: list[BaseException] = []

    def start() -> None:
        try:
            ws.start_listening()
        except BaseException as exc:  # the test reports it
            errors.append(exc)

    for _ in range(20):  # the race, many times over
        scheduler = ws.scheduler
        starter = threading.Thread(target=start)
        starter.start()
        scheduler.shutdown(wait=False)
        starter.join(10)
        assert not errors, errors
        assert not scheduler.running  # shut down, or never started: nothing keeps running
        ws._scheduler = None  # the next round: a new scheduler, as a new start of the app would make
