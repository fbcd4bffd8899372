"""CSV import of an existing customer list: records created or updated (matched by e-mail or by a profile
already linked), handles linked where the profile exists, and every row that could not be used reported."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from scrm_desktop.core.customer_csv import CsvError, Problem, Row, decode, parse
from scrm_desktop.store.customers import Customer, CustomerError, CustomerRepo


@dataclass
class ImportReport:
    matched: int = 0  # rows that updated an existing record
    created: int = 0  # rows that made a new record
    linked: int = 0  # profiles linked
    unmatched: list[Problem] = field(default_factory=list)  # handles with no profile (or linked elsewhere)
    errors: list[Problem] = field(default_factory=list)  # rows not imported, with the reason
    ignored_columns: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = (
            f"{self.matched} matched, {self.created} created, {self.linked} profiles linked, "
            f"{len(self.unmatched)} handles unmatched, {len(self.errors)} rows with errors"
        )
        if self.ignored_columns:
            text += f"; columns ignored: {', '.join(self.ignored_columns)}"
        return text

    def lines(self) -> list[str]:
        return [self.summary(), *(f"error {p}" for p in self.errors), *(f"unmatched {p}" for p in self.unmatched)]


def import_file(repo: CustomerRepo, path: str | Path, actor: str = "") -> ImportReport:
    """Import a CSV file (CsvError when it cannot be read as a customer list)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise CsvError(f"Cannot read {path}: {exc.strerror or exc}") from exc
    return import_text(repo, decode(data), actor)


def import_text(repo: CustomerRepo, text: str, actor: str = "") -> ImportReport:
    rows, problems, ignored = parse(text)
    report = ImportReport(errors=list(problems), ignored_columns=ignored)
    for row in rows:
        try:
            _import_row(repo, row, actor, report)
        except CustomerError as exc:
            report.errors.append(Problem(row.line, str(exc)))
    report.errors.sort(key=lambda p: p.line)
    return report


def _import_row(repo: CustomerRepo, row: Row, actor: str, report: ImportReport) -> None:
    profiles = []
    for channel, handle in row.handles:
        profile = repo.find_profile(channel, handle)
        if profile is None:
            report.unmatched.append(Problem(row.line, f"no {channel} profile {handle} seen yet"))
        else:
            profiles.append(profile)
    existing = _existing(repo, row, [p.customer_id for p in profiles if p.customer_id is not None])
    fields = {"email": row.email, "phone": row.phone, "tier": row.tier, "note": row.note}
    if existing is None:
        customer = repo.create(row.name, tags=row.tags, actor=actor, kind="import", **fields)
        report.created += 1
    else:
        changes = {k: v for k, v in fields.items() if v}
        tags = tuple(dict.fromkeys([*existing.tags, *row.tags]))
        customer = repo.update(existing.id, actor=actor, kind="import", name=row.name, tags=tags, **changes)
        report.matched += 1
    for profile in profiles:
        if profile.customer_id not in (None, customer.id):
            owner = repo.get(profile.customer_id)
            report.unmatched.append(Problem(row.line, f"{profile.label} is already linked to {owner.name!r}"))
        elif profile.customer_id is None:
            repo.link(profile.author_id, customer.id, actor)
            report.linked += 1


def _existing(repo: CustomerRepo, row: Row, owners: list[int]) -> Customer | None:
    if row.email:
        found = repo.by_email(row.email)
        if found is not None:
            return found
    return repo.get(owners[0]) if len(set(owners)) == 1 else None
