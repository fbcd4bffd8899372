"""Parts of a workspace made on first use: the main window shows long before the first fetch, reply or scored
post, and importing httpx (with its TLS context) or loading the sentiment lexicon cost more than a bare Qt
window's whole start."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar, overload


class OnFirstUse:
    """Stands in for the object `make()` returns: any attribute is that object's, made by the first thread that
    asks (under a lock, so once)."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make = make
        self._made: Any = None
        self._lock = threading.Lock()

    @property
    def made(self) -> bool:
        """Whether the object exists yet."""
        return self._made is not None

    def get(self) -> Any:
        with self._lock:
            if self._made is None:
                self._made = self._make()
            return self._made

    def __getattr__(self, name: str) -> Any:
        return getattr(self.get(), name)

    def __reduce__(self) -> tuple[Callable[[Any], Any], tuple[Any]]:
        """Pickled as the object it stands for (the analyzer sent to an ingest worker process)."""
        return _same, (self.get(),)


def _same(made: Any) -> Any:
    return made


def _make_client() -> Any:
    from scrm_desktop.http import make_client

    return make_client()


class SharedClient(OnFirstUse):
    """The one `httpx.Client` (scrm_desktop.http.make_client) the sources and the outbox share, made by the first
    request. `close()` closes it if it was made; a use after that fails as on any closed httpx client."""

    def __init__(self, make: Callable[[], Any] = _make_client) -> None:
        self._closed = False
        super().__init__(lambda: self._opened(make()))

    def _opened(self, client: Any) -> Any:
        if self._closed:
            client.close()
        return client

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._made is not None:
                self._made.close()


T = TypeVar("T")


class first_use(Generic[T]):
    """A part of an object made by the decorated method the first time it is read, once, under the object's
    `_parts_lock` (an RLock: a part may read another while it is made), then an ordinary attribute. The workspace
    makes its services this way, so the main window shows before the engage and listening packages are
    imported (docs/architecture.md)."""

    def __init__(self, make: Callable[[Any], T]) -> None:
        self._make = make
        self.__doc__ = make.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> first_use[T]: ...

    @overload
    def __get__(self, obj: object, owner: type | None = None) -> T: ...

    def __get__(self, obj: object | None, owner: type | None = None) -> T | first_use[T]:
        if obj is None:
            return self
        made = obj.__dict__
        if self._name not in made:
            with obj._parts_lock:  # type: ignore[attr-defined]
                if self._name not in made:
                    made[self._name] = self._make(obj)
        return made[self._name]  # type: ignore[no-any-return]

    @staticmethod
    def made(obj: object, name: str) -> bool:
        """Whether `obj.name` has been made yet (reading it would make it)."""
        return name in obj.__dict__
