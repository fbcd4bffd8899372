"""The Customers tab: search the records, edit one (name, e-mail, phone, tier, tags, notes), its linked profiles
(with each profile's numbers and sentiment trend), linking by hand, and the combined history across channels.
Every read and write runs on the window's task runner; the Save/Link buttons are off while a write is under way."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from scrm_desktop.core.post import Post
from scrm_desktop.store.customers import Customer, CustomerError, CustomerRepo, Profile, ProfileStats
from scrm_desktop.ui.tasks import TaskRunner

HISTORY_PAGE = 50
SPARK = "▁▂▃▄▅▆▇█"


def _label(text: str = "", name: str = "") -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)  # names and posts are untrusted: never rich text
    label.setWordWrap(True)
    if name:
        label.setObjectName(name)
    return label


def trend_text(stats: ProfileStats) -> str:
    """Net sentiment per week as a sparkline, plus the totals: "▂▅█ +5 / −1 · 2 cases"."""
    if not stats.trend:
        return f"no posts in the last 12 weeks · {stats.cases} cases"
    nets = [pos - neg for _, pos, _, neg in stats.trend]
    low, high = min(nets), max(nets)
    spark = "".join(SPARK[3 if high == low else round((n - low) / (high - low) * 7)] for n in nets)
    pos = sum(p for _, p, _, _ in stats.trend)
    neg = sum(n for _, _, _, n in stats.trend)
    return f"weekly net sentiment {spark}  +{pos} / −{neg} · {stats.cases} cases"


def profile_text(p: Profile) -> str:
    followers = f"{p.followers:,} followers · " if p.followers is not None else ""
    seen = f"{p.first_seen:%Y-%m-%d} – {p.last_seen:%Y-%m-%d}" if p.first_seen and p.last_seen else ""
    flags = "".join((" · VIP" if p.vip else "", " · advocate" if p.advocate else ""))
    return f"{p.channel}:{p.handle} — {p.display_name} · {followers}{p.post_count} posts · seen {seen}{flags}"


def history_text(p: Post) -> str:
    text = " ".join(p.text.split())[:160]
    return f"{p.created_at:%Y-%m-%d %H:%M}  {p.channel}  {p.author_handle}  [{p.sentiment_label}]  {text}"


class RecordsTab(QWidget):
    def __init__(self, repo: CustomerRepo, loader: TaskRunner, actor: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._repo = repo
        self._loader = loader
        self._actor = actor
        self.customer: Customer | None = None
        self._opening = True  # the first list read selects its first record
        self.history_posts: list[Post] = []
        self._name_next = False  # focus the name once the record just made is shown

        self.search = QLineEdit(placeholderText="Search name, e-mail, tag or handle")
        self.list = QListWidget()
        self.new = QPushButton("New customer")
        self.delete = QPushButton("Delete")
        self._search_timer = QTimer(self, singleShot=True, interval=250)
        self._search_timer.timeout.connect(self.refresh)
        self.search.textChanged.connect(self._search_timer.start)
        self.list.currentItemChanged.connect(
            lambda item, _old: self.select(item.data(Qt.ItemDataRole.UserRole)) if item else None
        )
        self.new.clicked.connect(self._new)
        self.delete.clicked.connect(self._delete)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(self.search)
        lv.addWidget(self.list, 1)
        row = QHBoxLayout()
        row.addWidget(self.new)
        row.addWidget(self.delete)
        lv.addLayout(row)

        self.name = QLineEdit()
        self.email = QLineEdit()
        self.phone = QLineEdit()
        self.tier = QComboBox()
        self.tier.addItem("Regular", "")
        self.tier.addItem("VIP", "vip")
        self.tags = QLineEdit(placeholderText="comma separated, e.g. beta, press")
        self.note = QPlainTextEdit()
        self.note.setMaximumHeight(80)
        self.save = QPushButton("Save")
        self.save.clicked.connect(self._save)
        self.status = _label(name="Muted")
        form = QFormLayout()
        for text, w in (("Name", self.name), ("E-mail", self.email), ("Phone", self.phone), ("Tier", self.tier)):
            form.addRow(text, w)
        form.addRow("Tags", self.tags)
        form.addRow("Notes", self.note)

        self.profiles = QListWidget()
        self.profiles.setMaximumHeight(110)
        self.profiles.currentItemChanged.connect(lambda item, _old: self._show_stats(item))
        self.profile_stats = _label(name="Muted")
        self.link_input = QLineEdit(placeholderText="channel:handle, e.g. reddit:ana_s")
        self.link = QPushButton("Link profile")
        self.unlink = QPushButton("Unlink selected")
        self.link.clicked.connect(self._link)
        self.unlink.clicked.connect(self._unlink)
        link_row = QHBoxLayout()
        link_row.addWidget(self.link_input, 1)
        link_row.addWidget(self.link)
        link_row.addWidget(self.unlink)

        self.history = QListWidget()
        self.history.setWordWrap(True)
        self.more = QPushButton("Older posts")
        self.more.clicked.connect(self._more)

        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.addLayout(form)
        save_row = QHBoxLayout()
        save_row.addWidget(self.save)
        save_row.addWidget(self.status, 1)
        rv.addLayout(save_row)
        rv.addWidget(_label("Linked profiles"))
        rv.addWidget(self.profiles)
        rv.addWidget(self.profile_stats)
        rv.addLayout(link_row)
        rv.addWidget(_label("History across channels (newest first)"))
        rv.addWidget(self.history, 1)
        rv.addWidget(self.more)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(1, 3)
        QVBoxLayout(self).addWidget(split)
        self._set_enabled(False)

    # ---- list ---------------------------------------------------------------------------------------------
    def refresh(self, select_id: int | None = None) -> None:
        search, repo = self.search.text(), self._repo
        keep = select_id if select_id is not None else (self.customer.id if self.customer else None)
        self._loader.run(
            lambda: repo.list(search), lambda found: self._fill(found, keep), key="customers", failure=self._failed
        )

    def _failed(self, exc: Exception) -> None:
        self.status.setText(f"Could not load: {exc}")

    def _fill(self, found: list[Customer], keep: int | None) -> None:
        if self._opening and keep is None and found:  # the window opens on its first record, not a blank form
            keep = found[0].id
        self._opening = False
        self.list.blockSignals(True)
        self.list.clear()
        for c in found:
            extra = " · VIP" if c.vip else ""
            n = len(c.profiles)
            item = QListWidgetItem(f"{c.name}{extra}  ({n} profile{'s' if n != 1 else ''})")
            item.setData(Qt.ItemDataRole.UserRole, c.id)
            self.list.addItem(item)
            if c.id == keep:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        if keep is not None and any(c.id == keep for c in found):
            self.select(keep)

    def select(self, customer_id: int | None) -> None:
        """Show a record (read in the background, with its linked profiles), or none."""
        repo = self._repo

        def read() -> tuple[Customer | None, list[Profile]]:
            if customer_id is None:
                return None, []
            customer = repo.get(customer_id)
            return customer, [p for p in (repo.profile(aid) for aid in customer.author_ids) if p is not None]

        self._loader.run(read, lambda got: self._show_record(*got), key="record", failure=self._failed)

    def _show_record(self, c: Customer | None, profiles: list[Profile]) -> None:
        self.customer = c
        self._set_enabled(c is not None)
        self.name.setText(c.name if c else "")
        self.email.setText(c.email if c else "")
        self.phone.setText(c.phone if c else "")
        self.tier.setCurrentIndex(1 if c and c.vip else 0)
        self.tags.setText(", ".join(c.tags) if c else "")
        self.note.setPlainText(c.note if c else "")
        self._fill_profiles(profiles)
        self.history.clear()
        self.history_posts = []
        if c is not None:
            self._load_history(None)
        if c is not None and self._name_next:  # a record just made: its name is typed next
            self._name_next = False
            self.name.setFocus()
            self.name.selectAll()

    def _set_enabled(self, on: bool) -> None:
        for w in (self.name, self.email, self.phone, self.tier, self.tags, self.note, self.save, self.delete):
            w.setEnabled(on)
        for w in (self.link, self.unlink, self.link_input, self.more):
            w.setEnabled(on)

    # ---- record -------------------------------------------------------------------------------------------
    def _write(self, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        """A change in the background; the form's buttons are off until it is stored (or refused, and said)."""
        busy = [self.new, self.delete, self.save, self.link, self.unlink]
        self._loader.run(work, done, failure=self._refused, busy=busy)

    def _refused(self, exc: Exception) -> None:
        self.status.setText(str(exc) if isinstance(exc, CustomerError) else f"Not saved: {exc}")

    def _new(self) -> None:
        repo, actor = self._repo, self._actor

        def made(c: Customer) -> None:
            self._name_next = True
            self.refresh(c.id)

        self._write(lambda: repo.create("New customer", actor=actor), made)

    def _save(self) -> None:
        if self.customer is None:
            return
        repo, actor, customer_id = self._repo, self._actor, self.customer.id
        values = {
            "name": self.name.text(),
            "email": self.email.text(),
            "phone": self.phone.text(),
            "tier": self.tier.currentData(),
            "tags": [t for t in self.tags.text().split(",") if t.strip()],
            "note": self.note.toPlainText(),
        }

        def saved(c: Customer) -> None:
            self.customer = c
            self.status.setText("Saved")
            self.refresh(c.id)

        self._write(lambda: repo.update(customer_id, actor=actor, **values), saved)

    def _delete(self) -> None:
        if self.customer is not None:
            repo, actor, customer_id = self._repo, self._actor, self.customer.id

            def deleted(_result: object) -> None:
                self.select(None)
                self.status.setText("Deleted; its profiles stand alone again")
                self.refresh()

            self._write(lambda: repo.delete(customer_id, actor), deleted)

    # ---- profiles -----------------------------------------------------------------------------------------
    def _fill_profiles(self, profiles: list[Profile]) -> None:
        self.profiles.clear()
        self.profile_stats.setText("")
        for p in profiles:
            item = QListWidgetItem(profile_text(p))
            item.setData(Qt.ItemDataRole.UserRole, p.author_id)
            self.profiles.addItem(item)

    def _show_stats(self, item: QListWidgetItem | None) -> None:
        if item is None:
            self.profile_stats.setText("")
            return
        aid, repo = item.data(Qt.ItemDataRole.UserRole), self._repo
        self._loader.run(
            lambda: repo.stats(aid),
            lambda s: self.profile_stats.setText(trend_text(s)),
            key="stats",
            failure=self._failed,
        )

    def _link(self) -> None:
        if self.customer is None:
            return
        typed = self.link_input.text().strip()
        channel, _, handle = typed.partition(":")
        repo, actor, customer_id = self._repo, self._actor, self.customer.id

        def link() -> Profile | None:
            profile = repo.find_profile(channel, handle) if channel and handle else None
            if profile is not None:
                repo.link(profile.author_id, customer_id, actor)
            return profile

        def linked(profile: Profile | None) -> None:
            if profile is None:
                self.status.setText(f"No profile {typed!r} seen yet (write channel:handle)")
                return
            self.link_input.clear()
            self.status.setText(f"Linked {profile.label}")
            self.select(customer_id)
            self.refresh()

        self._write(link, linked)

    def _unlink(self) -> None:
        item = self.profiles.currentItem()
        if self.customer is None or item is None:
            return
        repo, actor, customer_id, author = (
            self._repo,
            self._actor,
            self.customer.id,
            item.data(Qt.ItemDataRole.UserRole),
        )

        def unlinked(_result: object) -> None:
            self.status.setText("Unlinked: the profile stands alone again")
            self.select(customer_id)
            self.refresh()

        self._write(lambda: repo.unlink(author, actor), unlinked)

    # ---- history ------------------------------------------------------------------------------------------
    def _load_history(self, before: tuple[datetime, int] | None) -> None:
        if self.customer is None:
            return
        cid, repo = self.customer.id, self._repo
        self._loader.run(
            lambda: repo.history(cid, before=before, limit=HISTORY_PAGE),
            lambda found: self._add_history(cid, found),
            key="history",
            failure=self._failed,
        )

    def _add_history(self, customer_id: int, found: list[Post]) -> None:
        if self.customer is None or self.customer.id != customer_id:
            return
        self.history_posts += found
        for p in found:
            self.history.addItem(QListWidgetItem(history_text(p)))
        self.more.setEnabled(len(found) == HISTORY_PAGE)

    def _more(self) -> None:
        if self.history_posts:
            last = self.history_posts[-1]
            self._load_history((last.created_at, last.id))
