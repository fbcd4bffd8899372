"""A report as HTML for QTextDocument: the cover, the one-page summary, then a section per part of the audit (or the
care report alone). Every text that came from outside (posts, handles, topic names, subjects, incident notes) goes
through `esc`: a post that says <b> prints as <b>. Charts are referenced as chart:KEY images (added as resources)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from html import escape
from typing import Any

from scrm_desktop.core.influence import Ranked
from scrm_desktop.core.measure import HIGH_REACH_FOLLOWERS
from scrm_desktop.core.post import Post
from scrm_desktop.core.text import one_line
from scrm_desktop.engage.kpis import KpiFigures, format_minutes
from scrm_desktop.ui.reports.data import ReportData

QUOTE_CHARS = 500
KEEP_WITH_NEXT = 1  # a block's user state (style -qt-user-state): the PDF keeps it on the page of the next block
INK, MUTED, RULE, SHADE = "#1b1b1b", "#666666", "#bbbbbb", "#eef1f5"
STYLE = f"""
body {{ color: {INK}; }}
h1 {{ font-size: 26pt; margin-bottom: 4px; }}
h2 {{ font-size: 16pt; margin-top: 18px; margin-bottom: 6px; color: #1f3a5f; }}
h3 {{ font-size: 12pt; margin-top: 12px; margin-bottom: 4px; }}
p, li {{ font-size: 10pt; }}
.muted {{ color: {MUTED}; font-size: 9pt; }}
.quote {{ font-size: 10pt; font-style: italic; }}
.big {{ font-size: 18pt; font-weight: bold; }}
th {{ background-color: {SHADE}; font-size: 9pt; text-align: left; }}
td {{ font-size: 9pt; }}
"""


def esc(value: Any) -> str:
    """Untrusted text as HTML text (quotes too: it may land in an attribute)."""
    return escape(str(value), quote=True)


def _when(at: datetime | None) -> str:
    return "—" if at is None else f"{at:%d %b %Y %H:%M}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _signed(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.2f}"


def table(header: Sequence[str], rows: Iterable[Sequence[Any]], widths: Sequence[int] = ()) -> str:
    """A ruled table; every cell is escaped."""
    head = "".join(
        f'<th width="{widths[i]}%">{esc(h)}</th>' if i < len(widths) else f"<th>{esc(h)}</th>"
        for i, h in enumerate(header)
    )
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in rows)
    return (
        f'<table width="100%" border="1" cellspacing="0" cellpadding="4" style="border-color: {RULE}; '
        f'border-style: solid;"><tr>{head}</tr>{body}</table>'
    )


def quote(post: Post, why: str = "") -> str:
    """A post quoted as text, with who said it, where and when, and its engagement."""
    text = one_line(post.text or post.title, QUOTE_CHARS)
    engaged = sum(v or 0 for v in (post.likes, post.reposts, post.replies))
    who = post.author_handle or post.author_name or "someone"
    meta = f"{who} on {post.channel}, {_when(post.created_at)} UTC · {engaged:,} reactions · {post.sentiment_label}"
    lead = f"{esc(why)}: " if why else ""
    return (
        f'<p class="quote" style="margin-left: 16px; margin-bottom: 0px; -qt-user-state: {KEEP_WITH_NEXT};">'
        f"“{esc(text)}”</p>"
        f'<p class="muted" style="margin-left: 16px; margin-top: 2px;">{lead}— {esc(meta)} · post #{post.id}</p>'
    )


def quotes(found: Iterable[Post], why: str = "") -> str:
    out = "".join(quote(p, why) for p in found)
    return out or '<p class="muted">No posts.</p>'


def chart(key: str, width: int) -> str:
    return f'<p align="center"><img src="chart:{key}" width="{width}"></p>'


def section(title: str, *parts: str, new_page: bool = True) -> str:
    brk = ' style="page-break-before: always;"' if new_page else ""
    return f"<h2{brk}>{esc(title)}</h2>" + "".join(parts)


def para(text: str, css: str = "") -> str:
    return f'<p class="{css}">{esc(text)}</p>' if css else f"<p>{esc(text)}</p>"


# ---- the parts ----------------------------------------------------------------------------------------------------
def cover(data: ReportData) -> str:
    period = data.request.period
    rivals = f"against {', '.join(data.competitors)}" if data.competitors else ""
    about = data.brand or ("the customer care team" if data.request.kind == "care" else "all tracked conversation")
    lines = [
        '<p style="margin-top: 160px;"></p>',
        f"<h1>{esc(data.title)}</h1>",
        f'<p class="big">{esc(about)}</p>',
        f"<p>{esc(rivals)}</p>" if rivals else "",
        f'<p class="big" style="font-weight: normal;">{esc(period.label)}</p>',
        f'<p class="muted">{period.days} day(s), {period.start:%Y-%m-%d} 00:00 to {period.end:%Y-%m-%d} 00:00 UTC</p>',
        '<p style="margin-top: 120px;"></p>',
        f'<p class="muted">Generated {_when(data.generated_at)} UTC by scrm-desktop from the workspace '
        f"“{esc(data.workspace)}”. Every figure comes with the posts behind it; the stream query under each table "
        "opens the same posts in the app.</p>",
    ]
    return "".join(lines)


def summary(data: ReportData, *, headline: str) -> str:
    parts = [headline, "<h3>What happened</h3>", _items(data.findings), "<h3>Recommendations</h3>"]
    parts.append(_items(data.recommendations, ordered=True))
    return section("Summary", *parts)


def _items(lines: Iterable[str], ordered: bool = False) -> str:
    tag = "ol" if ordered else "ul"
    return f"<{tag}>" + "".join(f"<li>{esc(line)}</li>" for line in lines) + f"</{tag}>"


def figures(cells: Sequence[tuple[str, str]]) -> str:
    """Headline numbers in a row of boxes."""
    tds = "".join(
        f'<td align="center" style="background-color: {SHADE};"><span class="big">{esc(v)}</span><br>'
        f'<span class="muted">{esc(k)}</span></td>'
        for k, v in cells
    )
    return f'<table width="100%" cellspacing="6" cellpadding="8"><tr>{tds}</tr></table>'


def audit_headline(data: ReportData) -> str:
    f, care = data.facts, data.care
    assert f is not None
    share = f.share_of_voice.get(f.brand) if f.brand else None
    cells = [
        ("posts", f"{f.mentions:,}"),
        ("net sentiment", _signed(f.net_sentiment)),
        ("share of voice", _pct(share)),
        ("cases", f"{f.cases:,}"),
        ("first response", format_minutes(f.first_response_median_min)),
        ("SLA met", _pct(care.kpis.overall.sla_share if care else None)),
    ]
    return figures(cells)


def care_headline(data: ReportData) -> str:
    o = data.care.kpis.overall if data.care else None
    if o is None:
        return ""
    cells = [
        ("cases", f"{o.cases:,}"),
        ("answered", f"{o.responded:,}"),
        ("first response (median)", format_minutes(o.first_response_median_min)),
        ("resolved", f"{o.resolved:,}"),
        ("resolution (median)", format_minutes(o.resolution_median_min)),
        ("SLA met", _pct(o.sla_share)),
    ]
    return figures(cells)


def conversation(data: ReportData, width: int) -> str:
    rows = []
    total = sum(c.total for c in data.by_channel.values()) or 1
    for ch, c in sorted(data.by_channel.items(), key=lambda kv: -kv[1].total):
        net = (c.positive - c.negative) / c.total if c.total else None
        rows.append((ch, f"{c.total:,}", f"{c.total / total:.0%}", c.positive, c.negative, c.neutral, _signed(net)))
    header = ("channel", "posts", "share", "positive", "negative", "neutral", "net sentiment")
    said = "".join(f"<h3>On {esc(ch)}</h3>" + quotes(posts) for ch, posts in data.channel_posts.items())
    return section(
        "1. Volume: what people say, and where",
        chart("volume", width),
        table(header, rows),
        _query_note(data, ""),
        said,
    )


def _query_note(data: ReportData, extra: str) -> str:
    period = data.request.period
    topic = f'topic:"{data.brand}" ' if data.brand else ""
    query = f"{topic}{extra}since:{period.start:%Y-%m-%d} until:{period.end:%Y-%m-%d}"
    return f'<p class="muted">Stream query for these posts: {esc(query)}</p>'


def sentiment(data: ReportData, width: int) -> str:
    snap = data.snapshot
    net = _signed(snap.net if snap else None)
    before = _signed(data.net_before)
    return section(
        "2. Sentiment",
        chart("sentiment", width),
        para(f"Net sentiment (positive minus negative, over all posts): {net}; the period before: {before}."),
        "<h3>Most engaged negative posts</h3>",
        quotes(data.top_posts.get("Most engaged negative", [])),
        _query_note(data, "sentiment:negative "),
        "<h3>Most engaged positive posts</h3>",
        quotes(data.top_posts.get("Most engaged positive", [])),
    )


def share(data: ReportData, width: int) -> str:
    snap = data.snapshot
    if snap is None or not snap.sov_mentions:
        return section("3. Share of voice", para("No brand or competitor topics yet: add them under Work > Topics…"))
    rows = [
        (name, f"{snap.sov_mentions.get(name, 0):,}", _pct(s), _pct(snap.sov_positive.get(name)))
        for name, s in sorted(snap.sov_now.items(), key=lambda kv: -kv[1])
    ]
    said = "".join(f"<h3>About {esc(name)}</h3>" + quotes(posts) for name, posts in data.brand_posts.items())
    return section(
        "3. Share of voice",
        chart("share_now", width),
        table(("brand", "posts", "share of voice", "share of the positive posts"), rows),
        chart("share_trend", width),
        said,
    )


def spikes(data: ReportData, width: int) -> str:
    rows = [
        (
            a.topic,
            "volume" if a.kind == "volume" else "negative posts",
            f"{a.window_start:%d %b %H:%M}–{a.window_end:%H:%M}",
            a.value,
            f"{a.baseline:.1f}",
            f"{a.threshold:.1f}",
            ", ".join(a.top_terms[:5]),
        )
        for a, _ in data.spikes
    ]
    behind = "".join(
        f"<h3>{esc(a.topic)}, {a.window_start:%d %b %H:%M}–{a.window_end:%H:%M} ({esc(a.kind)}: {a.value} posts "
        f"against a baseline of {a.baseline:.1f})</h3>" + quotes(posts)
        for a, posts in data.spikes
    )
    header = ("topic", "kind", "window (UTC)", "posts", "baseline", "threshold", "top terms")
    return section(
        "4. Spikes and their baseline",
        chart("spikes", width),
        para("Bars over the dashed threshold (red) are spikes; the shaded band runs from the baseline to it."),
        table(header, rows) if rows else para("No spike alerts in the period."),
        behind,
    )


ATTENTION = ("channel", "mentions", "authors", "potential reach", "likes/post", "reposts/post", "replies/post")
AUTHORITY = ("channel", "inbound links", "high-reach share", "top by reach", "advocates", "net", "change")


def measurement(data: ReportData) -> str:
    measures = data.snapshot.measures if data.snapshot else []
    attention = [
        (
            m.channel,
            f"{m.mentions:,}",
            f"{m.unique_authors:,}",
            f"{m.potential_reach:,}",
            f"{m.likes_per_post:.2f}",
            f"{m.reposts_per_post:.2f}",
            f"{m.replies_per_post:.2f}",
        )
        for m in measures
    ]
    authority = [
        (
            m.channel,
            _pct(m.link_share),
            _pct(m.high_reach_share),
            ", ".join(h for h, _ in m.top_authors),
            ", ".join(m.advocates) or "—",
            _signed(m.net_sentiment),
            _signed(m.net_sentiment_change),
        )
        for m in measures
    ]
    return section(
        "5. The measurement framework",
        "<h3>Attention and engagement</h3>",
        table(
            ("channel", "mentions", "authors", "potential reach", "likes/post", "reposts/post", "replies/post"),
            attention,
        ),
        "<h3>Authority, influence and sentiment</h3>",
        table(
            ("channel", "inbound links", "high-reach share", "top by reach", "advocates", "net", "change"), authority
        ),
        para(
            "Attention: posts, unique authors and their followers added up. Engagement: reactions per post. Authority: "
            f"posts linking somewhere, and posts by authors with {HIGH_REACH_FOLLOWERS:,}+ followers. "
            "Influence: the "
            "authors with the widest reach, and the advocates. Sentiment: net, and its change against the period "
            "before.",
            "muted",
        ),
    )


def _ranked_rows(found: list[tuple[Ranked, Post | None]]) -> list[tuple[Any, ...]]:
    return [
        (i, r.activity.handle, r.activity.channel, f"{r.activity.followers:,}", r.activity.posts, f"{r.score:.2f}")
        for i, (r, _) in enumerate(found, start=1)
    ]


def people(data: ReportData) -> str:
    header = ("#", "author", "channel", "followers", "posts", "score")
    parts = [
        "<h3>Influencers (reach: followers and reactions per post)</h3>",
        table(header, _ranked_rows(data.influencers)) if data.influencers else para("Nobody yet."),
        quotes((p for _, p in data.influencers[:3] if p), "their most engaged post"),
        "<h3>Advocates (repeated, unprompted positive posts)</h3>",
        table(header, _ranked_rows(data.advocates)) if data.advocates else para("No advocates in the period."),
        quotes((p for _, p in data.advocates[:3] if p), "why they count"),
    ]
    return section("6. Top advocates and influencers", *parts)


def top_posts(data: ReportData) -> str:
    return section(
        "7. The most engaged posts",
        quotes(data.top_posts.get("Most engaged", [])),
        _query_note(data, ""),
        new_page=False,
    )


def _kpi_rows(found: Iterable[KpiFigures], everyone: str = "Everyone") -> list[tuple[Any, ...]]:
    return [
        (
            f.agent or everyone,
            f.cases,
            f.responded,
            format_minutes(f.first_response_median_min),
            f.resolved,
            format_minutes(f.resolution_median_min),
            "—" if f.sla_share is None else f"{f.sla_share:.0%} ({f.sla_met}/{f.sla_counted})",
        )
        for f in found
    ]


KPI_HEADER = ("", "cases", "answered", "first response (median)", "resolved", "resolution (median)", "SLA met")


def care(data: ReportData, number: str = "8. ") -> str:
    report = data.care
    if report is None or not report.kpis.overall.cases:
        return section(f"{number}Customer care", para("No cases were opened in the period."))
    late = [(f"#{r.case_id}", r.channel, _when(r.sla_due), r.subject[:140]) for r in data.late_cases[:15]]
    parts = [
        "<h3>Cases by outcome (the decision tree's)</h3>",
        table(("outcome", "cases"), report.outcomes.items(), (70, 30)),
        "<h3>Cases by status</h3>",
        table(("status", "cases"), report.statuses.items(), (70, 30)),
        "<h3>Resolved cases by resolution</h3>",
        table(("resolution", "cases"), report.resolutions.items(), (70, 30))
        if report.resolutions
        else para("No case was resolved in the period."),
        "<h3>Per agent</h3>",
        table(("agent", *KPI_HEADER[1:]), _kpi_rows((report.kpis.overall, *report.kpis.agents))),
        "<h3>Per channel</h3>",
        table(("channel", *KPI_HEADER[1:]), _kpi_rows((report.kpis.overall, *report.channels), "Every channel")),
        para(
            "First response: from the case being opened to the first reply queued. The SLA counts once decided: "
            "answered in time (met) or past due without an answer (missed).",
            "muted",
        ),
        "<h3>Past their SLA without an answer</h3>",
        table(("case", "channel", "due (UTC)", "subject"), late, (10, 14, 20, 56)) if late else para("None."),
    ]
    return section(f"{number}Customer care", *parts)


def incidents(data: ReportData, number: str = "9. ") -> str:
    if not data.incidents:
        return section(f"{number}Incidents", para("No incident was open in the period."), new_page=False)
    parts = []
    for t in data.incidents:
        i = t.incident
        parts.append(
            f"<h3>#{i.id} {esc(i.title)}</h3>"
            + para(
                f"Crisis level {i.severity} · {i.status} · {t.cases} linked case(s) · opened {_when(i.created_at)}"
                f" · resolved {_when(i.resolved_at)}" + (f" · status page {i.status_url}" if i.status_url else ""),
                "muted",
            )
        )
        parts.append(
            table(("when (UTC)", "who", "what"), [(_when(e.at), e.actor, e.text) for e in t.entries], (20, 12, 68))
        )
    return section(f"{number}Incidents", *parts, new_page=False)


def method(data: ReportData) -> str:
    return section(
        "About these figures",
        para(
            "Counts come from the workspace's database: posts by the hour they were posted (UTC), tagged with topics "
            "by each topic's query at ingest. Sentiment is the analyzer's label for each post, corrected by agents "
            "where they did. Share of voice compares the brand and competitor topics only. A spike is an hour over "
            "the threshold the dashboard draws (the baseline of the same hours before it plus a margin).",
        ),
        new_page=False,
    )


def report_html(data: ReportData, width: int) -> str:
    """The whole report; `width` is the content width the charts are drawn to (layout pixels)."""
    if data.request.kind == "care":
        body = [
            cover(data),
            summary(data, headline=care_headline(data)),
            care(data, "1. "),
            incidents(data, "2. "),
            method(data),
        ]
    else:
        body = [
            cover(data),
            summary(data, headline=audit_headline(data)),
            conversation(data, width),
            sentiment(data, width),
            share(data, width),
            spikes(data, width),
            measurement(data),
            people(data),
            top_posts(data),
            care(data),
            incidents(data),
            method(data),
        ]
    return f"<html><head><style>{STYLE}</style></head><body>{''.join(body)}</body></html>"


def charts_for(kind: str) -> tuple[str, ...]:
    return () if kind == "care" else ("volume", "sentiment", "share_now", "share_trend", "spikes")
