"""`scrm-desktop report ...`: the social media audit and the care report as PDF, exports (CSV/JSON) of posts, cases,
the measurement table and the care KPIs, and the schedule the `listen` service writes reports on."""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrm_desktop.core.report import (
    KINDS,
    SCHEDULES,
    Period,
    Schedule,
    describe_schedules,
    parse_period,
    schedules_from_settings,
    schedules_to_settings,
    with_schedule,
)

if TYPE_CHECKING:
    from scrm_desktop.workspace import Workspace

EXPORTS = ("posts", "cases", "measures", "kpis")
REPORT_CHECK_S = 15 * 60  # how often `listen` looks for a scheduled report that is due


def add_report_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "report",
        help="PDF reports, exports and scheduled reports",
        description="The social media audit and the care report as PDF, exports to CSV or JSON, and scheduled "
        "reports. Example: scrm-desktop report audit --from 2026-05-01 --to 2026-05-31 --brand Brightwave "
        "--out audit.pdf",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=type(parser))
    for kind, title in KINDS.items():
        p = actions.add_parser(kind, help=f"write the {title.lower()} as PDF", description=f"Write the {title}.")
        _period_options(p)
        p.add_argument("--out", type=Path, required=True, help="PDF file to write")
    ex = actions.add_parser(
        "export",
        help="posts, cases, the measurement table or the care KPIs to CSV or JSON",
        description="Export to CSV or JSON (by the file's suffix, or --format): posts (every post matching "
        "--query in the period), cases (opened in the period), measures (the measurement table per channel) or "
        "kpis (first response, resolution and SLA per agent and channel).",
    )
    ex.add_argument("what", choices=EXPORTS)
    _period_options(ex)
    ex.add_argument("--query", default="", help="posts only: a stream query (default: every post)")
    ex.add_argument("--format", choices=("csv", "json"), help="default: from the file's suffix")
    ex.add_argument("--out", type=Path, required=True, help="file to write")
    sc = actions.add_parser(
        "schedule",
        help="show, add or stop the reports the listen service writes",
        description="Show, add or stop scheduled reports: `listen` writes the audit of each finished day or "
        "week (and its measurement table as CSV) into the folder. One daily and one weekly schedule a brand: "
        "adding one for the same period and brand replaces it; --every off stops them all.",
    )
    sc.add_argument("--every", choices=SCHEDULES, help="off, daily (yesterday) or weekly (last Monday to Sunday)")
    sc.add_argument("--folder", help="where the reports go")
    sc.add_argument("--brand", help="the brand topic the audit is about (default: the first brand)")
    return parser


def _period_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--from", dest="first", required=True, metavar="DATE", help="first day (YYYY-MM-DD, UTC)")
    p.add_argument("--to", dest="last", required=True, metavar="DATE", help="last day, included")
    p.add_argument("--brand", default="", help="the brand topic (default: the workspace's first brand)")


def run_report(ws: Workspace, args: argparse.Namespace) -> int:
    """Raises ValueError (a bad period, brand or format) and OSError (a file) for the caller to show."""
    if args.action == "schedule":
        return _schedule(ws, args)
    period = parse_period(args.first, args.last)
    if args.action == "export":
        return _export(ws, args, period)
    from scrm_desktop import app
    from scrm_desktop.ui.reports.data import ReportRequest

    bar = _progress() if sys.stderr.isatty() else None
    pages = app.write_report(ws, ReportRequest(args.action, period, args.brand), args.out, bar)
    if bar is not None:
        sys.stderr.write("\n")
    print(f"wrote {args.out} ({pages} pages, {KINDS[args.action].lower()}, {period.label})")
    return 0


def _progress() -> Any:
    def show(step: int, steps: int, what: str) -> None:
        sys.stderr.write(f"\r[{step}/{steps}] reading {what}…".ljust(72))
        sys.stderr.flush()

    return show


def _export(ws: Workspace, args: argparse.Namespace, period: Period) -> int:
    from scrm_desktop import exports

    exports.format_of(args.out, args.format)
    if args.what == "posts":
        from scrm_desktop.core.measure import window_query
        from scrm_desktop.core.query import QueryError
        from scrm_desktop.streams import StreamService

        query = " ".join(p for p in (f"({args.query})" if args.query.strip() else "", _brand_query(args.brand)) if p)
        query = f"{query} {window_query(period.start, period.end)}".strip()
        try:
            n = exports.export_query(StreamService(ws), query, args.out, args.format)
        except QueryError as exc:
            raise ValueError(f"--query: {exc.message}") from None
    elif args.what == "cases":
        from scrm_desktop.store.report_data import ReportReads

        n = exports.write(
            exports.cases_table(ReportReads(ws.db.engine).cases(period.start, period.end)), args.out, args.format
        )
    elif args.what == "kpis":
        n = _export_kpis(ws, period, args)
    else:
        from scrm_desktop import app
        from scrm_desktop.ui.reports.data import ReportRequest

        n = app.export_measures(ws, ReportRequest("audit", period, args.brand), args.out, args.format)
    print(f"wrote {args.out} ({n} row(s) of {args.what}, {period.label})")
    return 0


def _brand_query(brand: str) -> str:
    return "" if not brand else f'topic:"{brand.replace(chr(34), "")}"'


def _export_kpis(ws: Workspace, period: Period, args: argparse.Namespace) -> int:
    from scrm_desktop import exports
    from scrm_desktop.engage.kpis import care_report
    from scrm_desktop.engage.outbox import naive
    from scrm_desktop.store.case_reports import CaseReports

    rows = CaseReports(ws.db.engine).kpi_rows(period.start, period.end)
    care = care_report(rows, naive(ws.clock()), period.start, period.end)
    return exports.write(exports.kpi_table(care.kpis.overall, care.kpis.agents, care.channels), args.out, args.format)


def _schedule(ws: Workspace, args: argparse.Namespace) -> int:
    """Show the schedules; add one (or replace the one for the same period and brand); `--every off` stops all."""
    schedules = schedules_from_settings(ws.settings.extra.get("reports"))
    if args.every is None and args.folder is None and args.brand is None:
        print(describe_schedules(schedules))
        return 0
    if args.every == "off":
        schedules = []
    else:
        last = schedules[-1] if schedules else Schedule()
        every = args.every or (last.every if schedules else "")
        if not every:
            raise ValueError("say how often: --every daily or --every weekly")
        folder = last.folder if args.folder is None else str(Path(args.folder).expanduser().resolve())
        chosen = Schedule(every, folder, last.brand if args.brand is None else args.brand)
        if not chosen.folder:
            raise ValueError("a schedule needs a folder: --folder DIR")
        schedules = with_schedule(schedules, chosen)
    ws.settings.extra["reports"] = schedules_to_settings(schedules)
    ws.settings.save(ws.paths.settings_file)
    print(describe_schedules(schedules))
    return 0


class ScheduledReports:
    """Scheduled reports for the headless `listen` service. The scheduler's periodic job only says a check is due;
    the reports are drawn on the main thread (Qt draws the charts there), in `run_until`."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.due = threading.Event()
        self.due.set()  # a report missed while the service was down is written at start

    @classmethod
    def install(cls, ws: Workspace) -> ScheduledReports | None:
        if not schedules_from_settings(ws.settings.extra.get("reports")):
            return None
        reports = cls(ws)
        ws.scheduler.add_periodic("reports", reports.due.set, REPORT_CHECK_S)
        return reports

    def run_due(self) -> list[Path]:
        from scrm_desktop import app

        self.due.clear()
        try:
            return app.run_due_reports(self.ws)
        except (OSError, ValueError) as exc:  # a folder gone, a brand removed: say so, keep listening
            print(f"scrm-desktop: scheduled report not written: {exc}", file=sys.stderr, flush=True)
            return []

    def run_until(self, stop: threading.Event) -> None:
        while not stop.is_set():
            if self.due.wait(1.0):
                for path in self.run_due():
                    print(f"wrote {path}", flush=True)
