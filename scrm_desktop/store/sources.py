"""Sources repository: the configured listening sources, their cursors and their health."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from scrm_desktop.store.engine import writer
from scrm_desktop.store.tables import posts, sources


class SourceError(ValueError):
    """A source operation that cannot be done (unknown name, duplicate name); the message says which."""


@dataclass(frozen=True)
class Source:
    id: int
    name: str
    plugin: str
    config: Mapping[str, Any]
    interval_s: int
    enabled: bool
    cursor: Mapping[str, Any] = field(default_factory=dict)
    last_run_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    next_run_at: datetime | None = None
    items_last_run: int = 0
    items_total: int = 0
    consecutive_failures: int = 0
    disabled_reason: str | None = None

    @property
    def healthy(self) -> bool:
        return self.consecutive_failures == 0 and not self.disabled_reason


_FIELDS = [c for c in sources.c if c.name != "created_at"]


def _row_to_source(row: Any) -> Source:
    data = dict(row._mapping)
    data.pop("created_at", None)
    data["config"] = data["config"] or {}
    data["cursor"] = data["cursor"] or {}
    return Source(**data)


class SourceRepo:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def list(self) -> list[Source]:
        with self._engine.connect() as conn:
            rows = conn.execute(select(*_FIELDS).order_by(sources.c.name)).all()
        return [_row_to_source(r) for r in rows]

    def get(self, name: str) -> Source:
        with self._engine.connect() as conn:
            row = conn.execute(select(*_FIELDS).where(sources.c.name == name)).first()
        if row is None:
            raise SourceError(f"no source named {name!r}")
        return _row_to_source(row)

    def get_by_id(self, source_id: int) -> Source:
        with self._engine.connect() as conn:
            row = conn.execute(select(*_FIELDS).where(sources.c.id == source_id)).first()
        if row is None:
            raise SourceError(f"no source with id {source_id}")
        return _row_to_source(row)

    def add(
        self,
        name: str,
        plugin: str,
        config: Mapping[str, Any],
        interval_s: int,
        *,
        now: datetime,
        enabled: bool = True,
    ) -> Source:
        name = name.strip()
        if not name:
            raise SourceError("a source needs a name")
        try:
            with writer(self._engine).begin() as conn:
                conn.execute(
                    insert(sources).values(
                        name=name,
                        plugin=plugin,
                        config=dict(config),
                        interval_s=int(interval_s),
                        enabled=enabled,
                        created_at=now,
                        cursor={},
                        items_last_run=0,
                        items_total=0,
                        consecutive_failures=0,
                    )
                )
        except IntegrityError:
            raise SourceError(f"a source named {name!r} already exists") from None
        return self.get(name)

    def update(self, name: str, **values: Any) -> Source:
        allowed = {"config", "interval_s", "enabled", "name", "plugin"}
        bad = set(values) - allowed
        if bad:
            raise SourceError(f"cannot change {', '.join(sorted(bad))}")
        if values.get("enabled"):
            values["disabled_reason"] = None
            values["consecutive_failures"] = 0
        with writer(self._engine).begin() as conn:
            result = conn.execute(update(sources).where(sources.c.name == name).values(**values))
        if result.rowcount == 0:
            raise SourceError(f"no source named {name!r}")
        return self.get(values.get("name", name))

    def set_enabled(self, name: str, enabled: bool) -> Source:
        return self.update(name, enabled=enabled)

    def remove(self, name: str) -> None:
        """Remove a source; its posts stay (their source_id becomes empty)."""
        with writer(self._engine).begin() as conn:
            result = conn.execute(delete(sources).where(sources.c.name == name))
        if result.rowcount == 0:
            raise SourceError(f"no source named {name!r}")

    def record_success(self, source_id: int, *, now: datetime, items: int, next_run_at: datetime | None) -> None:
        with writer(self._engine).begin() as conn:
            conn.execute(
                update(sources)
                .where(sources.c.id == source_id)
                .values(
                    last_run_at=now,
                    last_success_at=now,
                    items_last_run=items,
                    consecutive_failures=0,
                    next_run_at=next_run_at,
                )
            )

    def record_failure(
        self,
        source_id: int,
        *,
        now: datetime,
        error: str,
        next_run_at: datetime | None,
        disable: bool = False,
    ) -> None:
        values: dict[str, Any] = {
            "last_run_at": now,
            "last_error": error[:4000],
            "last_error_at": now,
            "items_last_run": 0,
            "consecutive_failures": sources.c.consecutive_failures + 1,
            "next_run_at": next_run_at,
        }
        if disable:
            values.update(enabled=False, disabled_reason=error[:4000], next_run_at=None)
        with writer(self._engine).begin() as conn:
            conn.execute(update(sources).where(sources.c.id == source_id).values(**values))

    def set_next_run(self, source_id: int, when: datetime | None) -> None:
        with writer(self._engine).begin() as conn:
            conn.execute(update(sources).where(sources.c.id == source_id).values(next_run_at=when))

    def post_count(self, source_id: int) -> int:
        with self._engine.connect() as conn:
            return int(conn.execute(select(func.count()).where(posts.c.source_id == source_id)).scalar_one())
