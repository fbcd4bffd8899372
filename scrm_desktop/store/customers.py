"""Customers repository: channel profiles (authors), customer records, links made by hand (with their history),
suggested links that are only offered, the combined history of a customer across channels."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, func, insert, or_, select, true, tuple_, update

from scrm_desktop.core.post import Post
from scrm_desktop.core.profiles import handle_key, handles_for_url, normalize_name, normalize_url, urls_in
from scrm_desktop.store.batch import StoredBatch
from scrm_desktop.store.cases_tables import cases
from scrm_desktop.store.engine import writer
from scrm_desktop.store.posts import PostRepo
from scrm_desktop.store.profiles_tables import customer_dismissals, customer_events, customer_links, customers
from scrm_desktop.store.rules_tables import author_flags
from scrm_desktop.store.tables import authors, posts

TIERS = ("", "vip")
MAX_TAGS = 30


class CustomerError(ValueError):
    """A change the user must fix (a profile already linked elsewhere, an empty name, an unknown tier)."""


@dataclass(frozen=True, slots=True)
class Customer:
    id: int
    name: str
    email: str = ""
    tier: str = ""  # "" or "vip"
    tags: tuple[str, ...] = ()
    note: str = ""
    profiles: tuple[tuple[str, str], ...] = ()  # (channel, handle) of each linked profile
    phone: str = ""
    author_ids: tuple[int, ...] = ()

    @property
    def vip(self) -> bool:
        return self.tier == "vip"


@dataclass(frozen=True, slots=True)
class Profile:
    """One author on one channel, as the customers window shows it."""

    author_id: int
    channel: str
    handle: str
    display_name: str = ""
    followers: int | None = None
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    post_count: int = 0
    email: str = ""
    bio: str = ""
    profile_url: str = ""
    vip: bool = False
    advocate: bool = False
    customer_id: int | None = None

    @property
    def label(self) -> str:
        return f"{self.channel}:{self.handle}"


@dataclass(frozen=True, slots=True)
class ProfileStats:
    """A profile's sentiment over time (per week: positive, neutral, negative) and how many cases it led to."""

    trend: tuple[tuple[datetime, int, int, int], ...]
    cases: int


@dataclass(frozen=True, slots=True)
class Suggestion:
    """Two profiles that may be the same person, and why. Only offered: a person confirms or dismisses it."""

    a: Profile
    b: Profile
    reason: str  # "same name" | "same e-mail" | "bio link"
    detail: str

    @property
    def key(self) -> tuple[int, int]:
        return (min(self.a.author_id, self.b.author_id), max(self.a.author_id, self.b.author_id))


@dataclass(frozen=True, slots=True)
class LinkResult:
    """What a confirmation did, so that undo restores both sides exactly."""

    customer_id: int
    linked: tuple[int, ...]
    created: bool


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    customer_id: int | None
    author_id: int | None
    kind: str
    actor: str
    detail: str
    created_at: datetime


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def clean_tags(tags: Iterable[str]) -> tuple[str, ...]:
    out: list[str] = []
    for tag in tags:
        tag = " ".join(str(tag).split())[:60]
        if tag and tag.lower() not in (t.lower() for t in out):
            out.append(tag)
    return tuple(out[:MAX_TAGS])


def _profile(row: Any) -> Profile:
    m = row._mapping
    return Profile(
        author_id=m["id"],
        channel=m["channel"],
        handle=m["handle"],
        display_name=m["display_name"] or "",
        followers=m["followers"],
        first_seen=m["first_seen"],
        last_seen=m["last_seen"],
        post_count=m["post_count"] or 0,
        email=m["email"] or "",
        bio=m["bio"] or "",
        profile_url=m["profile_url"] or "",
        vip=bool(m["vip"]),
        advocate=bool(m["advocate"]),
        customer_id=m["customer_id"],
    )


def _profile_select() -> Any:
    return (
        select(
            authors,
            author_flags.c.vip,
            author_flags.c.advocate,
            customer_links.c.customer_id,
        )
        .select_from(authors)
        .outerjoin(author_flags, author_flags.c.author_id == authors.c.id)
        .outerjoin(customer_links, customer_links.c.author_id == authors.c.id)
    )


class CustomerRepo:
    def __init__(self, engine: Engine, clock: Callable[[], datetime] = _utcnow) -> None:
        self._engine = engine
        self._clock = clock
        self._posts = PostRepo(engine)

    # ---- records ----------------------------------------------------------------------------------------------
    def customer_for_author(self, author_id: int) -> Customer | None:
        """The customer record a profile is linked to, or None."""
        with self._engine.connect() as conn:
            cid = conn.execute(
                select(customer_links.c.customer_id).where(customer_links.c.author_id == author_id)
            ).scalar()
            return None if cid is None else self._load(conn, [cid]).get(cid)

    def get(self, customer_id: int) -> Customer:
        with self._engine.connect() as conn:
            found = self._load(conn, [customer_id])
        if customer_id not in found:
            raise KeyError(f"no customer with id {customer_id}")
        return found[customer_id]

    def by_email(self, email: str) -> Customer | None:
        """The first record with this e-mail (case-insensitive), or None."""
        stmt = select(customers.c.id).where(func.lower(customers.c.email) == email.strip().lower())
        with self._engine.connect() as conn:
            cid = conn.execute(stmt.order_by(customers.c.id).limit(1)).scalar()
            return None if cid is None else self._load(conn, [cid]).get(cid)

    def list(self, search: str = "", limit: int = 500) -> list[Customer]:
        """Customers by name; `search` matches name, e-mail, tags or a linked handle (case-insensitive)."""
        stmt = select(customers.c.id).order_by(func.lower(customers.c.name), customers.c.id).limit(limit)
        words = search.strip().lower()
        if words:
            like = f"%{words}%"
            linked = (
                select(customer_links.c.customer_id)
                .join(authors, authors.c.id == customer_links.c.author_id)
                .where(or_(func.lower(authors.c.handle).like(like), func.lower(authors.c.display_name).like(like)))
            )
            stmt = stmt.where(
                or_(
                    func.lower(customers.c.name).like(like),
                    func.lower(customers.c.email).like(like),
                    func.lower(customers.c.tags).like(like),
                    customers.c.id.in_(linked),
                )
            )
        with self._engine.connect() as conn:
            ids = list(conn.execute(stmt).scalars())
            found = self._load(conn, ids)
        return [found[i] for i in ids if i in found]

    def _load(self, conn: Connection, ids: Sequence[int]) -> dict[int, Customer]:
        if not ids:
            return {}
        profiles: dict[int, list[tuple[int, str, str]]] = {}
        stmt = (
            select(customer_links.c.customer_id, authors.c.id, authors.c.channel, authors.c.handle)
            .join(authors, authors.c.id == customer_links.c.author_id)
            .where(customer_links.c.customer_id.in_(ids))
            .order_by(authors.c.channel, authors.c.handle)
        )
        for cid, aid, channel, handle in conn.execute(stmt):
            profiles.setdefault(cid, []).append((aid, channel, handle))
        out = {}
        for r in conn.execute(select(customers).where(customers.c.id.in_(ids))):
            linked = profiles.get(r.id, [])
            out[r.id] = Customer(
                id=r.id,
                name=r.name,
                email=r.email or "",
                tier=r.tier or "",
                tags=tuple(r.tags or ()),
                note=r.note or "",
                profiles=tuple((c, h) for _, c, h in linked),
                phone=r.phone or "",
                author_ids=tuple(a for a, _, _ in linked),
            )
        return out

    def create(
        self,
        name: str,
        *,
        email: str = "",
        tier: str = "",
        tags: Iterable[str] = (),
        note: str = "",
        phone: str = "",
        actor: str = "",
        kind: str = "create",
    ) -> Customer:
        values = self._values(name, email, tier, tags, note, phone)
        with writer(self._engine).begin() as conn:
            cid = self._insert(conn, values, actor, kind)
        return self.get(cid)

    def _insert(self, conn: Connection, values: dict[str, Any], actor: str, kind: str) -> int:
        now = self._clock()
        cid = conn.execute(
            insert(customers).values(**values, created_at=now, updated_at=now).returning(customers.c.id)
        ).scalar_one()
        self._event(conn, kind, actor, cid, None, values["name"])
        return int(cid)

    def update(self, customer_id: int, *, actor: str = "", kind: str = "edit", **changes: Any) -> Customer:
        """Change name, email, tier, tags, note or phone; the event records which fields changed."""
        current = self.get(customer_id)
        merged = {
            "name": current.name,
            "email": current.email,
            "tier": current.tier,
            "tags": current.tags,
            "note": current.note,
            "phone": current.phone,
        }
        unknown = set(changes) - set(merged)
        if unknown:
            raise CustomerError(f"Unknown customer fields: {', '.join(sorted(unknown))}")
        merged.update(changes)
        values = self._values(**merged)
        changed = [k for k in values if values[k] != (list(current.tags) if k == "tags" else getattr(current, k))]
        if not changed:
            return current
        with writer(self._engine).begin() as conn:
            conn.execute(
                update(customers).where(customers.c.id == customer_id).values(**values, updated_at=self._clock())
            )
            self._event(conn, kind, actor, customer_id, None, "changed " + ", ".join(changed))
        return self.get(customer_id)

    @staticmethod
    def _values(
        name: str, email: str = "", tier: str = "", tags: Iterable[str] = (), note: str = "", phone: str = ""
    ) -> dict[str, Any]:
        name = " ".join(str(name).split())
        if not name or len(name) > 300:
            raise CustomerError("A customer needs a name (at most 300 characters)")
        tier = tier.strip().lower()
        if tier not in TIERS:
            raise CustomerError(f"tier must be empty or 'vip', not {tier!r}")
        email = email.strip()
        if email and ("@" not in email or len(email) > 300 or any(c.isspace() for c in email)):
            raise CustomerError(f"{email!r} is not an e-mail address")
        return {
            "name": name,
            "email": email,
            "tier": tier,
            "tags": list(clean_tags(tags)),
            "note": str(note)[:10_000],
            "phone": " ".join(str(phone).split())[:100],
        }

    def delete(self, customer_id: int, actor: str = "") -> None:
        """Remove a record; its profiles become unlinked (each unlink is recorded) and the history stays."""
        with writer(self._engine).begin() as conn:
            linked = list(
                conn.execute(
                    select(customer_links.c.author_id).where(customer_links.c.customer_id == customer_id)
                ).scalars()
            )
            for aid in linked:
                self._unlink(conn, aid, actor)
            name = conn.execute(select(customers.c.name).where(customers.c.id == customer_id)).scalar()
            conn.execute(delete(customers).where(customers.c.id == customer_id))
            self._event(conn, "delete", actor, None, None, f"deleted customer {customer_id} ({name})")

    # ---- links ------------------------------------------------------------------------------------------------
    def link(self, author_id: int, customer_id: int, actor: str = "") -> None:
        """Link a profile to a customer by hand. A profile belongs to at most one customer: unlink it first."""
        with writer(self._engine).begin() as conn:
            self._link(conn, author_id, customer_id, actor)

    def _link(self, conn: Connection, author_id: int, customer_id: int, actor: str, kind: str = "link") -> None:
        current = conn.execute(
            select(customer_links.c.customer_id).where(customer_links.c.author_id == author_id)
        ).scalar()
        if current == customer_id:
            return
        if current is not None:
            name = conn.execute(select(customers.c.name).where(customers.c.id == current)).scalar()
            raise CustomerError(f"This profile is already linked to {name!r}: unlink it there first")
        row = conn.execute(select(authors.c.channel, authors.c.handle).where(authors.c.id == author_id)).first()
        if row is None:
            raise CustomerError(f"No profile with id {author_id}")
        if conn.execute(select(customers.c.id).where(customers.c.id == customer_id)).scalar() is None:
            raise CustomerError(f"No customer with id {customer_id}")
        conn.execute(
            insert(customer_links).values(
                author_id=author_id, customer_id=customer_id, linked_by=actor[:200], linked_at=self._clock()
            )
        )
        self._event(conn, kind, actor, customer_id, author_id, f"{row.channel}:{row.handle}")

    def unlink(self, author_id: int, actor: str = "") -> None:
        """The profile stands alone again; the customer keeps its record and its other profiles."""
        with writer(self._engine).begin() as conn:
            self._unlink(conn, author_id, actor)

    def _unlink(self, conn: Connection, author_id: int, actor: str) -> None:
        cid = conn.execute(select(customer_links.c.customer_id).where(customer_links.c.author_id == author_id)).scalar()
        if cid is None:
            return
        conn.execute(delete(customer_links).where(customer_links.c.author_id == author_id))
        row = conn.execute(select(authors.c.channel, authors.c.handle).where(authors.c.id == author_id)).first()
        self._event(conn, "unlink", actor, cid, author_id, f"{row.channel}:{row.handle}" if row else "")

    def confirm(self, suggestion: Suggestion, actor: str = "") -> LinkResult:
        """Link the two profiles of a suggestion: into the customer one of them already has, or a new record
        named after them. Raises CustomerError when they already belong to two different customers."""
        a, b = suggestion.a.author_id, suggestion.b.author_id
        with writer(self._engine).begin() as conn:
            owners = dict(
                conn.execute(
                    select(customer_links.c.author_id, customer_links.c.customer_id).where(
                        customer_links.c.author_id.in_([a, b])
                    )
                ).all()
            )
            if len(set(owners.values())) > 1:
                raise CustomerError("These profiles belong to two different customers: unlink one first")
            created = not owners
            if created:
                person = suggestion.a if suggestion.a.display_name else suggestion.b
                name = person.display_name or person.handle
                email = suggestion.a.email or suggestion.b.email
                values = self._values(name, email if "@" in email else "")
                cid = self._insert(conn, values, actor, "create")
            else:
                cid = next(iter(owners.values()))
            linked = tuple(aid for aid in (a, b) if aid not in owners)
            for aid in linked:
                self._link(conn, aid, cid, actor)
        return LinkResult(cid, linked, created)

    def undo(self, result: LinkResult, actor: str = "") -> None:
        """Undo a confirmation: unlink what it linked and remove the record it created (unless other profiles
        joined it or someone edited it since)."""
        with writer(self._engine).begin() as conn:
            for aid in result.linked:
                self._unlink(conn, aid, actor)
            left = conn.execute(
                select(func.count()).where(customer_links.c.customer_id == result.customer_id)
            ).scalar_one()
            edited = conn.execute(
                select(func.count()).where(
                    customer_events.c.customer_id == result.customer_id, customer_events.c.kind.in_(("edit", "import"))
                )
            ).scalar_one()
            if result.created and not left and not edited:  # a record someone edited meanwhile is kept
                conn.execute(delete(customers).where(customers.c.id == result.customer_id))
                self._event(conn, "delete", actor, None, None, f"undo removed customer {result.customer_id}")

    def dismiss(self, suggestion: Suggestion, actor: str = "") -> None:
        """Never offer this pair again."""
        a, b = suggestion.key
        with writer(self._engine).begin() as conn:
            exists = conn.execute(
                select(customer_dismissals.c.author_a).where(
                    customer_dismissals.c.author_a == a, customer_dismissals.c.author_b == b
                )
            ).first()
            if exists is None:
                conn.execute(
                    insert(customer_dismissals).values(
                        author_a=a, author_b=b, actor=actor[:200], created_at=self._clock()
                    )
                )

    # ---- events -----------------------------------------------------------------------------------------------
    def _event(
        self, conn: Connection, kind: str, actor: str, customer_id: int | None, author_id: int | None, detail: str
    ) -> None:
        conn.execute(
            insert(customer_events).values(
                customer_id=customer_id,
                author_id=author_id,
                kind=kind,
                actor=actor[:200],
                detail=detail[:2000],
                created_at=self._clock(),
            )
        )

    def events(self, customer_id: int | None = None, limit: int = 200) -> list[Event]:
        """The audit trail, newest first (of one customer, or of all)."""
        stmt = select(customer_events).order_by(customer_events.c.id.desc()).limit(limit)
        if customer_id is not None:
            stmt = stmt.where(customer_events.c.customer_id == customer_id)
        with self._engine.connect() as conn:
            return [Event(**dict(r._mapping)) for r in conn.execute(stmt)]

    # ---- profiles ---------------------------------------------------------------------------------------------
    def profile(self, author_id: int) -> Profile | None:
        with self._engine.connect() as conn:
            row = conn.execute(_profile_select().where(authors.c.id == author_id)).first()
        return _profile(row) if row else None

    def profiles(self, search: str = "", *, unlinked_only: bool = False, limit: int = 200) -> list[Profile]:
        """Profiles by most posts; `search` matches handle or display name."""
        stmt = _profile_select().order_by(authors.c.post_count.desc(), authors.c.id).limit(limit)
        if search.strip():
            like = f"%{search.strip().lower()}%"
            stmt = stmt.where(
                or_(func.lower(authors.c.handle).like(like), func.lower(authors.c.display_name).like(like))
            )
        if unlinked_only:
            stmt = stmt.where(customer_links.c.customer_id.is_(None))
        with self._engine.connect() as conn:
            return [_profile(r) for r in conn.execute(stmt)]

    def find_profile(self, channel: str, handle: str) -> Profile | None:
        """A profile by channel and handle, forgiving a missing or extra leading '@' or 'u/'."""
        wanted = handle.strip()
        bare = wanted.lstrip("@")
        bare = bare[2:] if bare.lower().startswith("u/") else bare
        forms = {wanted, bare, "@" + bare, "u/" + bare}
        stmt = _profile_select().where(
            func.lower(authors.c.channel) == channel.strip().lower(),
            func.lower(authors.c.handle).in_([f.lower() for f in forms if f]),
        )
        with self._engine.connect() as conn:
            row = conn.execute(stmt.order_by(authors.c.id)).first()
        return _profile(row) if row else None

    def stats(self, author_id: int, weeks: int = 12) -> ProfileStats:
        """Sentiment per week over the last `weeks` weeks of the profile's posts, and its cases."""
        since = self._clock() - timedelta(weeks=weeks)
        label = posts.c.sentiment_label
        stmt = (
            select(
                posts.c.created_at,
                label,
            )
            .where(posts.c.author_id == author_id, posts.c.created_at >= since)
            .order_by(posts.c.created_at)
            .limit(20_000)
        )
        weekly: dict[datetime, list[int]] = {}
        with self._engine.connect() as conn:
            for created, lab in conn.execute(stmt):
                day = created.replace(hour=0, minute=0, second=0, microsecond=0)
                week = day - timedelta(days=day.weekday())
                counts = weekly.setdefault(week, [0, 0, 0])
                counts[{"positive": 0, "neutral": 1, "negative": 2}.get(lab, 1)] += 1
            n_cases = conn.execute(
                select(func.count())
                .select_from(cases)
                .where(
                    or_(
                        cases.c.post_id.in_(select(posts.c.id).where(posts.c.author_id == author_id)),
                        and_(
                            cases.c.channel
                            == select(authors.c.channel).where(authors.c.id == author_id).scalar_subquery(),
                            cases.c.author_handle
                            == select(authors.c.handle).where(authors.c.id == author_id).scalar_subquery(),
                        ),
                    )
                )
            ).scalar_one()
        return ProfileStats(tuple((w, *c) for w, c in sorted(weekly.items())), int(n_cases))

    def history(self, customer_id: int, *, before: tuple[datetime, int] | None = None, limit: int = 50) -> list[Post]:
        """Posts of every profile linked to the customer, newest first, keyset-paged on (created_at, id)."""
        linked = select(customer_links.c.author_id).where(customer_links.c.customer_id == customer_id)
        return self._posts.page(posts.c.author_id.in_(linked), before=before, limit=limit)

    # ---- profile extras at ingest -----------------------------------------------------------------------------
    def update_profile_extras(self, batch: StoredBatch) -> None:
        """Post stage: e-mail, bio and profile URL a plugin gave in a post's extra (author_email, author_bio,
        author_url) are kept on the author, for suggested links."""
        latest: dict[tuple[str, str], dict[str, str]] = {}
        for p in batch.new:
            extra = p.extra or {}
            values = {
                col: str(extra[key])[:limit]
                for key, col, limit in (
                    ("author_email", "email", 300),
                    ("author_bio", "bio", 5000),
                    ("author_url", "profile_url", 2000),
                )
                if isinstance(extra.get(key), str) and extra.get(key)
            }
            if values and p.author_handle:
                latest.setdefault((p.channel, p.author_handle), {}).update(values)
        for (channel, handle), values in latest.items():
            batch.conn.execute(
                update(authors).where(authors.c.channel == channel, authors.c.handle == handle).values(**values)
            )

    # ---- suggestions ------------------------------------------------------------------------------------------
    def suggestions(self, limit: int = 200) -> list[Suggestion]:
        """Pairs of profiles on different channels that may be one person: same display name, same e-mail, or a
        URL in one's bio pointing at the other. Pairs already linked together or dismissed are left out."""
        with self._engine.connect() as conn:
            dismissed = {
                (a, b) for a, b in conn.execute(select(customer_dismissals.c.author_a, customer_dismissals.c.author_b))
            }
            found: dict[tuple[int, int], Suggestion] = {}
            for s in [*self._by_email(conn), *self._by_bio(conn), *self._by_name(conn)]:
                if s.key in dismissed or s.key in found:
                    continue
                if s.a.customer_id is not None and s.a.customer_id == s.b.customer_id:
                    continue
                found[s.key] = s
                if len(found) >= limit:
                    break
        return list(found.values())

    def _groups(self, conn: Connection, column: Any, reason: str) -> list[Suggestion]:
        key = func.lower(func.trim(column))
        dup = (
            select(key.label("k"))
            .where(func.length(func.trim(column)) >= 3)
            .where(func.trim(column).like("% %") if reason == "same name" else true())  # a one-word name is weak
            .group_by(key)
            .having(func.count(func.distinct(authors.c.channel)) > 1)
            .limit(2000)
        )
        rows = conn.execute(_profile_select().where(key.in_(dup)).order_by(authors.c.id)).all()
        groups: dict[str, list[Profile]] = {}
        for row in rows:
            p = _profile(row)
            value = p.email if reason == "same e-mail" else p.display_name
            groups.setdefault(normalize_name(value), []).append(p)
        strong, weak = [], []
        for value, members in groups.items():
            for i, a in enumerate(members):
                for b in members[i + 1 :]:
                    if a.channel == b.channel:
                        continue
                    if reason == "same name" and handle_key(a.handle) and handle_key(a.handle) == handle_key(b.handle):
                        strong.append(Suggestion(a, b, "same name and handle", value))
                    else:
                        weak.append(Suggestion(a, b, reason, value))
        return strong + weak  # a shared handle as well as a shared name comes first

    def _by_name(self, conn: Connection) -> list[Suggestion]:
        return self._groups(conn, authors.c.display_name, "same name")

    def _by_email(self, conn: Connection) -> list[Suggestion]:
        return self._groups(conn, authors.c.email, "same e-mail")

    def _by_bio(self, conn: Connection) -> list[Suggestion]:
        with_links = conn.execute(
            _profile_select().where(or_(authors.c.bio.like("%http%"), authors.c.bio.like("%www.%"))).limit(5000)
        ).all()
        out = []
        for row in with_links:
            src = _profile(row)
            for url in urls_in(src.bio):
                for other in self._profiles_at(conn, url):
                    if other.author_id != src.author_id and other.channel != src.channel:
                        out.append(Suggestion(src, other, "bio link", url))
        return out

    @staticmethod
    def _profiles_at(conn: Connection, url: str) -> list[Profile]:
        """Profiles a URL points at: by their handle (in the forms the URL stands for) or their profile URL."""
        keys = handles_for_url(url)
        norm = normalize_url(url)
        urls = [
            f"{scheme}{www}{norm}{slash}"
            for scheme in ("https://", "http://")
            for www in ("", "www.")
            for slash in ("", "/")
        ]
        cond = authors.c.profile_url.in_(urls)
        if keys:
            cond = or_(cond, tuple_(authors.c.channel, authors.c.handle).in_(keys))
        return [_profile(r) for r in conn.execute(_profile_select().where(cond).limit(20))]
