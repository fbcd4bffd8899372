"""One open database: the engine (upgraded to the newest schema) and its repositories."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from scrm_desktop.store.engine import check_writable, open_engine, upgrade
from scrm_desktop.store.posts import PostRepo
from scrm_desktop.store.sources import SourceRepo


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: Engine = open_engine(url)
        try:
            upgrade(self.engine)
            check_writable(self.engine)
        except BaseException:
            self.engine.dispose()  # no connection left open on a file the user may now restore or salvage
            raise
        self.sources = SourceRepo(self.engine)
        self.posts = PostRepo(self.engine)

    @property
    def file(self) -> Path | None:
        """The SQLite file, None for a server or in-memory database."""
        if self.dialect != "sqlite" or self.engine.url.database in (None, "", ":memory:"):
            return None
        return Path(self.engine.url.database).expanduser()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def data_version(self) -> int:
        """A number that changes when another connection commits (SQLite: PRAGMA data_version on a fresh
        read; elsewhere the newest post id). Cheap enough for a GUI timer."""
        return self.posts.latest_id()

    def close(self) -> None:
        self.engine.dispose()
