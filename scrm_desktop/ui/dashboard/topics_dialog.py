"""The topics editor (Work > Topics…): your brand, up to 10 competitors and free topics, each a name, a kind, a
query in the stream query language and a colour; a live "would match N of the last M posts" preview; saving a
changed query re-tags the archive in the background with progress and Cancel. The list, the preview's posts and
every save and removal go through the dialog's task runner, never the GUI thread."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFontDatabase, QIcon, QPixmap
from PySide6.QtWidgets import (
    QColorDialog,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from scrm_desktop.core.post import Post
from scrm_desktop.core.query import QueryError
from scrm_desktop.store.topics import MAX_COMPETITORS, Topic, TopicError, check_query
from scrm_desktop.store.topics_tables import KINDS
from scrm_desktop.ui.dashboard.retagger import Retagger
from scrm_desktop.ui.tasks import TaskRunner
from scrm_desktop.ui.views.query_problem import problem_labels, show_problem

log = logging.getLogger(__name__)

PREVIEW_POSTS = 2000  # the preview runs the query over this many of the newest posts
ERROR_STYLE = "QLabel#QueryError { color: #d64545; }"
KIND_LABELS = {"brand": "Brand (your own)", "competitor": "Competitor", "topic": "Topic"}
QUERY_HELP = (
    'Words and "exact phrases" (all must occur), OR, -word to exclude, brightwave* for a prefix, and filters such '
    "as channel:reddit or sentiment:negative. `topic:` cannot be used here."
)

if TYPE_CHECKING:
    from scrm_desktop.workspace import Workspace


def _swatch(color: str) -> QIcon:
    pixmap = QPixmap(14, 14)
    pixmap.fill(QColor(color) if QColor.isValidColorName(color) else QColor("#888888"))
    return QIcon(pixmap)


class TopicsDialog(QDialog):
    topics_changed = Signal()  # a topic was added, changed or removed, or a re-tag finished

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Topics")
        self.resize(860, 520)
        self._repo = ws.topics
        self._editing: int | None = None  # the topic in the form; None: a new one
        self._recent: list[Post] | None = None
        self._incomplete: set[int] = set()  # topics whose re-tag was cancelled: saving re-tags them again
        self._retagging: int | None = None
        self._topics: dict[int, Topic] = {}  # the listed topics by id (the form and the question use them)
        self.confirm_box: QMessageBox | None = None
        self._build()
        self.retagger = Retagger(self._repo, self)
        self.retagger.progress.connect(self._retag_progress)
        self.retagger.finished.connect(self._retag_finished)
        self.retagger.failed.connect(self._retag_failed)
        self.tasks = TaskRunner(self)  # the list and the preview's posts are read off the GUI thread
        posts = ws.db.posts
        self.tasks.run(lambda: posts.page(limit=PREVIEW_POSTS), self._posts_loaded, failure=self._no_posts)
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(150)
        self._preview_timer.timeout.connect(self.update_preview)
        self.reload()
        self.new_topic()

    # ---- building ----------------------------------------------------------------------------------------
    def _build(self) -> None:
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.list = QListWidget()
        self.list.setFixedWidth(260)  # the form's wrapped error text must not push the list around
        self.list.currentItemChanged.connect(self._selected)
        self.counts = QLabel()
        self.counts.setObjectName("Muted")
        self.new_button = QPushButton("New")
        self.new_button.clicked.connect(self.new_topic)
        self.remove_button = QPushButton("Remove…")
        self.remove_button.clicked.connect(self.ask_remove)
        left = QVBoxLayout()
        left.addWidget(self.list, 1)
        left.addWidget(self.counts)
        row = QHBoxLayout()
        row.addWidget(self.new_button)
        row.addWidget(self.remove_button)
        left.addLayout(row)

        self.name = QLineEdit()
        self.name.setMaxLength(100)
        self.name.setPlaceholderText("e.g. Brightwave")
        self.kind = QComboBox()
        for kind in KINDS:
            self.kind.addItem(KIND_LABELS[kind], kind)
        self.query = QLineEdit()
        self.query.setFont(mono)
        self.query.setPlaceholderText('e.g. brightwave* OR "bright wave"')
        self.query.setAccessibleName("Query")
        self.query.textChanged.connect(self._query_edited)
        help_label = QLabel(QUERY_HELP)
        help_label.setObjectName("Muted")
        help_label.setWordWrap(True)
        self.error, self.pointer = problem_labels(mono)  # what is wrong, in words; the query with carets under it
        self.preview = QLabel()
        self.preview.setTextFormat(Qt.TextFormat.PlainText)
        self.color = QLineEdit()
        self.color.setPlaceholderText("#1f77b4")
        self.color.setMaxLength(20)
        pick = QPushButton("Pick…")
        pick.clicked.connect(self._pick_color)
        color_row = QHBoxLayout()
        color_row.addWidget(self.color, 1)
        color_row.addWidget(pick)
        self.save_button = QPushButton("Save")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Kind", self.kind)
        form.addRow("Query", self.query)
        form.addRow("", help_label)
        form.addRow("", self.error)
        form.addRow("", self.pointer)
        form.addRow("Preview", self.preview)
        form.addRow("Colour", color_row)
        form.addRow("", self.save_button)

        self.progress = QProgressBar()
        self.progress.setFormat("Re-tagging… %p%")
        self.cancel_button = QPushButton("Cancel re-tag")
        self.cancel_button.clicked.connect(self.retagger_cancel)
        self.retag_status = QLabel()
        self.retag_status.setTextFormat(Qt.TextFormat.PlainText)
        self.retag_status.setWordWrap(True)
        retag_row = QHBoxLayout()
        retag_row.addWidget(self.progress, 1)
        retag_row.addWidget(self.cancel_button)
        right = QVBoxLayout()
        right.addLayout(form)
        right.addStretch(1)
        right.addLayout(retag_row)
        right.addWidget(self.retag_status)
        self._show_retag(False)

        body = QHBoxLayout()
        body.addLayout(left, 2)
        body.addLayout(right, 3)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(body)
        layout.addWidget(close)
        self.setStyleSheet(ERROR_STYLE)

    # ---- the list ----------------------------------------------------------------------------------------
    def _no_posts(self, exc: Exception) -> None:
        log.error("could not read posts for the topic preview: %s", exc)
        self._posts_loaded([])

    def reload(self, select: int | None = None) -> None:
        self.tasks.run(self._repo.list, lambda topics: self._show_topics(topics, select), key="topics")

    def _show_topics(self, topics: list[Topic], select: int | None) -> None:
        self._topics = {t.id: t for t in topics}
        self.list.blockSignals(True)
        self.list.clear()
        for topic in topics:
            item = QListWidgetItem(_swatch(topic.color), f"{topic.name}  ({topic.kind})")
            item.setData(Qt.ItemDataRole.UserRole, topic)
            self.list.addItem(item)
            if topic.id == select:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        brands = sum(t.kind == "brand" for t in topics)
        competitors = sum(t.kind == "competitor" for t in topics)
        self.counts.setText(
            f"{brands} of 1 brand · {competitors} of {MAX_COMPETITORS} competitors · "
            f"{len(topics) - brands - competitors} topics"
        )

    def topic_names(self) -> list[str]:
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole).name for i in range(self.list.count())]

    def _selected(self, item: QListWidgetItem | None, _previous: QListWidgetItem | None = None) -> None:
        if item is not None:
            self.edit(item.data(Qt.ItemDataRole.UserRole))

    def select(self, name: str) -> None:
        for i in range(self.list.count()):
            if self.list.item(i).data(Qt.ItemDataRole.UserRole).name == name:
                self.list.setCurrentRow(i)
                return
        raise KeyError(name)

    def edit(self, topic: Topic) -> None:
        self._editing = topic.id
        self.name.setText(topic.name)
        self.kind.setCurrentIndex(self.kind.findData(topic.kind))
        self.query.setText(topic.query)
        self.color.setText(topic.color)
        self.remove_button.setEnabled(not self.retagger.busy)
        self._set_error("", "")

    def new_topic(self) -> None:
        self._editing = None
        self.list.clearSelection()
        self.list.setCurrentItem(None)
        for field in (self.name, self.query, self.color):
            field.clear()
        self.kind.setCurrentIndex(self.kind.findData("topic"))
        self.remove_button.setEnabled(False)
        self._set_error("", "")
        self.name.setFocus()

    # ---- validation and preview --------------------------------------------------------------------------
    def _set_error(self, message: str, pointer: str) -> None:
        show_problem(self.error, self.pointer, message, pointer)

    def _query_edited(self) -> None:
        text = self.query.text()
        if not text.strip():
            self._set_error("", "")
            self.preview.setText("")
            return
        try:
            check_query(text, self._repo.dialect)
        except TopicError as exc:
            self._set_error(*self._explain(exc, text))
            self.preview.setText("")
            return
        self._set_error("", "")
        self._preview_timer.start()

    @staticmethod
    def _explain(exc: TopicError, text: str) -> tuple[str, str]:
        cause = exc.__cause__
        if isinstance(cause, QueryError):
            return f"At character {cause.position + 1}: {cause.message}", cause.pretty(text)
        return str(exc), ""

    def _posts_loaded(self, posts: list[Post]) -> None:
        self._recent = posts
        self.update_preview()

    def update_preview(self) -> None:
        """ "Would match N of the last M posts" for the query in the form (in memory, as tagging at ingest does)."""
        text = self.query.text()
        if self._recent is None:
            self.preview.setText("Reading the newest posts…")
            return
        try:
            query = check_query(text, self._repo.dialect) if text.strip() else None
        except TopicError:
            query = None
        if query is None:
            self.preview.setText("")
            return
        hits = sum(1 for post in self._recent if query.matches(post))
        self.preview.setText(f"Would match {hits:,} of the last {len(self._recent):,} posts")

    def _pick_color(self) -> None:
        color = QColorDialog.getColor(QColor(self.color.text() or "#1f77b4"), self, "Topic colour")
        if color.isValid():
            self.color.setText(color.name())

    # ---- saving ------------------------------------------------------------------------------------------
    def save(self) -> bool:
        """Add or change the topic in the form (in the background); a new topic or a changed query re-tags the
        archive once it is stored. False when the form cannot be saved as it is."""
        if self.retagger.busy:
            self._set_error("Wait for the re-tag to finish (or cancel it) before saving again.", "")
            return False
        name, kind, query = self.name.text(), self.kind.currentData(), self.query.text()
        color = self.color.text().strip()
        if color and not QColor.isValidColorName(color):
            self._set_error(f"{color!r} is not a colour; use a name like red or a code like #1f77b4.", "")
            return False
        repo, editing, incomplete = self._repo, self._editing, set(self._incomplete)

        def store() -> tuple[int, bool]:
            if editing is None:
                return repo.add(name, kind, query, color).id, True
            changed = repo.update(editing, name=name, kind=kind, query=query, color=color)
            return editing, changed or editing in incomplete

        def refused(exc: Exception) -> None:
            if isinstance(exc, TopicError):
                self._set_error(*self._explain(exc, query))
            else:  # the database could not be written (locked, unreachable)
                self._set_error(f"Not saved: {exc}", "")

        self.tasks.run(store, lambda got: self._saved(*got, name), failure=refused, busy=self._form_buttons())
        return True

    def _form_buttons(self) -> list[QWidget]:
        return [self.save_button, self.new_button, self.remove_button]

    def _saved(self, topic_id: int, retag: bool, name: str) -> None:
        self._editing = topic_id
        self._set_error("", "")
        self.reload(select=topic_id)
        self.topics_changed.emit()
        if retag:
            self._start_retag(topic_id, name)

    def ask_remove(self) -> None:
        topic = self._topics.get(self._editing) if self._editing is not None else None
        if topic is None:
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Remove topic",
            f"Remove {topic.name!r}? Its tags, hourly counts and alerts go too; the posts stay.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.accepted.connect(lambda: self._remove(topic.id))
        box.finished.connect(lambda _r: box.deleteLater())
        self.confirm_box = box
        box.open()

    def _remove(self, topic_id: int) -> None:
        def removed(_result: object) -> None:
            self.reload()
            self.new_topic()
            self.topics_changed.emit()

        def refused(exc: Exception) -> None:
            self._set_error(f"Not removed: {exc}", "")

        repo = self._repo
        self.tasks.run(lambda: repo.remove(topic_id), removed, failure=refused, busy=self._form_buttons())

    # ---- re-tag ------------------------------------------------------------------------------------------
    def _show_retag(self, running: bool) -> None:
        self.progress.setVisible(running)
        self.cancel_button.setVisible(running)
        self.cancel_button.setEnabled(running)
        for widget in (self.save_button, self.remove_button, self.new_button):
            widget.setEnabled(not running)

    def _start_retag(self, topic_id: int, name: str) -> None:
        self.progress.setRange(0, 0)  # busy until the first chunk reports
        self.retag_status.setText(f"Tagging the archive with {' '.join(name.split())!r}…")
        self._show_retag(True)
        self._retagging = topic_id
        self.retagger.start(topic_id)

    def retagger_cancel(self) -> None:
        self.cancel_button.setEnabled(False)
        self.retag_status.setText("Cancelling after the current chunk…")
        self.retagger.cancel()

    def _retag_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _retag_finished(self, tagged: int, cancelled: bool) -> None:
        self._show_retag(False)
        if self._retagging is not None:
            (self._incomplete.add if cancelled else self._incomplete.discard)(self._retagging)
        if cancelled:
            self.retag_status.setText(
                f"Re-tag cancelled: {tagged:,} of the newest posts are tagged; older ones are not. "
                "Save the topic again to finish."
            )
        else:
            self.retag_status.setText(f"Re-tagged the archive: {tagged:,} posts match.")
        self.topics_changed.emit()

    def _retag_failed(self, message: str) -> None:
        self._show_retag(False)
        self.retag_status.setText(f"Re-tag failed: {message}")
        self.topics_changed.emit()

    def done(self, result: int) -> None:
        self.retagger.close()  # cancels a re-tag under way (consistent: chunks are whole transactions)
        self.tasks.close()
        super().done(result)
