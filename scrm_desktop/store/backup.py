"""Backups of an SQLite database through sqlite3's online backup API (safe while the app writes), kept in a
`backups/` folder beside it, rotated; and restore, which refuses while unsure and keeps the current file aside.
PostgreSQL databases are backed up with pg_dump (POSTGRES_HINT)."""

from __future__ import annotations

import logging
import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

log = logging.getLogger(__name__)

KEEP = 7  # automatic backups kept
EVERY = timedelta(days=1)  # at most one automatic backup a day
PREFIX = "scrm-"
POSTGRES_HINT = (
    "a PostgreSQL database is backed up on the server with pg_dump, e.g. "
    "pg_dump -Fc -h HOST -U USER DBNAME > scrm.dump (restore: pg_restore -d DBNAME scrm.dump)"
)


class BackupError(RuntimeError):
    """A backup or restore that was not made; the message says why and nothing was changed."""


@dataclass(frozen=True)
class Restored:
    database: Path
    kept_aside: Path | None  # the file that was there before, None when there was none
    source: Path | None = None  # the backup (or salvaged copy) put in its place

    def summary(self) -> str:
        """What was done, in one line: "restored <database> from <source>; the file it replaced is kept as ..."."""
        aside = f"; the file it replaced is kept as {self.kept_aside}" if self.kept_aside else ""
        return f"restored {self.database} from {self.source}{aside}"


def backups_dir(database: Path) -> Path:
    return database.parent / "backups"


def list_backups(database: Path) -> list[Path]:
    """Automatic and `db backup` backups of `database`, oldest first."""
    folder = backups_dir(database)
    return sorted(folder.glob(f"{PREFIX}*.db")) if folder.is_dir() else []


def latest_backup(database: Path) -> Path | None:
    found = list_backups(database)
    return found[-1] if found else None


def integrity(path: Path) -> str:
    """ "ok", or what PRAGMA integrity_check (or opening the file) says is wrong."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = conn.execute("PRAGMA integrity_check").fetchall()
            if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'alembic_version'").fetchone():
                return "it is not an scrm-desktop database (no alembic_version table)"
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return str(exc)
    problems = [r[0] for r in rows if r[0] != "ok"]
    return "ok" if not problems else "; ".join(problems[:3])


def backup(database: Path, out: Path | None = None, now: datetime | None = None) -> Path:
    """Copy `database` (in use or not) to `out`, default backups/scrm-YYYYmmdd-HHMMSS.db; verified afterwards."""
    if not database.is_file():
        raise BackupError(f"there is no database at {database} to back up")
    when = now or datetime.now()
    target = out or backups_dir(database) / f"{PREFIX}{when:%Y%m%d-%H%M%S}.db"
    if target.resolve() == database.resolve():
        raise BackupError("the backup cannot be the database itself")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    try:
        _copy(database, partial)
        problem = integrity(partial)
        if problem != "ok":
            raise BackupError(f"the database at {database} is damaged ({problem}); no backup was made")
        os.replace(partial, target)
    except (sqlite3.Error, OSError) as exc:
        raise BackupError(f"could not back up {database} to {target}: {exc}") from None
    finally:
        partial.unlink(missing_ok=True)
    return target


def _copy(source: Path, target: Path) -> None:
    target.unlink(missing_ok=True)
    src = _open_to_read(source)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        dst.close()
        src.close()


def _open_to_read(source: Path) -> sqlite3.Connection:
    """`source` read-only. A WAL database in a folder nobody may write (a read-only disk or mount) cannot even be
    read that way (SQLite makes its -shm file beside it), so it is read as immutable, which is exact only when no
    write-ahead log holds commits: with one there it is refused, saying what to copy instead."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=15)
    try:
        src.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return src
    except sqlite3.OperationalError:
        src.close()
        if os.access(source.parent, os.W_OK):
            raise
    wal = source.with_name(source.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise BackupError(
            f"{source} is in a read-only folder and its last changes are still in {wal.name}: copy both files to "
            "a folder you may write, then back up or open the copy"
        )
    return sqlite3.connect(f"file:{source}?mode=ro&immutable=1", uri=True, timeout=15)


def backup_if_due(database: Path, now: datetime | None = None, keep: int = KEEP) -> Path | None:
    """The automatic backup: at most one a day, the last `keep` kept. Never raises (a failure is logged)."""
    when = now or datetime.now()
    newest = latest_backup(database)
    if not database.is_file() or (newest is not None and when - _taken_at(newest) < EVERY):
        return None
    try:
        made = backup(database, now=when)
    except BackupError as exc:
        log.error("automatic backup failed: %s", exc)
        return None
    for old in list_backups(database)[:-keep] if keep > 0 else []:
        old.unlink(missing_ok=True)
    log.info("backed up the database to %s", made)
    return made


def _taken_at(path: Path) -> datetime:
    try:
        return datetime.strptime(path.stem.removeprefix(PREFIX), "%Y%m%d-%H%M%S")
    except ValueError:
        return datetime.fromtimestamp(path.stat().st_mtime)


def restore(database: Path, source: Path, now: datetime | None = None) -> Restored:
    """Put the backup `source` in place of `database`. Refused (BackupError, nothing changed) when the backup is
    not a sound scrm-desktop database or the database is open elsewhere; the current file is kept aside."""
    if not source.is_file():
        raise BackupError(f"{source}: no such file")
    problem = integrity(source)
    if problem != "ok":
        raise BackupError(f"{source} is not a sound backup ({problem}); nothing was changed")
    if database.exists():
        _refuse_if_in_use(database)
    when = now or datetime.now()
    aside = database.with_name(f"{database.name}.before-restore-{when:%Y%m%d-%H%M%S}") if database.exists() else None
    database.parent.mkdir(parents=True, exist_ok=True)
    incoming = database.with_name(database.name + ".restoring")
    try:
        _copy(source, incoming)
        if aside is not None:
            os.replace(database, aside)
        for suffix in ("-wal", "-shm"):  # they belong to the file kept aside
            side = database.with_name(database.name + suffix)
            if side.exists():
                os.replace(side, aside.with_name(aside.name + suffix) if aside else side)
        os.replace(incoming, database)
    except (sqlite3.Error, OSError) as exc:
        raise BackupError(f"could not restore {source} to {database}: {exc}") from None
    finally:
        incoming.unlink(missing_ok=True)
    return Restored(database, aside, source)


def _refuse_if_in_use(database: Path) -> None:
    """Leaving WAL mode needs the only connection to the file: a running app or `listen` service fails it."""
    try:
        conn = sqlite3.connect(database, timeout=0.1)
    except sqlite3.Error:
        return
    try:
        mode = conn.execute("PRAGMA journal_mode=DELETE").fetchone()
    except sqlite3.DatabaseError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise BackupError(
                f"{database} is in use (the app, a `listen` service or the wall display): stop it, then restore"
            ) from None
        return  # a damaged file: nobody can be using it, and it is kept aside
    finally:
        conn.close()
    if mode and mode[0].lower() == "wal":
        raise BackupError(f"{database} is in use (the app, a `listen` service or the wall display): stop it first")
