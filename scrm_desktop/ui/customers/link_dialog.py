"""Link a post's author to a customer record: pick an existing record (search) or make one from the author."""

from __future__ import annotations

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

from scrm_desktop.store.customers import CustomerError, CustomerRepo, Profile


class LinkDialog(QDialog):
    def __init__(self, repo: CustomerRepo, profile: Profile, actor: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Link to customer")
        self._repo = repo
        self._profile = profile
        self._actor = actor
        self.linked_to: int | None = None
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
        if profile.customer_id is not None:
            owner = repo.get(profile.customer_id)
            self.who.setText(f"{self.who.text()}\nLinked to {owner.name}: unlink it before linking it elsewhere.")
            buttons.addWidget(self.unlink)
            for w in (self.create, self.link):
                w.setEnabled(False)
        buttons.addStretch(1)
        buttons.addWidget(self.link)
        layout = QVBoxLayout(self)
        for w in (self.who, self.search, self.list, self.error):
            layout.addWidget(w)
        layout.addLayout(buttons)
        self.resize(460, 420)
        self._fill()
        self.link.setEnabled(self.link.isEnabled() and profile.customer_id is None)

    def _fill(self) -> None:
        self.list.clear()
        for c in self._repo.list(self.search.text(), limit=200):  # customer records: small, indexed by name
            item = QListWidgetItem(f"{c.name}" + (f" <{c.email}>" if c.email else "") + (" · VIP" if c.vip else ""))
            item.setData(Qt.ItemDataRole.UserRole, c.id)
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)
        self.link.setEnabled(self.list.count() > 0)

    def _link(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self._finish(item.data(Qt.ItemDataRole.UserRole))

    def _create(self) -> None:
        p = self._profile
        try:
            c = self._repo.create(
                p.display_name or p.handle, email=p.email if "@" in p.email else "", actor=self._actor
            )
        except CustomerError as exc:
            self.error.setText(str(exc))
            return
        self._finish(c.id)

    def _unlink(self) -> None:
        self._repo.unlink(self._profile.author_id, self._actor)
        self.linked_to = None
        self.accept()

    def _finish(self, customer_id: int) -> None:
        try:
            self._repo.link(self._profile.author_id, customer_id, self._actor)
        except CustomerError as exc:
            self.error.setText(str(exc))
            return
        self.linked_to = customer_id
        self.accept()
