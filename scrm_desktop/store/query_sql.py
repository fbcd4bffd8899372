"""Query -> SQLAlchemy Core condition over `posts`, agreeing with Query.matches post for post.

Full text goes to the index as one bound MATCH string per text-only subtree (SQLite FTS5) or a tsquery
(PostgreSQL); every token is quoted, so user text cannot become index syntax. Fields map through FIELD_SQL;
a field with no mapping and no `posts` column of its name is reported as not available yet.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping, Sequence

from sqlalchemy import ColumnElement, and_, false, func, literal, literal_column, not_, or_, select, true
from sqlalchemy.sql import column, table

from scrm_desktop.core.query import And, Field, Node, Not, Or, Query, QueryError, Term
from scrm_desktop.core.query_fields import parse_time
from scrm_desktop.store.cases_tables import cases
from scrm_desktop.store.rules_tables import rule_hits
from scrm_desktop.store.tables import authors, posts, sources
from scrm_desktop.store.topics_tables import post_topics, topics

DIALECTS = ("sqlite", "postgresql")
_fts = table("posts_fts", column("rowid"))

# (field node, dialect name) -> condition on posts
FieldSql = Callable[[Field, str], ColumnElement[bool]]


def _lower(expr: ColumnElement[str], dialect: str) -> ColumnElement[str]:
    """A-Z to a-z only, as core.query_fields.ascii_lower does (SQLite's lower(); PostgreSQL's is Unicode)."""
    if dialect == "postgresql":
        return func.translate(expr, string.ascii_uppercase, string.ascii_lowercase)
    return func.lower(expr)


def _contains(expr: ColumnElement[str], needle: str, dialect: str) -> ColumnElement[bool]:
    # Case-sensitive like Python's `in` (SQLite's LIKE ignores ASCII case).
    return (func.strpos if dialect == "postgresql" else func.instr)(expr, needle) > 0


def _author(node: Field, dialect: str) -> ColumnElement[bool]:
    handle = _lower(func.ltrim(authors.c.handle, "@"), dialect)
    ids = select(authors.c.id).where(or_(handle == node.key, _lower(authors.c.display_name, dialect) == node.key))
    # IS NOT NULL keeps the result true/false (never NULL), so `-author:x` keeps posts without an author.
    return and_(posts.c.author_id.is_not(None), posts.c.author_id.in_(ids))


def _source(node: Field, dialect: str) -> ColumnElement[bool]:
    ids = select(sources.c.id).where(_lower(sources.c.name, dialect) == node.key)
    return and_(posts.c.source_id.is_not(None), posts.c.source_id.in_(ids))


def _lang(node: Field, dialect: str) -> ColumnElement[bool]:
    lang = _lower(posts.c.lang, dialect)
    return or_(lang == node.key, func.substr(lang, 1, len(node.key) + 1) == node.key + "-")


def _has(node: Field, dialect: str) -> ColumnElement[bool]:
    # core.post.Post.has_link, exactly
    return or_(
        posts.c.url != "", _contains(posts.c.text, "http://", dialect), _contains(posts.c.text, "https://", dialect)
    )


def _case_posts(*where: ColumnElement[bool]) -> ColumnElement[bool]:
    """Posts with a case meeting `where` (a post has at most one case)."""
    return posts.c.id.in_(select(cases.c.post_id).where(cases.c.post_id.is_not(None), *where))


def _status(node: Field, dialect: str) -> ColumnElement[bool]:
    # core.query_fields._status: "none" is a post without a case
    return not_(_case_posts()) if node.key == "none" else _case_posts(cases.c.status == node.key)


def _assignee(node: Field, dialect: str) -> ColumnElement[bool]:
    # core.query_fields._assignee: "none" is no case, or a case nobody is assigned to
    if node.key == "none":
        return not_(_case_posts(cases.c.assignee != ""))
    return _case_posts(_lower(cases.c.assignee, dialect) == node.key)


def _tag(node: Field, dialect: str) -> ColumnElement[bool]:
    tagged = select(rule_hits.c.post_id).where(
        rule_hits.c.action == "tag", _lower(rule_hits.c.value, dialect) == node.key
    )
    return posts.c.id.in_(tagged)


def _topic(node: Field, dialect: str) -> ColumnElement[bool]:
    tagged = (
        select(post_topics.c.post_id)
        .join(topics, topics.c.id == post_topics.c.topic_id)
        .where(_lower(topics.c.name, dialect) == node.key)
    )
    return posts.c.id.in_(tagged)


# Every field's SQL, declared once (the fields themselves: core.query_fields.FIELDS); nothing adds to it later.
FIELD_SQL: Mapping[str, FieldSql] = {
    "status": _status,
    "assignee": _assignee,
    "tag": _tag,
    "channel": lambda node, dialect: posts.c.channel == node.key,
    "author": _author,
    "sentiment": lambda node, dialect: posts.c.sentiment_label == node.key,
    "lang": _lang,
    "source": _source,
    "has": _has,
    "is": lambda node, dialect: posts.c.is_read == (true() if node.key == "read" else false()),
    # trait and intent are stored lower-case on indexed columns: plain equality
    "trait": lambda node, dialect: posts.c.trait == node.key,
    "intent": lambda node, dialect: posts.c.intent == node.key,
    "topic": _topic,
    "since": lambda node, dialect: posts.c.created_at >= parse_time(node.key),
    "until": lambda node, dialect: posts.c.created_at < parse_time(node.key),
}


def _field(node: Field, dialect: str) -> ColumnElement[bool]:
    compile_field = FIELD_SQL.get(node.name)
    if compile_field is not None:
        return compile_field(node, dialect)
    if node.name in posts.c:  # a workflow column a later migration added: plain case-insensitive equality
        return _lower(posts.c[node.name], dialect) == node.key
    raise QueryError(f"`{node.name}:` is not available yet in this workspace", node.position, node.length)


class _Compiler:
    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        self._text_cache: dict[int, str | None] = {}
        self._depth_cache: dict[int, int] = {}

    def depth(self, node: Node) -> int:
        key = id(node)
        if key not in self._depth_cache:
            children = (node.child,) if isinstance(node, Not) else getattr(node, "children", None)
            self._depth_cache[key] = 0 if children is None else 1 + max(map(self.depth, children), default=0)
        return self._depth_cache[key]

    def deepest_first(self, children: Sequence[Node]) -> list[Node]:
        """Children with the most nested first. SQLite's and FTS5's parsers keep every unfinished `a AND (`
        on a fixed 100-entry stack; opening the nested group first lets them reduce as they go, so the
        deepest query the language allows stays clear of "parser stack overflow". AND and OR ignore order."""
        return sorted(children, key=self.depth, reverse=True)

    # ---- full text -----------------------------------------------------------------------------------------
    def text(self, node: Node) -> str | None:
        """The node as one full-text expression, or None when it needs SQL (fields, a lone exclusion)."""
        key = id(node)
        if key not in self._text_cache:
            self._text_cache[key] = self._text(node)
        return self._text_cache[key]

    def _text(self, node: Node) -> str | None:
        if isinstance(node, Term):
            return self._phrase(node)
        if isinstance(node, Or):
            parts = [self.text(child) for child in self.deepest_first(node.children)]
            return None if any(p is None for p in parts) else self._or([p for p in parts if p is not None])
        if isinstance(node, And):
            positive, negative, rest = self.split(node.children)
            return self._and(positive, negative) if positive and not rest else None
        return None

    def split(self, children: Sequence[Node]) -> tuple[list[str], list[str], list[Node]]:
        """Children as full-text terms that must match, full-text terms that must not, and the rest."""
        positive: list[str] = []
        negative: list[str] = []
        rest: list[Node] = []
        for child in self.deepest_first(children):
            if (expr := self.text(child)) is not None:
                positive.append(expr)
            elif isinstance(child, Not) and (expr := self.text(child.child)) is not None:
                negative.append(expr)
            else:
                rest.append(child)
        return positive, negative, rest

    def _phrase(self, term: Term) -> str:
        if self.dialect == "postgresql":
            lexemes = ["'" + t.replace("\\", "\\\\").replace("'", "''") + "'" for t in term.raw]
            if term.prefix:
                lexemes[-1] += ":*"
            return "(" + " <-> ".join(lexemes) + ")" if len(lexemes) > 1 else lexemes[0]
        phrase = '"' + " ".join(term.raw).replace('"', '""') + '"'
        return phrase + " *" if term.prefix else phrase

    def _or(self, parts: list[str]) -> str:
        # Wrapped: OR binds loosest in both FTS5 and tsquery syntax.
        return parts[0] if len(parts) == 1 else "(" + (" | " if self._pg else " OR ").join(parts) + ")"

    def _and(self, positive: list[str], negative: list[str]) -> str:
        expr = (" & " if self._pg else " AND ").join(positive)
        if negative:
            expr += (" & !" if self._pg else " NOT ") + self._or(negative)
        return "(" + expr + ")" if len(positive) > 1 or negative else expr

    @property
    def _pg(self) -> bool:
        return self.dialect == "postgresql"

    def match(self, expr: str, *, negate: bool = False) -> ColumnElement[bool]:
        if self._pg:
            found = literal_column("posts.search").op("@@", is_comparison=True)(
                func.to_tsquery("simple", literal(expr))
            )
            return not_(found) if negate else found
        rows = select(_fts.c.rowid).where(literal_column("posts_fts").op("MATCH", is_comparison=True)(literal(expr)))
        return posts.c.id.not_in(rows) if negate else posts.c.id.in_(rows)

    # ---- the whole tree ------------------------------------------------------------------------------------
    def compile(self, node: Node) -> ColumnElement[bool]:
        expr = self.text(node)
        if expr is not None:
            return self.match(expr)
        if isinstance(node, Field):
            return _field(node, self.dialect)
        if isinstance(node, Not):
            inner = self.text(node.child)
            return self.match(inner, negate=True) if inner is not None else not_(self.compile(node.child))
        if isinstance(node, Or):
            children = self.deepest_first(node.children)
            texts = [t for c in children if (t := self.text(c)) is not None]
            others = [self.compile(c) for c in children if self.text(c) is None]
            # A MATCH is a leaf to SQL, however nested its string: it goes last (see deepest_first).
            return or_(*others, *([self.match(self._or(texts))] if texts else []))
        assert isinstance(node, And)
        if not node.children:
            return true()
        positive, negative, rest = self.split(node.children)
        clauses = [self.compile(child) for child in rest]
        if positive:
            clauses.append(self.match(self._and(positive, negative)))
        elif negative:  # -a -b: one lookup for "a OR b", then NOT IN
            clauses.append(self.match(self._or(negative), negate=True))
        return and_(*clauses)


def to_sql(query: Query, dialect: str = "sqlite") -> ColumnElement[bool]:
    """The query as a WHERE condition on `posts` (no joins), for `dialect` ("sqlite" or "postgresql").

    Raises QueryError for a field this database cannot evaluate yet."""
    if dialect not in DIALECTS:
        raise ValueError(f"unsupported database dialect {dialect!r}; expected one of {', '.join(DIALECTS)}")
    return _Compiler(dialect).compile(query.root)
