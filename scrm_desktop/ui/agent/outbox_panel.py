"""The outbox panel: replies by state with counts, and the steps only a person can take. Manual channels: copy
the reply, open the post, confirm it was sent (optionally with the reply's link). Needs check: look on the channel,
then "it was sent" or "not sent, send again". Failed: the reason, Retry, Edit. Reads and writes run on the
loader's worker thread; the list refreshes on a timer and whenever something here changes it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QColor, QDesktopServices, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from scrm_desktop.engage.templates import check_reply
from scrm_desktop.store.cases import OUTBOX_STATES, OutboxItem
from scrm_desktop.ui.tasks import TaskRunner

REFRESH_MS = 5000
NEEDS_YOU = ("manual", "needs_check", "failed")
FILTERS = (
    ("Needs you", NEEDS_YOU),
    ("Waiting to send", ("queued", "sending")),
    ("Sent", ("sent",)),
    ("All", OUTBOX_STATES),
)

if TYPE_CHECKING:
    from scrm_desktop.workspace import Workspace
STATE_WORDS = {
    "queued": "queued",
    "sending": "sending",
    "sent": "sent",
    "failed": "failed",
    "manual": "post by hand",
    "needs_check": "needs check",
}
STATE_COLOURS = {"failed": "#c0392b", "needs_check": "#b9770e", "manual": "#2f6fde", "sent": "#2e9d57"}
HELP = {
    "manual": "This channel cannot publish replies. Copy the reply (Ctrl+Shift+C), open the post (Ctrl+O), post it "
    "there, then confirm it was sent (Ctrl+Return), with the reply's link if you have it.",
    "needs_check": "The app stopped while sending this reply, so nobody knows whether it went out. Open the post "
    "(Ctrl+O) and look: confirm it was sent (Ctrl+Return), or send it again (Ctrl+R).",
    "failed": "The channel refused this reply. Fix the cause, then Retry (Ctrl+R), or Edit the words (Ctrl+E).",
    "queued": "Waiting to be sent; it is tried again with a back-off while the channel cannot be reached.",
    "sending": "Being sent now.",
    "sent": "Posted.",
}


class OutboxPanel(QWidget):
    changed = Signal()  # an item moved because of something done here
    counts_changed = Signal(dict)  # state -> count, after every refresh

    def __init__(self, ws: Workspace, loader: TaskRunner | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.repo = ws, ws.cases.repo
        self.loader = loader or TaskRunner(self)
        self.items: list[OutboxItem] = []
        self.counts: dict[str, int] = {}
        self.filter = QComboBox()
        for label, _states in FILTERS:
            self.filter.addItem(label)
        self.summary = QLabel()
        self.list = QTreeWidget()
        self.list.setHeaderLabels(["state", "case", "channel", "queued", "reply"])
        self.list.setRootIsDecorated(False)
        self.list.setUniformRowHeights(True)
        self.list.setColumnWidth(0, 110)
        self.list.setColumnWidth(1, 60)
        self.list.setColumnWidth(2, 90)
        self.list.setColumnWidth(3, 100)
        self.state_label = QLabel()
        self.help = QLabel(wordWrap=True)
        self.reason = QLabel(wordWrap=True)
        self.reason.setTextFormat(Qt.TextFormat.PlainText)
        self.reason.setStyleSheet("color: #c0392b;")
        self.text = QPlainTextEdit(readOnly=True)
        self.text.setTabChangesFocus(True)
        self.url = QLineEdit(placeholderText="Link to the reply you posted (optional)")
        self.copy_button = QPushButton("&Copy reply")
        self.open_button = QPushButton("&Open post in browser")
        self.confirm_button = QPushButton("Confirm &sent")
        self.retry_button = QPushButton("&Retry")
        self.edit_button = QPushButton("&Edit")
        self.save_button = QPushButton("Save && retry")
        self.message = QLabel(wordWrap=True)
        self._build()
        self._wire()
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self._show_item(None)

    def _build(self) -> None:
        top = QHBoxLayout()
        top.addWidget(QLabel("Show"))
        top.addWidget(self.filter)
        top.addWidget(self.summary, 1)
        detail = QWidget()
        col = QVBoxLayout(detail)
        col.setContentsMargins(0, 0, 0, 0)
        for widget in (self.state_label, self.help, self.reason, self.text, self.url):
            col.addWidget(widget)
        buttons = QHBoxLayout()
        for button in (self.copy_button, self.open_button, self.confirm_button, self.retry_button, self.edit_button):
            buttons.addWidget(button)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        col.addLayout(buttons)
        col.addWidget(self.message)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.list)
        split.addWidget(detail)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)

    def _wire(self) -> None:
        self.filter.currentIndexChanged.connect(self.refresh)
        self.list.currentItemChanged.connect(lambda cur, _prev: self._show_item(self._item_of(cur)))
        self.copy_button.clicked.connect(self.copy_reply)
        self.open_button.clicked.connect(self.open_post)
        self.confirm_button.clicked.connect(self.confirm_sent)
        self.retry_button.clicked.connect(self.retry)
        self.edit_button.clicked.connect(self.start_edit)
        self.save_button.clicked.connect(self.save_edit)
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        for keys, slot in (
            ("Ctrl+Shift+C", self.copy_reply),
            ("Ctrl+O", self.open_post),
            ("Ctrl+Return", self._confirm_or_save),
            ("Ctrl+R", self.retry),
            ("Ctrl+E", self.start_edit),
        ):
            QShortcut(QKeySequence(keys), self, slot, context=context)

    # ---- loading -----------------------------------------------------------------------------------------
    def refresh(self) -> None:
        states = FILTERS[self.filter.currentIndex()][1]
        self.loader.run(lambda: (self.repo.counts(), self.repo.items(states)), self._loaded, key="outbox")

    def _loaded(self, result: tuple[dict[str, int], list[OutboxItem]]) -> None:
        self.counts, items = result
        self.counts_changed.emit(self.counts)
        needs = sum(self.counts.get(s, 0) for s in NEEDS_YOU)
        parts = [f"{STATE_WORDS[s]} {self.counts[s]}" for s in OUTBOX_STATES if self.counts.get(s)]
        self.summary.setText(f"   {needs} need you  ·  " + "  ·  ".join(parts) if parts else "   The outbox is empty.")
        current = self.current_item()
        keep = current.id if current else None
        self.items = list(reversed(items))  # newest first
        self.list.blockSignals(True)
        self.list.clear()
        for item in self.items:
            row = QTreeWidgetItem(
                [
                    STATE_WORDS[item.state],
                    f"#{item.case_id}" if item.case_id else "",
                    item.channel,
                    f"{item.created_at:%d %b %H:%M}",
                    " ".join(item.text.split())[:160],
                ]
            )
            row.setData(0, Qt.ItemDataRole.UserRole, item.id)
            if item.state in STATE_COLOURS:
                row.setForeground(0, QColor(STATE_COLOURS[item.state]))
            self.list.addTopLevelItem(row)
            if item.id == keep:
                self.list.setCurrentItem(row)
        if self.list.currentItem() is None and self.items:
            self.list.setCurrentItem(self.list.topLevelItem(0))
        self.list.blockSignals(False)
        self._show_item(self.current_item())

    def _item_of(self, row: QTreeWidgetItem | None) -> OutboxItem | None:
        if row is None:
            return None
        item_id = row.data(0, Qt.ItemDataRole.UserRole)
        return next((i for i in self.items if i.id == item_id), None)

    def current_item(self) -> OutboxItem | None:
        return self._item_of(self.list.currentItem())

    def select(self, item_id: int) -> bool:
        for i in range(self.list.topLevelItemCount()):
            row = self.list.topLevelItem(i)
            if row.data(0, Qt.ItemDataRole.UserRole) == item_id:
                self.list.setCurrentItem(row)
                return True
        return False

    def _show_item(self, item: OutboxItem | None) -> None:
        state = item.state if item else ""
        self.state_label.setText(
            f"<b>{STATE_WORDS[state].capitalize()}</b> · reply #{item.id} · {item.channel}"
            + (f" · case #{item.case_id}" if item.case_id else "")
            if item
            else "Nothing selected."
        )
        self.help.setText(HELP.get(state, ""))
        self.reason.setText(item.last_error if item and state in ("failed", "needs_check", "queued") else "")
        self.reason.setVisible(bool(self.reason.text()))
        self.text.setReadOnly(True)
        self.text.setPlainText(item.text if item else "")
        self.url.setVisible(state in ("manual", "needs_check"))
        self.copy_button.setEnabled(item is not None)
        self.open_button.setEnabled(bool(item and item.reply_url))
        self.confirm_button.setVisible(state in ("manual", "needs_check"))
        self.confirm_button.setText("It was &sent" if state == "needs_check" else "Confirm &sent")
        self.retry_button.setVisible(state in ("failed", "needs_check"))
        self.retry_button.setText("Not sent, send &again" if state == "needs_check" else "&Retry")
        self.edit_button.setVisible(state in ("failed", "manual"))
        self.save_button.setVisible(False)

    # ---- a person's steps --------------------------------------------------------------------------------
    def copy_reply(self) -> None:
        item = self.current_item()
        if item is not None:
            QGuiApplication.clipboard().setText(item.text)
            self.message.setText("Reply copied: paste it as your answer on the channel.")

    def open_post(self) -> None:
        item = self.current_item()
        if item is not None and item.reply_url.startswith(("https://", "http://")):
            QDesktopServices.openUrl(QUrl(item.reply_url))

    def confirm_sent(self) -> None:
        item = self.current_item()
        if item is None or item.state not in ("manual", "needs_check"):
            return
        url = self.url.text().strip()
        if url and not url.startswith(("https://", "http://")):
            self.message.setText("The link should start with https:// (or leave it empty).")
            return
        self._act(lambda: self.ws.outbox.confirm_sent(item.id, url), f"Reply #{item.id} marked as sent.")
        self.url.clear()

    def retry(self) -> None:
        item = self.current_item()
        if item is not None and item.state in ("failed", "needs_check"):
            self._act(lambda: self.ws.outbox.retry(item.id), f"Reply #{item.id} is queued to be sent again.")

    def start_edit(self) -> None:
        item = self.current_item()
        if item is None or item.state not in ("failed", "manual"):
            return
        self.text.setReadOnly(False)
        self.text.setFocus()
        self.save_button.setVisible(True)
        self.message.setText("Edit the reply, then Save (Ctrl+Return).")

    def save_edit(self) -> None:
        item = self.current_item()
        if item is None or self.text.isReadOnly():
            return
        text = self.text.toPlainText()
        check = check_reply(text, item.channel)
        if not check.ok:
            self.message.setText("Not saved: " + "; ".join(check.problems))
            return
        again = item.state == "failed"

        def work() -> bool:
            return self.ws.outbox.edit(item.id, text) and (not again or self.ws.outbox.retry(item.id))

        self._act(work, f"Reply #{item.id} saved" + (" and queued again." if again else "."))

    def _confirm_or_save(self) -> None:
        if not self.text.isReadOnly():
            self.save_edit()
        else:
            self.confirm_sent()

    def _act(self, work: Any, done_text: str) -> None:
        def done(moved: bool) -> None:
            self.message.setText(done_text if moved else "Someone changed this reply meanwhile; the list is updated.")
            self.changed.emit()
            self.refresh()

        self.loader.run(work, done, failure=lambda exc: self.message.setText(f"Could not do it: {exc}"))
