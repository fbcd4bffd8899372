"""Child process for bench_streams: open/scroll/search a stream column, or a 6-column board under live ingest.

`open`: stream open time (1M and empty), paging 5,000 rows into a shown column, keyset pages deep in the
table, a two-word full-text query. `board`: peak RSS with the main window plus 5 more columns, then the GUI
thread's timer gaps while a writer thread ingests posts at a steady rate."""

from __future__ import annotations

import argparse
import cProfile
import itertools
import json
import os
import resource
import statistics
import sys
import threading
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QEventLoop, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import Corpus

from scrm_desktop.app import build_window, ensure_app
from scrm_desktop.streams import BoardSpec, ColumnSpec, StreamService, default_layout
from scrm_desktop.ui import theme as themes
from scrm_desktop.ui.main_window import MainWindow
from scrm_desktop.ui.models.stream_model import StreamModel
from scrm_desktop.ui.views.board import BoardView
from scrm_desktop.ui.views.stream_column import StreamColumn
from scrm_desktop.workspace import Workspace

GIVE_UP_MS = 60_000
# Columns added to the default board (4 columns) to reach the 6 the benchmark keeps open: a channel, a keyword.
EXTRA_COLUMNS = (("Reddit", "channel:reddit"), ("Refunds", "refund"))


class PaintWatch(QObject):
    """Notes the first Paint of a viewport (once the model has rows, if asked) and ends a wait loop."""

    def __init__(self, model: StreamModel, need_rows: bool) -> None:
        super().__init__()
        self.model, self.need_rows = model, need_rows
        self.at: float | None = None
        self.loop = QEventLoop()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        wanted = not self.need_rows or self.model.rowCount() > 0
        if self.at is None and event.type() == QEvent.Type.Paint and wanted:
            self.at = time.perf_counter()
            self.loop.quit()
        return False

    def wait(self) -> float:
        if self.at is None:
            QTimer.singleShot(GIVE_UP_MS, self.loop.quit)
            self.loop.exec()
        if self.at is None:
            raise RuntimeError(f"no paint within {GIVE_UP_MS / 1000:.0f} s ({self.model.rowCount()} rows)")
        return self.at


def first_column() -> ColumnSpec:
    """The first column of a new workspace's default board (what a user sees first)."""
    return default_layout().boards[0].columns[0]


def open_column(ws: Workspace, theme: themes.Theme, need_rows: bool) -> tuple[float, BoardView]:
    """Milliseconds from building a board holding the first default column (BoardView builds the StreamModel
    and StreamColumn as the main window does) through `reload()` to the column's first paint (with rows,
    on a non-empty database). `reload()` includes the board's unread count, as in the app."""
    started = time.perf_counter()
    board = BoardView(BoardSpec("Bench", [first_column()]), StreamService(ws), theme)
    column = board.columns[0]
    watch = PaintWatch(column.model, need_rows)
    column.view.viewport().installEventFilter(watch)
    board.reload()
    board.resize(440, 900)
    board.show()
    painted = watch.wait()
    column.view.viewport().removeEventFilter(watch)
    board._paint_watch = watch  # type: ignore[attr-defined]  # keep it alive as long as the board
    return (painted - started) * 1000, board


def close_board(board: BoardView) -> None:
    board.close()
    board.deleteLater()
    QApplication.processEvents()


def timed_ms(fn: Any, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def wait_page(model: StreamModel) -> None:
    """Let the GUI thread run until the page under way has landed (pages are read on the model's worker)."""
    if not model.busy:
        return
    loop = QEventLoop()
    model.page_loaded.connect(loop.quit)
    model.load_failed.connect(loop.quit)
    QTimer.singleShot(GIVE_UP_MS, loop.quit)
    loop.exec()
    model.page_loaded.disconnect(loop.quit)
    model.load_failed.disconnect(loop.quit)


def scroll(app: QApplication, column: StreamColumn, target: int, cap_s: float) -> dict[str, float]:
    """Page into a shown column as scrolling does (fetchMore, the page read on the worker and landed, then the
    view lays out and paints), until `target` rows are loaded or `cap_s` seconds have passed."""
    model, pages = column.model, []
    started = time.perf_counter()
    while model.loaded < target and model.canFetchMore() and time.perf_counter() - started < cap_s:
        t = time.perf_counter()
        model.fetchMore()
        wait_page(model)
        pages.append((time.perf_counter() - t) * 1000)
        app.processEvents()
    watch = PaintWatch(model, True)
    column.view.viewport().installEventFilter(watch)
    column.view.scrollToBottom()
    watch.wait()
    column.view.viewport().removeEventFilter(watch)
    return {
        "scroll_to_end_ms": round((watch.at - started) * 1000, 1),  # type: ignore[operator]
        "scroll_rows_loaded": model.loaded,
        "scroll_fetch_page_ms_p50": round(statistics.median(pages), 2),
        "scroll_fetch_page_ms_max": round(max(pages), 2),
    }


def scroll_model_only(ws: Workspace, target: int) -> dict[str, float]:
    """The same paging without a view: what the store and the model cost, without layout and paint."""
    service, query = StreamService(ws), first_column().full_query()
    model = StreamModel(lambda before, limit: service.page(query, before, limit), lambda i: service.since(query, i))
    started = time.perf_counter()
    model.reload()
    while model.loaded < target and model.canFetchMore():
        model.fetchMore()
    return {"scroll_model_only_ms": round((time.perf_counter() - started) * 1000, 1)}


def fts_where(query: str) -> tuple[Any, int]:
    """The product's query compiler if it is there; else a direct FTS5 MATCH (bench-only SQL)."""
    try:
        from scrm_desktop.core.query import parse
        from scrm_desktop.store.query_sql import to_sql
    except ImportError:
        from sqlalchemy import literal_column, select, table, text

        from scrm_desktop.store.tables import posts

        ids = select(literal_column("rowid")).select_from(table("posts_fts"))
        return posts.c.id.in_(ids.where(text("posts_fts MATCH :q").bindparams(q=query))), 0
    return to_sql(parse(query)), 1


def fts(ws: Workspace, query: str) -> dict[str, float]:
    where, via_query_sql = fts_where(query)
    first = timed_ms(lambda: ws.db.posts.page(where=where, limit=100), 1)[0]
    warm = timed_ms(lambda: ws.db.posts.page(where=where, limit=100), 5)
    hits = len(ws.db.posts.page(where=where, limit=100))
    count_ms = timed_ms(lambda: ws.db.posts.count(where), 1)[0]
    return {
        "fts_query_ms": round(statistics.median(warm), 2),
        "fts_query_ms_first": round(first, 2),
        "fts_page_rows": hits,
        "fts_matches": ws.db.posts.count(where),
        "fts_count_ms": round(count_ms, 1),
        "fts_via_query_sql": via_query_sql,
    }


def deep_pages(ws: Workspace) -> dict[str, float]:
    """Keyset pages near the newest and near the oldest posts cost the same if the index is used."""
    posts = ws.db.posts
    top = posts.page(limit=1)[0]
    oldest = posts.page(before=(datetime(2025, 1, 3), 1 << 62), limit=1)
    deep = oldest[0] if oldest else top
    return {
        "page_query_ms_top": round(statistics.median(timed_ms(lambda: posts.page(limit=100), 5)), 2),
        "page_query_ms_deep": round(
            statistics.median(timed_ms(lambda: posts.page(before=(deep.created_at, deep.id), limit=100), 5)), 2
        ),
    }


def column_queries(ws: Workspace) -> dict[str, dict[str, float]]:
    """What each column of a 6-column board costs the store: its first page, a live `since` check, and the
    unread count the board shows (a count over every matching post)."""
    service = StreamService(ws)
    latest = ws.db.posts.latest_id()
    specs = [*default_layout().boards[0].columns, *(ColumnSpec(n, q) for n, q in EXTRA_COLUMNS)]
    page, since, unread = {}, {}, {}
    for spec in specs:
        query = spec.full_query()
        page[spec.name] = round(statistics.median(timed_ms(lambda q=query: service.page(q, None, 100), 3)), 1)
        since[spec.name] = round(statistics.median(timed_ms(lambda q=query: service.since(q, latest - 50), 3)), 1)
        unread[spec.name] = round(timed_ms(lambda q=query: service.count_unread(q), 1)[0], 1)
    return {"column_page_ms": page, "column_since_ms": since, "column_unread_count_ms": unread}


def mode_open(args: argparse.Namespace) -> dict[str, Any]:
    app = ensure_app()
    out: dict[str, Any] = {}
    empty = Workspace.open(basedir=args.empty_basedir)
    theme = themes.pick(empty.settings.theme)
    themes.apply(app, theme)
    try:
        close_board(open_column(empty, theme, need_rows=False)[1])  # warm-up: fonts, styles, first widgets
        runs = []
        for _ in range(3):
            ms, board = open_column(empty, theme, need_rows=False)
            runs.append(ms)
            close_board(board)
        out["stream_open_ms_empty"] = round(statistics.median(runs), 1)
    finally:
        empty.close()
    ws = Workspace.open(basedir=args.basedir)
    try:
        runs = []
        for _ in range(3):
            ms, board = open_column(ws, theme, need_rows=True)
            runs.append(ms)
            if len(runs) < 3:
                close_board(board)
        out["stream_open_ms_first"] = round(runs[0], 1)
        out["stream_open_ms"] = round(statistics.median(runs), 1)
        out.update(scroll(app, board.columns[0], args.scroll_rows, args.scroll_cap_s))
        close_board(board)
        out.update(scroll_model_only(ws, out["scroll_rows_loaded"]))
        out.update(deep_pages(ws))
        out.update(fts(ws, args.query))
        out.update(column_queries(ws))
    finally:
        ws.close()
    return out


# ---- board: memory with 6 columns, then GUI stalls under live ingest -------------------------------------------
def peak_rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fill_board(window: MainWindow, total: int) -> list[StreamColumn]:
    """Add columns to the current board the way "New column" does (BoardView.add_column) until it has `total`."""
    board = window.current_board()
    extra = list(EXTRA_COLUMNS)
    while len(board.columns) < total:
        name, query = extra.pop(0) if extra else (f"Column {len(board.columns) + 1}", "")
        board.add_column(ColumnSpec(name, query))
    return board.columns


def settle(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


class Writer(threading.Thread):
    """Ingests `per_batch` posts every `every_s` seconds through the real pipeline, on a steady schedule."""

    def __init__(self, ws: Workspace, seconds: float, per_batch: int, every_s: float) -> None:
        super().__init__(name="bench-writer", daemon=True)
        self.ws, self.every_s, self.per_batch = ws, every_s, per_batch
        self.batches = int(seconds / every_s)
        token = uuid.uuid4().hex[:8]  # fresh external ids, so a rerun on the same database is not all duplicates
        self.pending = [
            replace(p, external_id=f"{p.external_id}-{token}")
            for p in Corpus(seed=7).post_ins(self.batches * per_batch, start=50_000_000)
        ]
        self.written = 0
        self.error: str | None = None
        self.seconds = 0.0
        self.stop = threading.Event()  # set when the writer is far behind schedule: it ends after this batch

    def run(self) -> None:
        started = time.perf_counter()
        try:
            for b in range(self.batches):
                if self.stop.is_set():
                    break
                delay = started + b * self.every_s - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                now = datetime.now(UTC)
                chunk = self.pending[b * self.per_batch : (b + 1) * self.per_batch]
                self.written += self.ws.ingestor.ingest([replace(p, created_at=now) for p in chunk]).inserted
        except Exception as exc:  # reported in the result, never a hang
            self.error = f"{type(exc).__name__}: {exc}"
        self.seconds = time.perf_counter() - started


def stalls(app: QApplication, window: MainWindow, args: argparse.Namespace) -> dict[str, Any]:
    first = window.current_board().columns[0].model
    arrived: list[int] = []  # the first column trims itself at the top: count what landed, not what it holds
    first.posts_arrived.connect(lambda posts: arrived.append(len(posts)))
    beats: list[float] = []
    heartbeat = QTimer()
    heartbeat.setTimerType(Qt.TimerType.PreciseTimer)
    heartbeat.setInterval(10)
    heartbeat.timeout.connect(lambda: beats.append(time.perf_counter()))
    writer = Writer(window.ws, args.stall_s, args.per_batch, args.every_ms / 1000)
    # --profile-out (not used by bench_streams: it slows the GUI thread): where the GUI thread's time went
    profile = cProfile.Profile() if args.profile_out else None
    heartbeat.start()
    writer.start()
    if profile:
        profile.enable()
    settle(int(args.stall_s * 1000))
    deadline = time.perf_counter() + 30
    while writer.is_alive() and time.perf_counter() < deadline:
        settle(50)  # a writer behind schedule: the GUI thread keeps serving while it finishes
    writer.stop.set()  # still behind: what it wrote is measured (ui_stall_posts_per_s says how far behind)
    while writer.is_alive() and time.perf_counter() < deadline + 30:
        settle(50)
    settle(1000)  # the last live batch lands
    if profile:
        profile.disable()
        profile.dump_stats(args.profile_out)
    heartbeat.stop()
    if writer.error or writer.is_alive() or not writer.written:
        state = f"{writer.written} stored, still running: {writer.is_alive()}"
        raise RuntimeError(writer.error or f"the writer thread did not finish or stored nothing ({state})")
    over = sorted((b - a) * 1000 - 10 for a, b in itertools.pairwise(beats))
    return {
        "ui_stall_p50_ms": round(statistics.median(over), 2),
        "ui_stall_p99_ms": round(over[min(len(over) - 1, int(len(over) * 0.99))], 2),
        "ui_stall_max_ms": round(over[-1], 2),
        "ui_stall_heartbeats": len(beats),
        "ui_stall_posts_per_s": round(writer.written / writer.seconds, 1),
        "ui_stall_rows_added": sum(arrived),
        "ui_stall_rows_held": first.loaded,
        "ui_stall_posts_written": writer.written,
        "rss_mb_after_stall": round(peak_rss_mb(), 1),
    }


def mode_board(args: argparse.Namespace) -> dict[str, Any]:
    app = ensure_app()
    ws = Workspace.open(basedir=args.basedir)
    try:
        window, bridge = build_window(ws)
        columns = fill_board(window, args.columns)
        window.resize(340 * len(columns) + 400, 900)
        window.show()
        settle(500)
        out: dict[str, Any] = {"rss_mb": round(peak_rss_mb(), 1), "columns": len(columns)}
        if args.stall_s > 0:
            out.update(stalls(app, window, args))
        bridge.close()
        window.close()
    finally:
        ws.close(wait=True)
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=("open", "board"))
    ap.add_argument("--basedir", required=True)
    ap.add_argument("--empty-basedir")
    ap.add_argument("--scroll-rows", type=int, default=5000)
    ap.add_argument("--scroll-cap-s", type=float, default=90.0)
    ap.add_argument("--query", default="refund late")
    ap.add_argument("--columns", type=int, default=6)
    ap.add_argument("--stall-s", type=float, default=30.0)
    ap.add_argument("--per-batch", type=int, default=50)
    ap.add_argument("--every-ms", type=float, default=100.0)
    ap.add_argument("--profile-out", help="write a cProfile of the GUI thread during the stall test here")
    args = ap.parse_args()
    try:
        out, code = (mode_open(args) if args.mode == "open" else mode_board(args)), 0
    except Exception as exc:
        out, code = {"error": f"{type(exc).__name__}: {exc}"}, 1
    print(json.dumps(out), flush=True)
    return code


if __name__ == "__main__":
    # The figures are out; skip interpreter teardown, where PySide6 once aborted ("none_dealloc") while
    # collecting Qt wrappers, which would lose a finished measurement.
    status = main()
    sys.stderr.flush()
    os._exit(status)
