"""ui/tasks.py: the GUI's one task runner, driven on real threads (gates instead of sleeps)."""

from __future__ import annotations

import threading

from PySide6.QtWidgets import QPushButton, QWidget

from scrm_desktop.ui.tasks import TaskRunner


def on_gui_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def test_work_runs_off_the_gui_thread_and_the_result_lands_on_it(qtbot):
    runner = TaskRunner()
    worked, landed = [], []
    runner.run(lambda: worked.append(on_gui_thread()) or 42, lambda r: landed.append((r, on_gui_thread())))
    qtbot.waitUntil(lambda: bool(landed))
    assert worked == [False] and landed == [(42, True)] and runner.idle()
    runner.close()


def test_a_failure_reaches_the_failure_callback_on_the_gui_thread(qtbot):
    runner = TaskRunner()
    failed, succeeded = [], []

    def broken() -> None:
        raise RuntimeError("database is locked")

    runner.run(broken, succeeded.append, failure=lambda exc: failed.append((str(exc), on_gui_thread())))
    qtbot.waitUntil(lambda: bool(failed))
    assert failed == [("database is locked", True)] and not succeeded
    runner.close()


def test_an_op_asked_again_before_it_starts_runs_once(qtbot):
    runner = TaskRunner()
    gate, ran, got = threading.Event(), [], []
    runner.run(lambda: (gate.wait(5), ran.append("a"))[1], lambda _r: got.append("a"), key="a")
    runner.run(lambda: ran.append("b1"), lambda _r: got.append("b1"), key="b")
    runner.run(lambda: ran.append("b2"), lambda _r: got.append("b2"), key="b")  # replaces b1, still waiting
    gate.set()
    qtbot.waitUntil(runner.idle)
    assert ran == ["a", "b2"] and got == ["a", "b2"] and runner.started == 2
    runner.close()


def test_a_stale_result_is_dropped_and_the_newest_is_delivered(qtbot):
    runner = TaskRunner()
    gate, started, got = threading.Event(), threading.Event(), []

    def slow() -> str:
        started.set()
        gate.wait(5)
        return "old"

    runner.run(slow, got.append, key="k")
    assert started.wait(5)  # running now: a newer op of the key cannot replace it, only outdate it
    runner.run(lambda: "new", got.append, key="k")
    gate.set()
    qtbot.waitUntil(runner.idle)
    assert got == ["new"] and runner.started == 2
    runner.close()


def test_a_steady_stream_of_refreshes_still_shows_every_other_result(qtbot):
    """A view refreshed more often than its read takes (the agent queue while posts stream in) must not wait for
    a quiet moment to show anything."""
    runner = TaskRunner()
    got: list[int] = []
    gates = [threading.Event() for _ in range(6)]

    def read(n: int) -> int:
        gates[n].wait(5)
        return n

    runner.run(lambda: read(0), got.append, key="queue")
    for n in range(1, 6):  # each refresh is asked for while the previous read is still running
        runner.run(lambda n=n: read(n), got.append, key="queue")
        gates[n - 1].set()
        qtbot.waitUntil(lambda n=n: runner.started == n + 1)
    gates[5].set()
    qtbot.waitUntil(runner.idle)
    assert got == [1, 3, 5]
    runner.close()


def test_nothing_runs_or_lands_for_a_destroyed_owner(qtbot):
    runner = TaskRunner()
    owner = QWidget()
    gate, started, ran, got = threading.Event(), threading.Event(), [], []

    def first() -> None:
        started.set()
        gate.wait(5)

    runner.run(first, lambda _r: got.append("first"), owner=owner)
    runner.run(lambda: ran.append("second"), lambda _r: got.append("second"), owner=owner)
    assert started.wait(5)
    owner.deleteLater()
    qtbot.waitUntil(lambda: not _alive(owner))
    gate.set()
    qtbot.waitUntil(runner.idle)
    assert got == [] and ran == []
    runner.close()


def _alive(obj: object) -> bool:
    import shiboken6

    return shiboken6.isValid(obj)


def test_progress_reaches_the_gui_thread(qtbot):
    runner = TaskRunner()
    seen, landed = [], []

    def work(report) -> str:  # type: ignore[no-untyped-def]
        for i in range(3):
            report(i + 1, 3)
        return "done"

    runner.run(work, landed.append, progress=lambda done, total: seen.append((done, total, on_gui_thread())))
    qtbot.waitUntil(lambda: bool(landed))
    assert seen == [(1, 3, True), (2, 3, True), (3, 3, True)] and landed == ["done"]
    runner.close()


def test_nothing_lands_after_close(qtbot):
    runner = TaskRunner()
    gate, started, got, ran = threading.Event(), threading.Event(), [], []
    runner.run(lambda: (started.set(), gate.wait(5)), got.append)
    runner.run(lambda: ran.append("queued"), got.append)
    assert started.wait(5)
    gate.set()
    runner.close()  # waits for the op under way, drops the rest
    runner.run(lambda: ran.append("after"), got.append)
    qtbot.wait(0)  # let any queued delivery run (none should)
    assert got == [] and ran == [] and runner.idle()


def test_synchronous_runs_inline_with_the_same_callbacks():
    runner = TaskRunner(synchronous=True)
    got: list[object] = []
    runner.run(lambda: 1, got.append)
    runner.run(lambda: 1 / 0, got.append, failure=lambda exc: got.append(type(exc).__name__))
    assert got == [1, "ZeroDivisionError"] and runner.idle()


def test_busy_widgets_are_off_until_the_op_lands_and_then_as_they_were(qtbot):
    owner = QWidget()
    qtbot.addWidget(owner)
    save, cancel, off = QPushButton("Save", owner), QPushButton("Cancel", owner), QPushButton("Off", owner)
    off.setEnabled(False)
    runner = TaskRunner(owner)
    gate, seen = threading.Event(), []
    runner.run(lambda: gate.wait(5), lambda _r: seen.append(save.isEnabled()), busy=[save, off])
    runner.run(lambda: None, busy=[save, cancel])  # a second op holding the Save button too
    assert not save.isEnabled() and not cancel.isEnabled() and not off.isEnabled()
    gate.set()
    qtbot.waitUntil(runner.idle)
    assert seen == [False]  # the first op landed while the second still held the button
    assert save.isEnabled() and cancel.isEnabled() and not off.isEnabled()
    runner.close()


def test_busy_widgets_come_back_when_the_op_fails_or_is_replaced(qtbot):
    owner = QWidget()
    qtbot.addWidget(owner)
    save = QPushButton("Save", owner)
    runner = TaskRunner(owner)
    gate = threading.Event()
    runner.run(lambda: gate.wait(5))
    runner.run(lambda: 1, busy=[save], key="k")
    runner.run(lambda: 1 / 0, busy=[save], key="k", failure=lambda _exc: None)  # replaces the waiting one
    assert not save.isEnabled()
    gate.set()
    qtbot.waitUntil(runner.idle)
    assert save.isEnabled() and runner.started == 2
    runner.close()
