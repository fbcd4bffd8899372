"""Logging: a rotating file in the user log dir, stderr for the CLI, and uncaught exceptions logged."""

from __future__ import annotations

import logging
import logging.handlers
import sys
import threading
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)-7s %(threadName)s %(name)s: %(message)s"


def setup_logging(log_dir: Path, *, verbose: bool = False, stderr: bool = True) -> Path:
    """Configure the root logger once; returns the log file path."""
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / "scrm-desktop.log"
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_scrm", False):
            root.removeHandler(h)
            h.close()
    file_handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=5, encoding="utf-8")
    file_handler.setFormatter(logging.Formatter(FORMAT))
    file_handler.setLevel(logging.DEBUG if verbose else logging.INFO)
    file_handler._scrm = True  # type: ignore[attr-defined]
    root.addHandler(file_handler)
    if stderr:
        err = logging.StreamHandler()
        err.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        err.setLevel(logging.DEBUG if verbose else logging.WARNING)
        err._scrm = True  # type: ignore[attr-defined]
        root.addHandler(err)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for noisy in ("httpx", "httpcore", "apscheduler", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    install_excepthooks()
    return path


def install_excepthooks() -> None:
    """Uncaught exceptions (main or worker threads) are logged with their traceback, never lost."""

    def hook(exc_type, exc, tb):  # type: ignore[no-untyped-def]
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        logging.getLogger("scrm_desktop").critical("uncaught exception", exc_info=(exc_type, exc, tb))

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        logging.getLogger("scrm_desktop").critical(
            "uncaught exception in thread %s",
            getattr(args.thread, "name", "?"),
            exc_info=(args.exc_type, args.exc_value, args.exc_traceback),  # type: ignore[arg-type]
        )

    sys.excepthook = hook
    threading.excepthook = thread_hook
