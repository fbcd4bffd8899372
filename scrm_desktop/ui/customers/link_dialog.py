"""Link a post's author to a customer record: pick an existing record (search) or make one from the author.
The records are searched and the link written on the dialog's task runner; it closes once the link is stored."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from scrm_desktop.store.customers import Customer, CustomerError, CustomerRepo, Profile
from scrm_desktop.ui.tasks import TaskRunner


class LinkDialog(QDialog):
    def __init__(self, repo: CustomerRepo, profile: Profile, actor: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Link to customer")
        self._repo = repo
        self._profile = profile
        self._actor = actor
        self.linked_to: int | None = None
        self.tasks = TaskRunner(self)
        self.who = QLabel(f"Profile: {profile.channel}:{profile.handle} — {profile.display_name}")
        self.who.setTextFormat(Qt.TextFormat.PlainText)
        self.search = QLineEdit(placeholderText="Search customers")
        self.list = QListWidget()
        self.link = QPushButton("Link")
        self.create = QPushButton("New customer from this author")
        self.error = QLabel(objectName="Error", wordWrap=True)
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.search.textChanged.connect(self._fill)
        self.link.clicked.connect(self._link)
        self.create.clicked.connect(self._create)
        self.list.itemDoubleClicked.connect(lambda _item: self._link())
        self.unlink = QPushButton("Unlink")
        self.unlink.clicked.connect(self._unlink)
        buttons = QHBoxLayout()
        buttons.addWidget(self.create)
        buttons.addWidget(self.unlink)
        self.unlink.setVisible(profile.customer_id is not None)
        if profile.customer_id is not None:
            self.create.setEnabled(False)
            self.tasks.run(lambda: repo.get(profile.customer_id), self._show_owner, failure=self._failed)
        buttons.addStretch(1)
        buttons.addWidget(self.link)
        layout = QVBoxLayout(self)
        for w in (self.who, self.search, self.list, self.error):
            layout.addWidget(w)
        layout.addLayout(buttons)
        self.resize(460, 420)
        self.link.setEnabled(False)
        self._fill()

    def _show_owner(self, owner: Customer) -> None:
        self.who.setText(f"{self.who.text()}\nLinked to {owner.name}: unlink it before linking it elsewhere.")

    def _failed(self, exc: Exception) -> None:
        self.error.setText(str(exc) if isinstance(exc, CustomerError) else f"Could not do it: {exc}")

    def _fill(self) -> None:
        search, repo = self.search.text(), self._repo
        self.error.setText("")
        # customer records: small, indexed by name
        self.tasks.run(lambda: repo.list(search, limit=200), self._show_list, key="list", failure=self._failed)

    def _show_list(self, found: list[Customer]) -> None:
        self.list.clear()
        for c in found:
            item = QListWidgetItem(f"{c.name}" + (f" <{c.email}>" if c.email else "") + (" · VIP" if c.vip else ""))
            item.setData(Qt.ItemDataRole.UserRole, c.id)
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)
        self.link.setEnabled(self.list.count() > 0 and self._profile.customer_id is None)

    def _link(self) -> None:
        item = self.list.currentItem()
        if item is not None and self.link.isEnabled():
            customer_id = item.data(Qt.ItemDataRole.UserRole)
            repo, author, actor = self._repo, self._profile.author_id, self._actor
            self._write(lambda: (repo.link(author, customer_id, actor), customer_id)[1])

    def _create(self) -> None:
        p, repo, actor = self._profile, self._repo, self._actor

        def create_and_link() -> int:
            customer = repo.create(p.display_name or p.handle, email=p.email if "@" in p.email else "", actor=actor)
            repo.link(p.author_id, customer.id, actor)
            return customer.id

        self._write(create_and_link)

    def _unlink(self) -> None:
        repo, author, actor = self._repo, self._profile.author_id, self._actor
        self._write(lambda: repo.unlink(author, actor))

    def _write(self, work: Callable[[], int | None]) -> None:
        """The change in the background (the buttons are off meanwhile); the dialog closes once it is stored."""
        self.error.setText("Saving…")
        busy = [self.link, self.create, self.unlink, self.list, self.search]
        self.tasks.run(work, self._finish, failure=self._failed, busy=busy)

    def _finish(self, customer_id: int | None) -> None:
        self.error.setText("")
        self.linked_to = customer_id
        self.accept()

    def done(self, result: int) -> None:
        self.tasks.close()
        super().done(result)
