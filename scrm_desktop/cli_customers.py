"""`scrm-desktop customers ...`: import a customer list, list records, export influencers and advocates."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from scrm_desktop.workspace import Workspace


def add_customers_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "customers",
        help="customer records, influencers and advocates",
        description="Customer records (import, list) and the influencer and advocate lists (CSV export).",
    )
    parser_class = type(parser)
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=parser_class)
    imp = actions.add_parser(
        "import",
        help="import a customer list from CSV",
        description="Import a customer list (CSV; comma, semicolon or tab; UTF-8 with or without BOM). Columns: "
        "name, email, phone, tier or vip, tags, notes, a column per channel (mastodon, reddit, twitter, bluesky, "
        'youtube) or handles ("mastodon:@a@x.social; reddit:u/b"). Records are matched by e-mail; handles are '
        "linked when that profile has been seen. Safe to run again.",
    )
    imp.add_argument("file", type=Path)
    imp.add_argument("--actor", default="", help="who imports (kept in the customer history)")
    ls = actions.add_parser("list", help="list customer records", description="List customer records.")
    ls.add_argument("--search", default="", help="only records whose name, e-mail, tag or handle contains this")
    for kind in ("influencers", "advocates"):
        ex = actions.add_parser(
            f"export-{kind}",
            help=f"write the {kind} of a period to CSV",
            description=f"Write the ranked {kind} of the last N days, with their evidence, to a CSV file.",
        )
        ex.add_argument("--days", type=int, default=30, help="the period, in days (default 30)")
        ex.add_argument("--out", type=Path, required=True, help="CSV file to write")
        ex.add_argument("--limit", type=int, default=1000, help="at most this many rows (default 1000)")
    return parser


def run_customers(ws: Workspace, args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Raises ValueError with a one-line message for a file or period that cannot be used."""
    import sys

    out = out or sys.stdout
    if args.action == "import":
        from scrm_desktop.store.customer_import import import_file

        report = import_file(ws.customers, args.file, actor=args.actor)
        for line in report.lines():
            print(line, file=out)
        return 0
    if args.action == "list":
        for c in ws.customers.list(args.search, limit=100_000):
            profiles = ", ".join(f"{ch}:{h}" for ch, h in c.profiles)
            tier = " [VIP]" if c.vip else ""
            tags = f" #{' #'.join(c.tags)}" if c.tags else ""
            print(f"{c.id}\t{c.name}{tier}\t{c.email}\t{profiles}{tags}", file=out)
        return 0
    if not 1 <= args.days <= 3650:
        raise ValueError("--days must be between 1 and 3650")
    kind = args.action.removeprefix("export-")
    try:
        n = ws.influence.export_csv(kind, args.days, args.out, limit=args.limit)
    except OSError as exc:
        raise ValueError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    print(f"{n} {kind} of the last {args.days} days written to {args.out}", file=out)
    return 0
