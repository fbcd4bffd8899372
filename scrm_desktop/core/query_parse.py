"""Query text -> syntax tree: the lexer, the recursive-descent parser, and every syntax error message."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from scrm_desktop.core.query_ast import And, Field, Node, Not, Or, QueryError, Term, quote
from scrm_desktop.core.query_fields import FIELDS, suggest_field, suggest_value
from scrm_desktop.core.tokens import token_spans

MAX_LENGTH = 2000
MAX_DEPTH = 50  # brackets plus exclusions; keeps the SQL within SQLite's parser stack

_KEYWORDS = {"OR", "AND", "NOT"}
_FIELD_RE = re.compile(r"([A-Za-z][A-Za-z_]*):(.*)", re.DOTALL)
# Invisible characters that would make the query show differently from what it searches for.
_BAD_CHAR_RE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
_STOP = frozenset('()"')


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str  # "(", ")", "OR", "AND", "NOT", "-", "term", "field", "end"
    pos: int
    length: int
    text: str = ""  # the term's text or the field's value
    name: str = ""  # the field name as typed
    prefix: bool = False
    quoted: bool = False


def _check_text(text: str) -> None:
    if len(text) > MAX_LENGTH:
        raise QueryError(
            f"The query is too long ({len(text):,} characters; the limit is {MAX_LENGTH:,})",
            MAX_LENGTH,
            len(text) - MAX_LENGTH,
        )
    bad = _BAD_CHAR_RE.search(text)
    if bad:
        code = f"U+{ord(bad.group()):04X}"
        raise QueryError(f"The query contains an invisible control character ({code}); remove it", bad.start())


def _read_quoted(text: str, start: int) -> tuple[str, int]:
    """The text between the quote at `start` and its closing quote (\\" and \\\\ escape), and the index after."""
    out: list[str] = []
    i = start + 1
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in '"\\':
            out.append(text[i + 1])
            i += 2
        elif ch == '"':
            return "".join(out), i + 1
        else:
            out.append(ch)
            i += 1
    raise QueryError('Unterminated quote: add the closing "', start, len(text) - start)


def _stars(text: str, i: int) -> int:
    while i < len(text) and text[i] == "*":
        i += 1
    return i


def _lex(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            toks.append(_Tok(ch, i, 1))
            i += 1
        elif ch == '"':
            value, end = _read_quoted(text, i)
            after = _stars(text, end)
            toks.append(_Tok("term", i, after - i, value, prefix=after > end, quoted=True))
            i = after
        elif ch == "-":
            _check_exclusion(text, i, 1, "-")
            toks.append(_Tok("-", i, 1))
            i += 1
        else:
            tok, i = _word(text, i)
            toks.append(tok)
    toks.append(_Tok("end", len(text), 1))
    return toks


def _check_exclusion(text: str, i: int, length: int, shown: str) -> None:
    nxt = text[i + length] if i + length < len(text) else ""
    if not nxt or nxt.isspace() or nxt == ")":
        raise QueryError(f"Nothing to exclude after `{shown}`: write it right before a word, like -refund", i, length)


def _word(text: str, start: int) -> tuple[_Tok, int]:
    end = start
    while end < len(text) and not text[end].isspace() and text[end] not in _STOP:
        end += 1
    word = text[start:end]
    if word in _KEYWORDS:
        return _Tok(word, start, end - start), end
    field = _FIELD_RE.fullmatch(word)
    if field is None:
        stripped = word.rstrip("*")
        return _Tok("term", start, end - start, stripped, prefix=len(stripped) < len(word)), end
    name, value = field.groups()
    if not value and end < len(text) and text[end] == '"':
        value, end = _read_quoted(text, end)
        return _Tok("field", start, end - start, value, name=name, quoted=True), end
    return _Tok("field", start, end - start, value, name=name), end


class _Parser:
    def __init__(self, text: str, toks: list[_Tok]) -> None:
        self.text = text
        self.toks = toks
        self.i = 0
        self.depth = 0

    @property
    def peek(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    @contextmanager
    def nested(self, tok: _Tok) -> Iterator[None]:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QueryError(f"The query is nested too deeply (more than {MAX_DEPTH} brackets and exclusions)", tok.pos)
        yield
        self.depth -= 1

    def parse(self) -> Node:
        node = self.parse_or()
        tok = self.peek
        if tok.kind == ")":
            raise QueryError("Unbalanced `)`: there is no `(` for it to close", tok.pos)
        return node

    def parse_or(self) -> Node:
        parts = [self.parse_and()]
        while self.peek.kind == "OR":
            op = self.take()
            self._need_right(op)
            parts.append(self.parse_and())
        return _combine(Or, parts)

    def parse_and(self) -> Node:
        parts = [self.parse_unary()]
        while self.peek.kind not in ("end", ")", "OR"):
            if self.peek.kind == "AND":
                self._need_right(self.take())
            parts.append(self.parse_unary())
        return _combine(And, parts)

    def _need_right(self, op: _Tok) -> None:
        if self.peek.kind in ("end", ")", "OR", "AND"):
            raise QueryError(f"`{op.kind}` needs a search term after it", op.pos, op.length)

    def parse_unary(self) -> Node:
        tok = self.peek
        if tok.kind not in ("-", "NOT"):
            return self.parse_primary()
        self.take()
        if self.peek.kind in ("end", ")", "OR", "AND"):
            raise QueryError(f"Nothing to exclude after `{tok.kind}`", tok.pos, tok.length)
        with self.nested(tok):
            child = self.parse_unary()
        return Not(child, tok.pos)

    def parse_primary(self) -> Node:
        tok = self.take()
        if tok.kind == "(":
            if self.peek.kind == ")":
                raise QueryError("Empty brackets: put search terms inside them or remove them", tok.pos, 2)
            with self.nested(tok):
                node = self.parse_or()
            if self.peek.kind != ")":
                raise QueryError("Unbalanced `(`: add the `)` that closes it", tok.pos)
            self.take()
            return node
        if tok.kind == ")":
            raise QueryError("Unbalanced `)`: there is no `(` for it to close", tok.pos)
        if tok.kind in ("OR", "AND"):
            raise QueryError(f"`{tok.kind}` needs a search term before it", tok.pos, tok.length)
        if tok.kind == "field":
            return _field(tok)
        return _term(tok)


def _combine(kind: type[And] | type[Or], parts: list[Node]) -> Node:
    if len(parts) == 1:
        return parts[0]
    flat: list[Node] = []
    for part in parts:
        flat.extend(part.children if isinstance(part, kind) else (part,))
    return kind(tuple(flat))


def _term(tok: _Tok) -> Term:
    spans = token_spans(tok.text)
    if not spans:
        shown = quote(tok.text) if tok.quoted else tok.text + "*" * tok.prefix
        raise QueryError(
            f"{shown} has no letters or digits to search for (search ignores punctuation and symbols)",
            tok.pos,
            tok.length,
        )
    raw = tuple(tok.text[a:b] for a, b, _ in spans)
    return Term(
        tok.text, tuple(t for _, _, t in spans), raw, tok.prefix, tok.quoted, position=tok.pos, length=tok.length
    )


def _field(tok: _Tok) -> Field:
    name = tok.name.lower()
    spec = FIELDS.get(name)
    if spec is None:
        raise QueryError(_unknown_field(tok), tok.pos, len(tok.name) + 1)
    value = unicodedata.normalize("NFC", tok.text)
    if not value.strip():
        raise QueryError(_needs_value(name), tok.pos, tok.length)
    canonical = spec.canonical(value)
    if canonical is None:
        hint = suggest_value(spec, value)
        did_you_mean = f" Did you mean {name}:{hint}?" if hint else ""
        value_at = tok.pos + len(tok.name) + 1
        raise QueryError(
            f"`{name}:` cannot be {value!r}.{did_you_mean} Use one of: {spec.allowed()}",
            value_at,
            tok.pos + tok.length - value_at,
        )
    key = spec.key(canonical)
    if not key.strip():
        raise QueryError(_needs_value(name), tok.pos, tok.length)
    return Field(name, canonical, key, position=tok.pos, length=tok.length)


def _needs_value(name: str) -> str:
    example = FIELDS[name].example
    return f"`{name}:` needs a value" + (f", like {example}" if example else "")


def _unknown_field(tok: _Tok) -> str:
    hint = suggest_field(tok.name)
    did_you_mean = f" Did you mean `{hint}:`?" if hint else f" Fields: {', '.join(FIELDS)}."
    whole = tok.name + ":" + tok.text
    return f"Unknown field `{tok.name}:`.{did_you_mean} To search for the text itself, quote it: {quote(whole)}"


def parse_tree(text: str) -> Node:
    """The syntax tree of `text` (an empty And for an empty query); QueryError says what to fix and where."""
    _check_text(text)
    return _Parser(text, _lex(text)).parse() if text.strip() else And(())
