"""Salvage a damaged SQLite database: every row that can still be read, copied into a new, sound database.

A disk that lost pages, a file cut short by a crash or a full disk: SQLite then answers "database disk image is
malformed" for the pages that are gone, and the app cannot start on the file. Most rows usually sit on pages that
are fine. `salvage` reads the damaged file read-only, table by table, in rowid ranges; a range that fails is split
in halves until the unreadable rows are pinned down, so one bad page costs only the rows on it. The new file gets
the damaged one's schema revision through the migrations, takes the rows, has its full-text index rebuilt and is
then brought to the newest schema and checked with PRAGMA integrity_check. The damaged file is never written.

The caller decides what to do with the result: `scrm-desktop db salvage` writes it beside the database and
`db restore FILE` puts it in place (the damaged file is kept aside); the start-up dialog does both in one step.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from scrm_desktop.store.backup import BackupError, integrity

CHUNK = 4096  # rowids per read while the pages are sound
SINGLE = 64  # a failing range this small is read row by row


@dataclass
class TableSalvage:
    table: str
    copied: int = 0
    unreadable: int = 0  # rowids in ranges that could not be read (an upper bound on the rows lost)
    error: str = ""  # the table could not be read at all


@dataclass
class Salvaged:
    source: Path
    out: Path
    revision: str
    tables: list[TableSalvage] = field(default_factory=list)

    @property
    def copied(self) -> int:
        return sum(t.copied for t in self.tables)

    def summary(self, where: bool = True) -> str:
        """One line: what was saved (and where, with `where`) and what was not."""
        kept = ", ".join(f"{t.table} {t.copied:,}" for t in self.tables if t.copied and t.table in MAIN_TABLES)
        lost = [t for t in self.tables if t.unreadable or t.error]
        into = f" into {self.out}" if where else ""
        text = f"salvaged {self.copied:,} rows of {len(self.tables)} tables{into}" + (f" ({kept})" if kept else "")
        if lost:
            text += "; unreadable: " + ", ".join(
                f"{t.table} (not readable: {t.error})" if t.error else f"{t.table} up to {t.unreadable:,} rows"
                for t in lost
            )
        else:
            text += "; every row could be read"
        return text


MAIN_TABLES = ("posts", "cases", "case_events", "customers", "outbox", "sources", "incidents")
Progress = Callable[[str, int], None]  # (table, rows copied so far in it)


def salvageable(database: Path) -> bool:
    """Whether `database` still has a readable schema, the one thing salvage cannot do without."""
    try:
        conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        conn.execute("SELECT name FROM sqlite_master").fetchall()
        return True
    except sqlite3.Error:
        return False
    finally:
        conn.close()


def default_out(database: Path, now: datetime | None = None) -> Path:
    return database.with_name(f"{database.stem}.salvaged-{(now or datetime.now()):%Y%m%d-%H%M%S}.db")


def salvage(database: Path, out: Path | None = None, progress: Progress | None = None) -> Salvaged:
    """Copy every readable row of the damaged SQLite file `database` into a new database at `out` (default:
    beside it, scrm.salvaged-DATE.db). BackupError when nothing can be salvaged (not an SQLite file, the schema
    itself unreadable) or `out` exists; the damaged file is only read."""
    out = out or default_out(database)
    if out.exists():
        raise BackupError(f"{out} already exists; choose another --out")
    try:
        src = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot open {database}: {exc}") from None
    try:
        revision = _revision(src, database)
        done = Salvaged(database, out, revision)
        _create(out, revision)
        dst = sqlite3.connect(out, isolation_level=None)
        try:
            dst.execute("PRAGMA foreign_keys = OFF")
            for table in _tables(dst):
                done.tables.append(_copy_table(src, dst, table, progress))
            _rebuild_fts(dst)
        finally:
            dst.close()
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    finally:
        src.close()
    _finish(out)
    return done


def _revision(src: sqlite3.Connection, database: Path) -> str:
    """The damaged file's schema revision; the newest when its alembic_version page is among the damaged ones
    (the columns both have are copied). BackupError when even the list of tables cannot be read."""
    try:
        src.execute("SELECT name FROM sqlite_master").fetchall()  # as salvageable() checks
    except sqlite3.Error as exc:
        raise BackupError(
            f"{database}: its schema cannot be read ({exc}); nothing can be salvaged, restore a backup instead"
        ) from None
    try:
        row = src.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error:
        return "heads"
    if not row:
        raise BackupError(f"{database} is not an scrm-desktop database (no schema revision)")
    return str(row[0])


def _create(out: Path, revision: str) -> None:
    """A new database at the damaged one's revision, so its columns are the ones the rows were written for."""
    from sqlalchemy import create_engine

    from scrm_desktop.store.engine import upgrade_to

    engine = create_engine(f"sqlite:///{out}")
    try:
        upgrade_to(engine, revision)
    except Exception as exc:
        raise BackupError(f"cannot create {out} at schema revision {revision}: {exc}") from None
    finally:
        engine.dispose()


def _tables(dst: sqlite3.Connection) -> list[str]:
    """The new database's own tables (what the schema has at that revision): not alembic's, not SQLite's, and not
    the full-text index, which is rebuilt from the posts."""
    names = [
        r[0]
        for r in dst.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' "
            "ORDER BY rowid"
        )
    ]
    return [n for n in names if n != "alembic_version" and not n.startswith(("sqlite_", "posts_fts"))]


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]


def _copy_table(
    src: sqlite3.Connection, dst: sqlite3.Connection, table: str, progress: Progress | None
) -> TableSalvage:
    result = TableSalvage(table)
    try:
        theirs = set(_columns(src, table))
        top = src.execute(f'SELECT max(rowid) FROM "{table}"').fetchone()[0]
    except sqlite3.Error as exc:
        result.error = str(exc)
        return result
    columns = [c for c in _columns(dst, table) if c in theirs]
    if not columns or top is None:
        return result
    listed = ", ".join(f'"{c}"' for c in columns)
    read = f'SELECT rowid, {listed} FROM "{table}" WHERE rowid >= ? AND rowid < ? ORDER BY rowid'
    write = f'INSERT OR IGNORE INTO "{table}" (rowid, {listed}) VALUES ({", ".join("?" * (len(columns) + 1))})'
    dst.execute("BEGIN")
    try:
        low = _lowest(src, table)
        for start in range(low, top + 1, CHUNK):
            _copy_range(src, dst, read, write, start, min(start + CHUNK, top + 1), result)
            if progress is not None:
                progress(table, result.copied)
        dst.execute("COMMIT")
    except BaseException:
        dst.execute("ROLLBACK")
        raise
    return result


def _lowest(src: sqlite3.Connection, table: str) -> int:
    try:
        low = src.execute(f'SELECT min(rowid) FROM "{table}"').fetchone()[0]
    except sqlite3.Error:
        return 1  # the first page is among the damaged ones: start at SQLite's first rowid
    return int(low) if low is not None else 1


def _copy_range(
    src: sqlite3.Connection, dst: sqlite3.Connection, read: str, write: str, low: int, high: int, result: TableSalvage
) -> None:
    """Rows with rowid in [low, high); a range that fails is halved, and read row by row once it is small."""
    try:
        rows = src.execute(read, (low, high)).fetchall()
    except sqlite3.DatabaseError:
        if high - low <= SINGLE:
            for rowid in range(low, high):
                try:  # an equality seek lands on the row's own page, never on a damaged neighbour
                    rows = src.execute(read.replace("rowid >= ? AND rowid < ?", "rowid = ?"), (rowid,)).fetchall()
                except sqlite3.DatabaseError:
                    result.unreadable += 1
                    continue
                result.copied += _insert(dst, write, rows)
            return
        middle = (low + high) // 2
        _copy_range(src, dst, read, write, low, middle, result)
        _copy_range(src, dst, read, write, middle, high, result)
        return
    result.copied += _insert(dst, write, rows)


def _insert(dst: sqlite3.Connection, write: str, rows: list[tuple]) -> int:
    before = dst.total_changes
    dst.executemany(write, rows)
    return dst.total_changes - before


def _rebuild_fts(dst: sqlite3.Connection) -> None:
    if dst.execute("SELECT 1 FROM sqlite_master WHERE name = 'posts_fts'").fetchone():
        dst.execute("INSERT INTO posts_fts(posts_fts) VALUES ('rebuild')")


def _finish(out: Path) -> None:
    """The newest schema, and a check that the result is sound."""
    from sqlalchemy import create_engine

    from scrm_desktop.store.engine import upgrade

    engine = create_engine(f"sqlite:///{out}")
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    problem = integrity(out)
    if problem != "ok":
        raise BackupError(f"the salvaged copy {out} failed its check ({problem})")
