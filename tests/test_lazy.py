"""lazy.first_use: a part made once, on first use, from any thread; an ordinary attribute afterwards."""

from __future__ import annotations

import threading

from scrm_desktop.lazy import first_use


class Holder:
    def __init__(self) -> None:
        self._parts_lock = threading.RLock()
        self.made: list[str] = []
        self.gate = threading.Event()

    @first_use
    def part(self) -> str:
        self.gate.wait(5)  # several threads ask while it is being made
        self.made.append("part")
        return f"part of {id(self)}"

    @first_use
    def needs_part(self) -> str:
        return self.part + " and more"  # a part may read another while it is made (the lock is reentrant)


def test_a_part_is_made_once_for_every_thread_that_asks_and_only_when_asked() -> None:
    holder = Holder()
    assert not first_use.made(holder, "part") and holder.made == []
    seen: list[str] = []
    askers = [threading.Thread(target=lambda: seen.append(holder.part)) for _ in range(8)]
    for t in askers:
        t.start()
    holder.gate.set()
    for t in askers:
        t.join(10)
    assert holder.made == ["part"] and len(set(seen)) == 1 and len(seen) == 8
    assert first_use.made(holder, "part") and holder.part is seen[0]


def test_a_part_may_use_another_and_each_object_has_its_own() -> None:
    first, second = Holder(), Holder()
    first.gate.set()
    second.gate.set()
    assert first.needs_part == f"part of {id(first)} and more"
    assert second.part != first.part and first.made == ["part"] == second.made
