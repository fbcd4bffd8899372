"""A throwaway PostgreSQL cluster for tests: initdb in a temp dir, a Unix socket only, stopped at the end.

The real server, not an emulation: several desktops sharing one PostgreSQL database is a supported setup, so the
store is tested on it. Needs the server binaries (Debian: `apt install postgresql`) and psycopg (test extras).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

PORT = 54329


def _bindir() -> Path | None:
    for name in ("pg_ctl", "initdb"):
        found = shutil.which(name)
        if found:
            real = Path(found).resolve().parent
            if (real / "initdb").exists() and (real / "pg_ctl").exists() and (real / "postgres").exists():
                return real
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    return Path(candidates[0]) if candidates else None


class PgCluster:
    """Start with `start()`; `new_database()` gives a fresh empty database URL per test."""

    def __init__(self) -> None:
        self.bindir = _bindir()
        self.dir: Path | None = None
        self._as: list[str] = []

    def unavailable_reason(self) -> str | None:
        if self.bindir is None:
            return "PostgreSQL server binaries not found (Debian: apt install postgresql)"
        try:
            import psycopg  # noqa: F401
        except ImportError:
            return "psycopg is not installed (pip install -e '.[test]')"
        if os.geteuid() == 0:
            if shutil.which("runuser") is None:
                return "running as root without runuser: initdb refuses to run as root"
            try:
                import pwd

                pwd.getpwnam("postgres")
            except KeyError:
                return "running as root and there is no 'postgres' user to run the server as"
            self._as = ["runuser", "-u", "postgres", "--"]
        return None

    def _run(self, *args: str) -> None:
        subprocess.run([*self._as, *args], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        assert self.bindir is not None
        self.dir = Path(tempfile.mkdtemp(prefix="scrm-pg-"))
        if self._as:
            shutil.chown(self.dir, user="postgres")
        data = self.dir / "data"
        self._run(str(self.bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "scrm", "-E", "UTF8")
        # the test superuser gets in on trust; every other role must give its password (tests of the keyring path)
        (data / "pg_hba.conf").write_text("local all scrm trust\nlocal all all scram-sha-256\n")
        opts = f"-p {PORT} -k {self.dir} -c listen_addresses='' -c fsync=off -c full_page_writes=off"
        self._run(str(self.bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(self.dir / "log"), "-w", "start")

    def stop(self) -> None:
        if self.dir is None:
            return
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://scrm@/{database}?host={self.dir}&port={PORT}"

    def execute(self, sql: str) -> None:
        """Run one statement as the superuser (autocommit)."""
        import psycopg

        with psycopg.connect(host=str(self.dir), port=PORT, user="scrm", dbname="postgres", autocommit=True) as conn:
            conn.execute(sql)

    def new_database(self, owner: str = "scrm") -> str:
        name = "t_" + uuid.uuid4().hex[:12]
        self.execute(f'CREATE DATABASE "{name}" OWNER "{owner}"')
        return self.url(name)
