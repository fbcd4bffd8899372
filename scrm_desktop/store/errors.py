"""The error a database that cannot be opened raises (importable before SQLAlchemy is: the start catches it)."""

from __future__ import annotations

from pathlib import Path


class DatabaseError(RuntimeError):
    """The database cannot be opened or upgraded; the message says why in plain words.

    `database` is the SQLite file when it is one that cannot be read or written (damaged, read-only), so callers
    can offer its last backup."""

    def __init__(self, message: str, *, database: Path | None = None) -> None:
        super().__init__(message)
        self.database = database
