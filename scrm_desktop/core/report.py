"""Reports without I/O: the period a report covers, the periods a schedule writes, the file a report goes to, and
the findings and recommendations read off the audit's figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

KINDS = {"audit": "Social media audit", "care": "Care report"}
SCHEDULES = ("off", "daily", "weekly")
MAX_DAYS = 366  # a year of hourly buckets is still a readable chart; more is two reports


@dataclass(frozen=True)
class Period:
    """Whole UTC days, `first` to `last` inclusive; `start`/`end` are the naive UTC bounds [start, end)."""

    first: date
    last: date

    @property
    def start(self) -> datetime:
        return datetime(self.first.year, self.first.month, self.first.day)

    @property
    def end(self) -> datetime:
        return datetime(self.last.year, self.last.month, self.last.day) + timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def label(self) -> str:
        if self.first == self.last:
            return f"{self.first:%d %b %Y}"
        return f"{self.first:%d %b %Y} – {self.last:%d %b %Y}"

    def previous(self) -> Period:
        """The period of the same length just before (the audit's "change" column compares with it)."""
        span = timedelta(days=self.days)
        return Period(self.first - span, self.last - span)


def parse_day(text: str, what: str = "date") -> date:
    """A YYYY-MM-DD date; ValueError with a message that says what to type."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"the {what} must be a date like 2026-05-01, got {text!r}") from None


def parse_period(first: str, last: str) -> Period:
    """--from and --to as typed (both days included)."""
    period = Period(parse_day(first, "--from date"), parse_day(last, "--to date"))
    check_period(period)
    return period


def check_period(period: Period) -> None:
    if period.last < period.first:
        raise ValueError(f"the period ends ({period.last}) before it starts ({period.first})")
    if period.days > MAX_DAYS:
        raise ValueError(f"a report covers at most {MAX_DAYS} days ({period.days} asked); make two reports")


def last_complete(every: str, today: date) -> Period:
    """The newest whole period a schedule reports on: yesterday (daily), or last Monday to Sunday (weekly)."""
    if every == "daily":
        day = today - timedelta(days=1)
        return Period(day, day)
    if every == "weekly":
        monday = today - timedelta(days=today.weekday() + 7)
        return Period(monday, monday + timedelta(days=6))
    raise ValueError(f"a schedule is one of: {', '.join(SCHEDULES)} (got {every!r})")


def file_stem(kind: str, period: Period, brand: str = "") -> str:
    """audit-brightwave-2026-12-01_2026-12-07 (safe on every file system)."""
    safe = "".join(ch if ch.isalnum() else "-" for ch in brand.lower()).strip("-")
    days = f"{period.first}" if period.first == period.last else f"{period.first}_{period.last}"
    return "-".join(part for part in (kind, safe, days) if part)


@dataclass(frozen=True)
class Schedule:
    """Scheduled reports as kept in settings.json under extra["reports"]."""

    every: str = "off"
    folder: str = ""
    brand: str = ""

    @classmethod
    def from_settings(cls, raw: object) -> Schedule:
        if not isinstance(raw, dict):
            return cls()
        every = raw.get("every") if raw.get("every") in SCHEDULES else "off"
        return cls(str(every), str(raw.get("folder") or ""), str(raw.get("brand") or ""))

    def to_settings(self) -> dict[str, str]:
        return {"every": self.every, "folder": self.folder, "brand": self.brand}

    @property
    def active(self) -> bool:
        return self.every != "off" and bool(self.folder)

    def describe(self) -> str:
        if not self.active:
            return "scheduled reports: off (set them with: scrm-desktop report schedule --every weekly --folder DIR)"
        about = f" about {self.brand}" if self.brand else ""
        return f"scheduled reports: {self.every} audit{about} into {self.folder} (written by `scrm-desktop listen`)"


def schedules_from_settings(raw: object) -> list[Schedule]:
    """The active schedules in settings extra["reports"]: a list (an older settings file holds one, as a dict)."""
    found = [Schedule.from_settings(item) for item in (raw if isinstance(raw, list) else [raw])]
    return [schedule for schedule in found if schedule.active]


def schedules_to_settings(schedules: list[Schedule]) -> list[dict[str, str]]:
    return [schedule.to_settings() for schedule in schedules]


def with_schedule(schedules: list[Schedule], new: Schedule) -> list[Schedule]:
    """`new` added, in place of the one for the same period and brand (one daily and one weekly audit a brand)."""
    kept = [s for s in schedules if (s.every, s.brand) != (new.every, new.brand)]
    return [*kept, new] if new.active else kept


def describe_schedules(schedules: list[Schedule]) -> str:
    return "\n".join(s.describe() for s in schedules) if schedules else Schedule().describe()


# ---- findings and recommendations -------------------------------------------------------------------------------
@dataclass(frozen=True)
class AuditFacts:
    """The few figures the summary and the recommendations are read from (None: not measured)."""

    brand: str
    mentions: int | None  # None: posts not counted (the care report)
    net_sentiment: float | None
    net_change: float | None
    share_of_voice: dict[str, float] = field(default_factory=dict)  # brand -> share, brand and competitors
    negative_by_channel: dict[str, int] = field(default_factory=dict)
    mentions_by_channel: dict[str, int] = field(default_factory=dict)
    spikes: tuple[str, ...] = ()  # topic names with a volume spike in the period
    cases: int = 0
    unanswered: int = 0
    sla_share: float | None = None
    first_response_median_min: float | None = None
    open_incidents: int = 0
    advocates: int = 0
    influencers: tuple[str, ...] = ()


def _pct(share: float) -> str:
    return f"{share:.0%}"


def findings(f: AuditFacts) -> list[str]:
    """One-line statements of what the period looked like, for the summary page."""
    out = (
        []
        if f.mentions is None
        else [f"{f.mentions:,} posts mentioned {f.brand or 'the tracked topics'} in the period."]
    )
    if f.net_sentiment is not None:
        change = "" if f.net_change is None else f" ({f.net_change:+.2f} against the period before)"
        out.append(f"Net sentiment was {f.net_sentiment:+.2f}{change}.")
    if f.brand and f.brand in f.share_of_voice:
        rivals = sorted(((s, n) for n, s in f.share_of_voice.items() if n != f.brand), reverse=True)
        lead = f"; the largest competitor, {rivals[0][1]}, had {_pct(rivals[0][0])}" if rivals else ""
        out.append(f"{f.brand} held {_pct(f.share_of_voice[f.brand])} of the share of voice{lead}.")
    if f.mentions_by_channel:
        top = max(f.mentions_by_channel.items(), key=lambda kv: (kv[1], kv[0]))
        out.append(f"Most of the conversation was on {top[0]} ({top[1]:,} posts).")
    if f.spikes:
        out.append(f"Volume spiked over its baseline for: {', '.join(f.spikes)}.")
    if f.cases:
        sla = "" if f.sla_share is None else f", {_pct(f.sla_share)} answered within their SLA"
        out.append(f"{f.cases:,} posts became cases{sla}.")
    return out


def recommendations(f: AuditFacts) -> list[str]:
    """What to do next, each with the figure that calls for it (the course's audit ends with these)."""
    out: list[str] = []
    if f.net_change is not None and f.net_change <= -0.1:
        out.append(
            f"Sentiment fell by {abs(f.net_change):.2f}: read the negative posts of the spikes below and answer "
            "the root cause publicly, not post by post."
        )
    if f.negative_by_channel:
        channel, n = max(f.negative_by_channel.items(), key=lambda kv: (kv[1], kv[0]))
        total = f.mentions_by_channel.get(channel, 0)
        if n and total and n / total >= 0.25:
            out.append(
                f"{_pct(n / total)} of the posts on {channel} were negative: staff that channel first and give it "
                "canned replies for the common complaints."
            )
    if f.spikes:
        out.append(
            f"Review the spikes ({', '.join(f.spikes)}): open an incident when many people share one cause, "
            "and set a status link agents can point to."
        )
    if f.sla_share is not None and f.sla_share < 0.9:
        out.append(f"Only {_pct(f.sla_share)} of cases were answered within their SLA: add cover at peak hours.")
    if f.unanswered:
        out.append(f"{f.unanswered:,} cases have no first response yet: clear them before new work.")
    if f.brand and f.share_of_voice:
        mine = f.share_of_voice.get(f.brand, 0.0)
        leader = max(f.share_of_voice.items(), key=lambda kv: (kv[1], kv[0]))
        if leader[0] != f.brand and leader[1] > mine:
            out.append(
                f"{leader[0]} leads the share of voice ({_pct(leader[1])} against {_pct(mine)}): study its most "
                "engaged posts and the channels where it is strong."
            )
    if f.advocates:
        out.append(f"{f.advocates} advocates praised the brand unprompted: thank them and invite them to share.")
    elif f.influencers:
        out.append(f"Reach out to the influencers who spoke about you ({', '.join(f.influencers[:3])}).")
    if not out:
        out.append("Nothing calls for action: keep listening, and compare with the next period.")
    return out
