"""The selected post in full: plain text only, the reasons behind its sentiment, a link that opens in the
browser (nothing remote is loaded), and its conversation."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
)

from scrm_desktop.core.edits import edited_time
from scrm_desktop.core.post import Post
from scrm_desktop.core.query_fields import INTENTS, TRAITS  # not core.classify: its cue rules load with ingest
from scrm_desktop.core.reasons import own_text
from scrm_desktop.ui.cue_text import quoted_cues
from scrm_desktop.ui.tasks import TaskRunner
from scrm_desktop.ui.theme import Theme
from scrm_desktop.ui.views.post_actions import POST_ACTIONS
from scrm_desktop.ui.views.post_delegate import display_text, engagement

log = logging.getLogger(__name__)
BEFORE_EDIT_SHOWN = 400  # characters of the text before an edit shown under the post


def _plain_label(text: str = "", object_name: str = "") -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)  # untrusted text is shown as text, never as rich text
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if object_name:
        label.setObjectName(object_name)
    return label


def _button_row(
    into: dict[str, QPushButton],
    buttons: Sequence[tuple[str, str, str]],
    clicked: Callable[[str], None],
    lead: QLabel | None = None,
    columns: int = 0,
) -> QFrame:
    """A row of buttons (key, text, tooltip), each calling `clicked(key)`, kept in `into` by key. With `columns`,
    a grid of that many buttons a line, so long labels stay whole in a narrow pane."""
    frame = QFrame()
    made = []
    for key, text, tip in buttons:
        button = QPushButton(text)
        button.setToolTip(tip)
        button.clicked.connect(lambda _=False, k=key: clicked(k))
        into[key] = button
        made.append(button)
    if columns:
        grid = QGridLayout(frame)
        grid.setContentsMargins(0, 0, 0, 0)
        for i, button in enumerate(made):
            grid.addWidget(button, i // columns, i % columns)
        return frame
    row = QHBoxLayout(frame)
    row.setContentsMargins(0, 0, 0, 0)
    if lead is not None:
        row.addWidget(lead)
    for button in made:
        row.addWidget(button)
    row.addStretch(1)
    return frame


@dataclass(frozen=True)
class _Extras:
    """What the store knows around a post, read together off the GUI thread."""

    loaded: bool = False
    reasons: Sequence[dict[str, Any]] = ()
    cues: dict[str, Any] | None = None
    thread: Sequence[Post] = ()
    history: Any = None  # .post_count, .recent
    customer: Any = None  # the linked customer record
    edit: tuple[str, str] = ("", "")  # (edited_at, previous text)

    @classmethod
    def read(cls, post: Post, reasons, cues, thread, history, customer, edit) -> _Extras:  # type: ignore[no-untyped-def]
        """On the worker thread: each source is a callable the app set, or None."""
        author = post.author_id
        return cls(
            loaded=True,
            reasons=reasons(post.id),
            cues=_with_floors(cues(post.id)) if cues is not None else {},
            thread=thread(post),
            history=history(author) if history is not None and author is not None else None,
            customer=customer(author) if customer is not None and author is not None else None,
            edit=edit(post.id) if edit is not None else ("", ""),
        )


def _with_floors(cues: dict[str, Any] | None) -> dict[str, Any] | None:
    """The stored classification, with the shipped model's confidence floors beside it ("floors": field -> floor)
    when it has confidences: below its floor the model alone would have said "unknown", so a label there was the
    cue rules' (on the worker thread: the model file is read once, on first use)."""
    if not cues or not any(f"{field}_confidence" in cues for field in ("trait", "intent")):
        return cues
    from scrm_desktop.core.classify_model import ClassifyModel

    return {**cues, "floors": {field: m.floor for field, m in ClassifyModel.shipped().fields.items()}}


# the widgets of a shown post, made with the first one (DetailPane._build)
_CONTENT = frozenset(
    {
        *("author", "meta", "edited", "before_edit", "title", "body", "sentiment", "reasons", "stats", "thread"),
        *("customer", "link_customer", "open_link", "correct_buttons", "correct_row", "classified"),
        *("class_reasons", "class_boxes", "class_row", "action_buttons", "work_row", "author_card"),
    }
)


class DetailPane(QFrame):
    action_requested = Signal(str, object)  # a POST_ACTIONS key and the post shown (open a case, reply...)

    def __init__(
        self,
        theme: Theme,
        reasons_for: Callable[[int], Sequence[dict[str, Any]]],
        thread_for: Callable[[Post], Sequence[Post]],
        parent=None,  # type: ignore[no-untyped-def]
        author_for: Callable[[int | None], Any] | None = None,  # author id -> .post_count, .recent (PostRepo)
        tasks: TaskRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("Detail")
        self.tasks = tasks or TaskRunner(self)  # what the store knows about the post is read off the GUI thread
        self.theme = theme
        self._reasons_for = reasons_for
        self._thread_for = thread_for
        self._author_for = author_for
        self.post: Post | None = None
        # what the app connects (each may stay None: the pane then offers less)
        self.edit_for: Callable[[int], tuple[str, str]] | None = None  # post id -> (edited_at, previous text)
        self.customer_for: Callable[[int], Any] | None = None  # author id -> customer record or None
        self.on_link_customer: Callable[[Post], None] | None = None
        self.on_correct: Callable[[int, str], None] | None = None
        self.classification_for: Callable[[int], dict[str, Any]] | None = None  # post id -> cues
        self.on_correct_class: Callable[[int, str, str], None] | None = None  # post id, field, value
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(16, 14, 16, 14)
        self.placeholder = _plain_label("Select a post to see it in full.", "Muted")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._layout.addWidget(self.placeholder, 1)
        self._built = False  # the post's widgets are made for the first post shown (not before the first paint)

    def __getattr__(self, name: str) -> Any:
        """A post's widget asked for before any post was shown: the widgets are made now."""
        if name in _CONTENT and not self.__dict__.get("_built", True):
            self._build()
            return getattr(self, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _build(self) -> None:
        self._built = True
        self.author = _plain_label(object_name="DetailAuthor")
        self.meta = _plain_label(object_name="Muted")
        self.edited = _plain_label(object_name="Muted")  # "edited <local time>" when the author edited it
        self.edited.setAccessibleName("Edited")
        self.before_edit = _plain_label(object_name="Muted")  # the text before the last edit, secondary
        self.before_edit.setAccessibleName("Text before the edit")
        self.before_edit.setStyleSheet("font-style: italic;")
        self.title = _plain_label()
        self.title.setStyleSheet("font-weight: 600;")
        self.body = QPlainTextEdit()
        self.body.setReadOnly(True)
        self.body.setFrameShape(QFrame.Shape.NoFrame)
        self.body.setAccessibleName("Post text")
        self.sentiment = _plain_label()
        self.reasons = _plain_label(object_name="Muted")
        self.stats = _plain_label(object_name="Muted")
        self.thread = _plain_label(object_name="Muted")
        self.customer = _plain_label(object_name="DetailCustomer")
        self.customer.setAccessibleName("Customer record")
        self.link_customer = QPushButton("Link to customer…")
        self.link_customer.setToolTip("Link this author's profile to a customer record")
        self.link_customer.clicked.connect(self._link_customer)
        self.open_link = QPushButton("Open in browser")
        self.open_link.setToolTip("Opens the post's page in your web browser")
        self.open_link.clicked.connect(self._open)
        self.correct_buttons: dict[str, QPushButton] = {}
        self.correct_row = _button_row(
            self.correct_buttons,
            [
                (label, label.capitalize(), f"Mark this post {label}; similar posts will be scored with it in mind")
                for label in ("positive", "neutral", "negative")
            ],
            self._correct,
            _plain_label("Correct the label:", "Muted"),
        )
        self._build_classification()
        self.action_buttons: dict[str, QPushButton] = {}
        self.work_row = _button_row(
            self.action_buttons,
            [(key, label, f"{label.rstrip('…')} for this post ({shortcut})") for key, label, shortcut in POST_ACTIONS],
            self._ask,
            columns=2,  # two a line: "Add to an incident…" stays readable in a narrow pane
        )
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_link)
        buttons.addWidget(self.link_customer)
        buttons.addStretch(1)
        self.author_card = _plain_label(object_name="Muted")  # "N posts from this author" and their latest
        self.author_card.setAccessibleName("Author history")
        at = self._layout.indexOf(self.placeholder)
        for w in (
            self.author,
            self.meta,
            self.edited,
            self.author_card,
            self.customer,
            self.sentiment,
            self.reasons,
            self.correct_row,
            self.classified,
            self.class_reasons,
            self.class_row,
            self.stats,
            self.title,
        ):
            w.hide()
            self._layout.insertWidget(at, w)
            at += 1
        self.body.hide()
        self._layout.insertWidget(at, self.body, 1)
        for w in (self.before_edit, self.thread):
            w.hide()
            self._layout.insertWidget(at + 1, w)
            at += 1
        self._layout.insertLayout(at + 1, buttons)
        self.work_row.hide()
        self._layout.insertWidget(at + 2, self.work_row)
        self.open_link.hide()
        self.link_customer.hide()

    def show_post(self, post: Post | None) -> None:
        self.post = post
        if not self._built:
            if post is None:
                return  # the placeholder is all there is
            self._build()
        content = (
            self.author,
            self.meta,
            self.title,
            self.body,
            self.stats,
            self.sentiment,
            self.reasons,
            self.correct_row,  # nothing to correct without a post
            self.classified,
            self.class_reasons,
            self.class_row,
            self.author_card,
            self.thread,
            self.open_link,
            self.work_row,
        )
        for w in content:
            w.setVisible(post is not None)
        self.placeholder.setVisible(post is None)
        self._show_extras(post, _Extras())  # until the store's answer lands: nothing of the previous post
        if post is None:
            return
        name = post.author_name or post.author_handle or "Unknown author"
        self.author.setText(name)
        followers = f" · {post.author_followers:,} followers" if post.author_followers else ""
        handle = f"@{post.author_handle.lstrip('@')} · " if post.author_handle else ""
        source = f" · via {post.source_name}" if post.source_name else ""
        self.meta.setText(f"{handle}{post.channel}{followers} · {post.created_at:%Y-%m-%d %H:%M} UTC{source}")
        self.title.setText(post.title)
        self.title.setVisible(bool(post.title))
        self.body.setPlainText(post.text)
        self.stats.setText(engagement(post))
        self.stats.setVisible(bool(engagement(post)))
        color = self.theme.sentiment(post.sentiment_label).name()
        self.sentiment.setStyleSheet(f"color: {color}; font-weight: 600;")
        self.sentiment.setText(f"Sentiment: {post.sentiment_label} ({post.sentiment:+.2f})")
        for label, button in self.correct_buttons.items():
            button.setEnabled(self.on_correct is not None and label != post.sentiment_label)
        self.open_link.setEnabled(bool(post.url))
        self._load_extras(post)

    def _load_extras(self, post: Post) -> None:
        """Read what the store knows around the post (cues, thread, author, customer, edit) in the background."""
        sources = (
            self._reasons_for,
            self.classification_for,
            self._thread_for,
            self._author_for,
            self.customer_for,
            self.edit_for,
        )
        self.tasks.run(
            lambda: _Extras.read(post, *sources),
            lambda extras: self._show_extras(post, extras) if self.post is post else None,
            key="extras",
        )

    def _show_extras(self, post: Post | None, extras: _Extras) -> None:
        self._show_customer(post, extras.customer)
        self._show_edit(post, extras.edit)
        if post is None:
            return
        self.reasons.setText(self._explain(extras.reasons) if extras.loaded else "")
        self._show_classification(post, (extras.cues or {}) if extras.loaded else None)
        self.thread.setText(self._thread_text(extras.thread))
        self.thread.setVisible(bool(self.thread.text()))
        self.author_card.setText(self._author_text(post, extras.history))
        self.author_card.setVisible(bool(self.author_card.text()))

    def _build_classification(self) -> None:
        """Trait, intent and lead with the cues behind them, and a correction for each (lead: one click)."""
        self.classified = _plain_label(object_name="DetailClassification")
        self.classified.setAccessibleName("Trait, intent and lead")
        self.class_reasons = _plain_label(object_name="Muted")
        self.class_boxes: dict[str, QComboBox] = {}
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        for field, values in (("trait", TRAITS), ("intent", INTENTS)):
            box = QComboBox()
            box.addItems([f"{field}: unknown", *(f"{field}: {v}" for v in values)])
            box.setToolTip(f"Correct this post's {field}; streams and rules follow the agent's value")
            box.setAccessibleName(f"Correct the {field}")
            box.activated.connect(lambda i, f=field, vals=values: self._correct_class(f, ("", *vals)[i]))
            self.class_boxes[field] = box
            row.addWidget(box)
        self.lead_button = QPushButton("Mark as a lead")
        self.lead_button.setToolTip("Correct whether this post is a sales lead; similar posts will follow the agent")
        self.lead_button.clicked.connect(self._correct_lead)
        row.addWidget(self.lead_button)
        row.addStretch(1)
        self.class_row = QFrame()
        self.class_row.setLayout(row)

    def _show_classification(self, post: Post, cues: dict[str, Any] | None) -> None:
        known = cues or {}  # None: not read yet (no confidences, no cues shown meanwhile)
        lead = ("yes" if post.is_lead else "no") + _sure(known, "lead", "yes" if post.is_lead else "none")
        trait = _shown(known, "trait", post.trait) + _sure(known, "trait", post.trait)
        intent = _shown(known, "intent", post.intent) + _sure(known, "intent", post.intent)
        self.classified.setText(f"Trait: {trait} · Intent: {intent} · Lead: {lead}")
        self._show_cues(post, cues)
        for field, values in (("trait", TRAITS), ("intent", INTENTS)):
            current = getattr(post, field)
            self.class_boxes[field].setCurrentIndex(1 + values.index(current) if current in values else 0)
            self.class_boxes[field].setEnabled(self.on_correct_class is not None)
        self.lead_button.setText("Not a lead" if post.is_lead else "Mark as a lead")
        self.lead_button.setEnabled(self.on_correct_class is not None)

    def _show_cues(self, post: Post, cues: dict[str, Any] | None) -> None:
        """The post's own words behind each label (core/reasons.py: no handles, links or verdicts, even in
        reasons stored before the classifier left them out)."""
        if cues is None:  # not read yet
            self.class_reasons.setText("")
            return
        said = own_text(f"{post.title}. {post.text}" if post.title else post.text)
        parts = []
        for name, key in (("trait", "trait_cues"), ("intent", "intent_cues"), ("lead", "lead_products")):
            if name != "lead" and _none(cues, name, getattr(post, name)):
                continue  # "none": the words that pushed towards no label are no reason to read
            counted, ignored = quoted_cues((str(c) for c in cues.get(key) or ()), said, 5)
            off = f" (not counted: {', '.join(ignored)})" if ignored else ""
            if counted:
                parts.append(f"{name} ← {', '.join(counted)}{off}")
            elif name != "lead" and getattr(post, name):  # a label that rests on no words of the post: a guess
                parts.append(f"{name}: no words of the post behind it{off}")
        self.class_reasons.setText(f"Why: {'; '.join(parts)}" if parts else "Why: no trait or intent cues found.")

    def _correct_class(self, field: str, value: str) -> None:
        if self.post is None or self.on_correct_class is None or getattr(self.post, field) == value:
            return
        self._write(self.on_correct_class, self.post.id, field, value)
        self.show_post(replace(self.post, **{field: value}))

    def _correct_lead(self) -> None:
        """One click: a lead is not one after all, or a post the classifier missed is."""
        if self.post is None or self.on_correct_class is None:
            return
        lead = not self.post.is_lead
        self._write(self.on_correct_class, self.post.id, "lead", "yes" if lead else "")
        self.show_post(replace(self.post, is_lead=lead))

    def _write(self, write: Callable[..., Any], *args: Any) -> None:
        """A correction is stored in the background; the pane shows it at once (a failure is logged and shown)."""
        shown = self.post

        def failed(exc: Exception) -> None:
            log.warning("the correction could not be stored: %s", exc)
            if self.post is not None and shown is not None and self.post.id == shown.id:
                self.show_post(shown)
                self.reasons.setText(f"The correction could not be stored: {exc}")

        self.tasks.run(lambda: write(*args), failure=failed)

    def _show_edit(self, post: Post | None, edit: tuple[str, str]) -> None:
        """Shows "edited <local time>" and the text before the edit, for a post its author edited."""
        edited_at, before = edit if post is not None else ("", "")
        when = edited_time({"edited_at": edited_at})
        self.edited.setText(f"edited {when.astimezone():%Y-%m-%d %H:%M} (your time)" if when else "")
        self.edited.setVisible(when is not None)
        shown = before and post is not None and before != post.text
        self.before_edit.setText(f"Before the edit: {display_text(before, BEFORE_EDIT_SHOWN)}" if shown else "")
        self.before_edit.setVisible(bool(shown))

    def _correct(self, label: str) -> None:
        if self.post is None or self.on_correct is None:
            return
        self._write(self.on_correct, self.post.id, label)
        self.show_post(replace(self.post, sentiment_label=label))

    @staticmethod
    def _explain(reasons: Sequence[dict[str, Any]]) -> str:
        if not reasons:
            return "Why: no sentiment cues found."
        notes = [r for r in reasons if r.get("kind") == "correction"]
        cues = ", ".join(
            f"“{r.get('cue', '')}” {float(r.get('weight', 0)):+.2f}"
            for r in reasons[:7]
            if r.get("kind") != "correction"
        )
        head = f"Agent: {notes[0].get('cue', '')}\n" if notes else ""
        return f"{head}Why: {cues or 'no sentiment cues found.'}"

    @staticmethod
    def _author_text(post: Post, history: Any) -> str:
        """How many posts we hold from the author (counted at ingest) and their latest others."""
        if history is None:
            return ""
        n = history.post_count
        lines = [f"{n:,} post{'s' if n != 1 else ''} from this author"]
        for p in [p for p in history.recent if p.id != post.id][:3]:
            lines.append(f"  {p.created_at:%b %d} · {p.channel}: {display_text(p.text, 100)}")
        return "\n".join(lines)

    @staticmethod
    def _thread_text(others: Sequence[Post]) -> str:
        if not others:
            return ""
        lines = [f"Conversation ({len(others)} more):"]
        for p in others[:5]:
            who = p.author_handle or p.author_name or "?"
            lines.append(f"  {who}: {p.text[:140]}")
        return "\n".join(lines)

    def _show_customer(self, post: Post | None, record: Any) -> None:
        """The linked customer record (name, tier, tags, other profiles) and the link action."""
        author = post.author_id if post is not None else None
        record = record if author is not None else None
        self.customer.setVisible(record is not None)
        self.link_customer.setVisible(author is not None and self.on_link_customer is not None)
        self.link_customer.setText("Customer link…" if record is not None else "Link to customer…")
        if record is not None and post is not None:
            tier = " · VIP" if record.tier == "vip" else ""
            tags = f" · tags: {', '.join(record.tags)}" if record.tags else ""
            mine = (post.channel, post.author_handle)
            others = [f"{c}:{h}" for c, h in record.profiles if (c, h) != mine]
            also = f"\nAlso: {', '.join(others)}" if others else ""
            self.customer.setText(f"Customer: {record.name}{tier}{tags}{also}")

    def _link_customer(self) -> None:
        if self.post is not None and self.on_link_customer is not None:
            self.on_link_customer(self.post)
            self._load_extras(self.post)

    def _ask(self, key: str) -> None:
        if self.post is not None:
            self.action_requested.emit(key, self.post)

    def _open(self) -> None:
        if self.post and self.post.url:
            QDesktopServices.openUrl(QUrl(self.post.url))


def _none(cues: dict[str, Any], field: str, value: str) -> bool:
    """The classifier is sure the post has no trait (or intent): empty, its best guess "none"."""
    sure = isinstance(cues.get(f"{field}_confidence"), int | float)
    return sure and not value and cues.get(f"{field}_guess") == "none"


def _shown(cues: dict[str, Any], field: str, value: str) -> str:
    """The label as the pane says it: the value; "none" when the classifier is sure there is none; "unknown" when
    it was unsure (its guess follows in brackets) or the post was never classified."""
    return value or ("none" if _none(cues, field, value) else "unknown")


def _sure(cues: dict[str, Any], field: str, value: str) -> str:
    """ " (84%)" beside a classifier's answer, " (maybe passive, 38%)" when it was unsure, " (by its words)" for the
    cue rules' answer where the model was below its floor ("Sold my Flux 13. Never again": past, the model 30%
    sure); "" for an agent's value or a post classified before the learned model (no confidence stored)."""
    confidence = cues.get(f"{field}_confidence")
    if not isinstance(confidence, int | float):
        return ""
    guess = str(cues.get(f"{field}_guess") or "")
    if field == "lead":  # "yes" or "none"; no guess stored before lead corrections
        return "" if guess and guess != value else f" ({confidence:.0%})"
    if not value and guess not in ("", "none"):
        return f" (maybe {guess}, {confidence:.0%})"
    if value and guess and guess != value:
        return ""  # an agent changed it since
    if value and confidence < (cues.get("floors") or {}).get(field, 0.0):
        return " (by its words)"  # the cue rules' label: the model alone was too unsure to give one
    return f" ({confidence:.0%})"
