"""Stream boards driven as a person would: columns, the column editor, mutes, clearing, search, keyboard,
layout that survives a restart, hostile posts, and notices that do not flood the screen."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import QMimeData, QObject, QPoint, QPointF, Qt, QTimer, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QDragEnterEvent, QDropEvent, QImage, QPainter
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QMessageBox, QStyleOptionViewItem

from scrm_desktop.app import build_window
from scrm_desktop.core.post import Post
from scrm_desktop.listening.api import PostIn
from scrm_desktop.streams import ColumnSpec, LayoutStore
from scrm_desktop.ui.main_window import none_refcount_leaks
from scrm_desktop.ui.models.stream_model import MAX_LOADED, PostRole
from scrm_desktop.ui.notifications import NoticeLimiter
from scrm_desktop.ui.views.column_dialog import ColumnDialog, ColumnValues
from scrm_desktop.ui.views.post_delegate import MAX_TEXT_LINES, PostDelegate
from scrm_desktop.ui.views.stream_column import COLUMN_MIME, MIN_WIDTH
from scrm_desktop.workspace import Workspace
from tests.ui.helpers import settled as runners_idle

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace.open(str(tmp_path / "home"))
    yield workspace
    workspace.close()


@pytest.fixture
def open_window(qtbot, ws):
    opened = []

    def make():
        win, bridge = build_window(ws)
        qtbot.addWidget(win)
        win.resize(1900, 900)
        win.show()
        qtbot.waitExposed(win)
        win.activateWindow()
        opened.append((win, bridge))
        return win

    yield make
    for _win, bridge in opened:
        bridge.close()


@pytest.fixture
def window(open_window):
    return open_window()


def post(i: int, text: str, author: str = "someone", channel: str = "mastodon", minutes_ago: float = 0, **kw):
    return PostIn(
        channel=channel,
        external_id=f"p{i}",
        text=text,
        created_at=NOW - timedelta(minutes=minutes_ago),
        author_handle=author,
        **kw,
    )


def column_named(window, name: str):
    return next(c for c in window.columns if c.title.text() == name)


def settled(window) -> bool:
    """Every column's reads are done (pages and live checks run in the background)."""
    return runners_idle(window) and not any(c.model.busy for c in window.columns)


def texts(column) -> list[str]:
    return [column.model.post_at(r).text for r in range(column.model.rowCount())]


def when_dialog_opens(qtbot, act: Callable[[QDialog], None]) -> None:
    """Run `act` on the next modal dialog once it is open (exec() blocks the test until it closes)."""

    def attempt() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(10, attempt)
            return
        act(dialog)

    QTimer.singleShot(0, attempt)


# ---- default board, live updates, unread counts ----------------------------------------------------------------
def test_a_new_workspace_shows_the_default_board_and_posts_sort_into_columns(qtbot, window, ws):
    assert window.boards.tabText(0) == "Mentions"
    names = [c.title.text() for c in window.columns]
    assert names == ["All mentions", "Negative", "Questions & leads", "Mastodon"]
    ws.ingestor.ingest(
        [
            post(1, "Which laptop should I buy? I am looking for a light one", channel="reddit", minutes_ago=3),
            post(2, "This is the worst support ever, terrible and useless", minutes_ago=2),
            post(3, "nice weather today", channel="bluesky", minutes_ago=1),
        ]
    )
    qtbot.waitUntil(lambda: window.columns[0].model.rowCount() == 3 and settled(window))
    assert texts(column_named(window, "Mastodon")) == ["This is the worst support ever, terrible and useless"]
    assert texts(column_named(window, "Negative")) == ["This is the worst support ever, terrible and useless"]
    assert len(texts(column_named(window, "Questions & leads"))) == 1
    qtbot.waitUntil(lambda: window.columns[0].count.text() == "3 unread")


def test_selecting_a_post_marks_it_read_in_every_column(qtbot, window, ws):
    ws.ingestor.ingest([post(1, "hello from mastodon")])
    mastodon, everything = column_named(window, "Mastodon"), window.columns[0]
    qtbot.waitUntil(lambda: mastodon.model.rowCount() == 1 and everything.model.rowCount() == 1)
    mastodon.view.setCurrentIndex(mastodon.model.index(0, 0))
    assert window.detail.post.text == "hello from mastodon"
    assert everything.model.post_at(0).is_read and mastodon.model.post_at(0).is_read
    qtbot.waitUntil(lambda: settled(window))  # stored in the background
    assert ws.db.posts.unread_count() == 0
    qtbot.waitUntil(lambda: everything.count.text() == "0 unread")


# ---- the column editor ---------------------------------------------------------------------------------------------
def test_a_bad_query_shows_where_the_error_is_and_cannot_be_saved(qtbot):
    dialog = ColumnDialog(ColumnValues("Refunds", "", False, []))
    qtbot.addWidget(dialog)
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert save.isEnabled()
    qtbot.keyClicks(dialog.query, "refund channel:myspace")
    assert not save.isEnabled()
    message = dialog.error.text()
    shown, carets = dialog.pointer.text().split("\n")
    assert "myspace" in message and "reddit" in message  # says what is wrong and what is allowed
    assert shown == "refund channel:myspace"
    assert carets == " " * len("refund channel:") + "^" * len("myspace")
    qtbot.keyClick(dialog.query, Qt.Key.Key_Return)
    assert dialog.result() != QDialog.DialogCode.Accepted
    dialog.query.setText('refund "money back')
    assert "quote" in dialog.error.text().lower() and not save.isEnabled()
    dialog.query.setText("refund -author:bot")
    assert save.isEnabled() and dialog.error.isHidden()
    dialog.mutes.setPlainText('crypto\n"half open')
    assert "line 2" in dialog.error.text() and not save.isEnabled()
    assert dialog.pointer.text().split("\n")[0] == '"half open'
    dialog.mutes.setPlainText("crypto\n\n  author:@spam  \n")
    assert save.isEnabled()
    dialog.name.setText("  ")
    assert not save.isEnabled() and "name" in dialog.error.text()
    dialog.name.setText("Refunds")
    assert dialog.values() == ColumnValues("Refunds", "refund -author:bot", False, ["crypto", "author:@spam"])


def test_editing_a_column_changes_what_it_shows(qtbot, window, ws):
    ws.ingestor.ingest([post(1, "refund please", minutes_ago=2), post(2, "love it", minutes_ago=1)])
    column = window.columns[0]
    qtbot.waitUntil(lambda: column.model.rowCount() == 2)

    def fill(dialog: ColumnDialog) -> None:
        dialog.name.setText("Refunds")
        dialog.query.setText("refund")
        dialog.notify.setChecked(True)
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()

    when_dialog_opens(qtbot, fill)
    column.actions_by_key["edit"].trigger()
    assert column.title.text() == "Refunds" and column.bell.isVisibleTo(column)
    qtbot.waitUntil(lambda: settled(window))
    assert texts(column) == ["refund please"]


def test_mute_hides_matching_posts_and_shows_in_the_editor(qtbot, window, ws):
    ws.ingestor.ingest(
        [
            post(1, "my order is late", author="alice", minutes_ago=3),
            post(2, "free crypto giveaway", author="bob", minutes_ago=2),
            post(3, "follow me for deals", author="spambot", minutes_ago=1),
        ]
    )
    column = window.columns[0]
    qtbot.waitUntil(lambda: column.model.rowCount() == 3)
    board = window.current_board()
    spammer = next(p for p in map(column.model.post_at, range(3)) if p.author_handle == "spambot")
    column.mute_author_requested.emit(spammer.author_handle)  # what the post's context menu sends
    qtbot.waitUntil(lambda: settled(window))
    assert "follow me for deals" not in texts(column) and len(texts(column)) == 2
    seen: list[list[str]] = []

    def add_word_mute(dialog: ColumnDialog) -> None:
        seen.append(dialog.values().mutes)
        dialog.mutes.setPlainText(dialog.mutes.toPlainText() + "\ncrypto")
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()

    when_dialog_opens(qtbot, add_word_mute)
    board.act(column, "edit")
    assert seen == [["author:spambot"]]
    qtbot.waitUntil(lambda: settled(window))
    assert texts(column) == ["my order is late"]
    assert window.columns[1].model.rowCount() == 0 or "free crypto giveaway" not in texts(window.columns[1])
    ws.ingestor.ingest([post(4, "more crypto here"), post(5, "a real question", minutes_ago=0.5)])
    qtbot.waitUntil(lambda: "a real question" in texts(column))
    assert "more crypto here" not in texts(column)


def test_clearing_a_column_marks_read_and_hides_older_posts(qtbot, window, ws):
    ws.ingestor.ingest([post(i, f"old post {i}", minutes_ago=10 + i) for i in range(5)])
    column = window.columns[0]
    qtbot.waitUntil(lambda: column.model.rowCount() == 5)
    column.actions_by_key["clear"].trigger()
    qtbot.waitUntil(lambda: settled(window))
    assert column.model.rowCount() == 0 and column.empty.isVisibleTo(column)
    assert ws.db.posts.unread_count() == 0
    assert "5 marked read" in window.message.text()
    fresh = PostIn(channel="reddit", external_id="new", text="brand new", created_at=datetime.now(UTC))
    ws.ingestor.ingest([fresh])
    qtbot.waitUntil(lambda: texts(column) == ["brand new"])


# ---- search and keyboard -------------------------------------------------------------------------------------------
def test_search_opens_a_column_with_exactly_the_matching_posts(qtbot, window, ws):
    ws.ingestor.ingest(
        [post(i, t, minutes_ago=5 - i) for i, t in enumerate(["refund now", "no refunds", "a refund?", "hello"])]
    )
    qtbot.waitUntil(lambda: window.columns[0].model.rowCount() == 4)
    qtbot.keyClick(window.columns[0].view, Qt.Key.Key_Slash)
    assert window.search.hasFocus()
    qtbot.keyClicks(window.search, "refund")
    qtbot.keyClick(window.search, Qt.Key.Key_Return)
    result = window.columns[-1]
    assert result.title.text() == "Search: refund"
    qtbot.waitUntil(lambda: settled(window))
    assert sorted(texts(result)) == ["a refund?", "refund now"]
    assert result.actions_by_key["save"].isVisible()
    # a second search replaces the first column; a bad one says why and opens nothing
    window.search.setText("hello")
    qtbot.keyClick(window.search, Qt.Key.Key_Return)
    assert [c.title.text() for c in window.columns].count("Search: hello") == 1
    assert not any(c.title.text() == "Search: refund" for c in window.columns)
    count = len(window.columns)
    window.search.setText("(refund")
    qtbot.keyClick(window.search, Qt.Key.Key_Return)
    assert len(window.columns) == count and "Search:" in window.message.text()
    assert window.search.property("invalid") is True
    # saving keeps it across a restart, without the "Search:" prefix
    window.columns[-1].actions_by_key["save"].trigger()
    window.save_layout()
    saved = LayoutStore(ws.paths.config).load()
    assert [c.name for c in saved.boards[0].columns][-1] == "hello"


class UrlCatcher(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url.toString())


def test_keyboard_moves_opens_and_toggles(qtbot, window, ws):
    ws.ingestor.ingest([post(i, f"post {i}", minutes_ago=10 - i, url=f"https://example.com/{i}") for i in range(3)])
    first = window.columns[0]
    qtbot.waitUntil(lambda: first.model.rowCount() == 3)
    first.view.setFocus()
    assert first.current_post().text == "post 2"  # focusing a column shows its newest post
    qtbot.keyClick(first.view, Qt.Key.Key_J)
    assert first.current_post().text == "post 1"
    qtbot.keyClick(first.view, Qt.Key.Key_J)
    qtbot.keyClick(first.view, Qt.Key.Key_J)
    assert first.current_post().text == "post 0"
    qtbot.keyClick(first.view, Qt.Key.Key_K)
    assert first.current_post().text == "post 1"
    assert first.current_post().is_read  # reading it marked it
    qtbot.keyClick(first.view, Qt.Key.Key_M)
    assert not first.current_post().is_read
    qtbot.waitUntil(lambda: settled(window))
    assert ws.db.posts.unread_count() == 1
    qtbot.keyClick(first.view, Qt.Key.Key_Space)
    assert first.current_post().is_read
    qtbot.waitUntil(lambda: settled(window))
    assert ws.db.posts.unread_count() == 0
    catcher = UrlCatcher()
    QDesktopServices.setUrlHandler("https", catcher, "open")
    try:
        qtbot.keyClick(first.view, Qt.Key.Key_O)
    finally:
        QDesktopServices.unsetUrlHandler("https")
    assert catcher.urls == ["https://example.com/1"]
    qtbot.keyClick(first.view, Qt.Key.Key_L)
    second = window.columns[1]
    assert second.view.hasFocus() and window.current_column() is second
    qtbot.keyClick(second.view, Qt.Key.Key_H)
    assert window.current_column() is first
    qtbot.keyClick(first.view, Qt.Key.Key_Question)
    assert window.overlay.isVisible()
    assert ("J", "Next post") in window.overlay.rows
    qtbot.keyClick(window.overlay, Qt.Key.Key_Escape)
    assert not window.overlay.isVisible()
    window.search.setFocus()
    qtbot.keyClicks(window.search, "jk")  # letters typed in the search box stay there
    assert window.search.text() == "jk" and window.current_column() is first


# ---- layout persistence -------------------------------------------------------------------------------------------
def test_layout_persists_across_a_window_rebuild(qtbot, open_window, ws):
    window = open_window()
    board = window.current_board()
    names = [c.title.text() for c in window.columns]
    board.act(window.columns[2], "move_left")  # Questions & leads before Negative
    board.mute(window.columns[0], "crypto")
    qtbot.waitUntil(lambda: min(board.splitter.sizes()) > MIN_WIDTH)  # laid out, room to spare
    board.splitter.moveSplitter(board.splitter.handle(1).pos().x() + 60, 1)  # what dragging the handle does
    board.add_column(ColumnSpec("Refunds", "refund", notify=True))
    qtbot.waitUntil(lambda: min(board.splitter.sizes()) >= MIN_WIDTH)
    board.act(board.columns[-1], "wider")  # from the ⋯ menu: five columns now scroll sideways
    widths = board.splitter.sizes()
    assert widths[0] > widths[1] and widths[-1] >= MIN_WIDTH + 80
    assert board.splitter.width() > board.scroll.viewport().width()
    when_dialog_opens(qtbot, lambda d: (d.setTextValue("Competitors"), d.accept()))
    window.new_board()
    assert window.boards.count() == 2 and window.boards.tabText(1) == "Competitors"
    window.boards.setCurrentIndex(0)
    window.close()

    again = open_window()
    expected = [names[0], names[2], names[1], names[3], "Refunds"]
    assert [c.title.text() for c in again.current_board().columns] == expected
    assert [again.boards.tabText(i) for i in range(again.boards.count())] == ["Mentions", "Competitors"]
    restored = again.current_board()
    assert restored.spec.columns[0].mutes == ["crypto"]
    assert restored.spec.columns[-1].notify and restored.columns[-1].bell.isVisibleTo(restored.columns[-1])
    assert [c.width for c in restored.spec.columns] == widths
    assert restored.splitter.sizes() == widths


@pytest.mark.filterwarnings("ignore:Function.*QDragEnterEvent:DeprecationWarning")
def test_drag_a_column_by_its_header_to_reorder(qtbot, window):
    board = window.current_board()
    first, third = board.columns[0], board.columns[2]
    mime = QMimeData()
    mime.setData(COLUMN_MIME, first.column_id.encode())
    target = third.mapTo(board, third.rect().center()) + QPoint(20, 0)  # right half of the third column
    args = (Qt.DropAction.MoveAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    # What Qt delivers when a header is dragged over the board and let go there: enter, then drop.
    assert QApplication.sendEvent(board, QDragEnterEvent(target, *args))
    assert QApplication.sendEvent(board, QDropEvent(QPointF(target), *args))
    assert [c.title.text() for c in board.columns] == ["Negative", "Questions & leads", "All mentions", "Mastodon"]
    assert [c.name for c in board.spec.columns] == ["Negative", "Questions & leads", "All mentions", "Mastodon"]
    assert [board.splitter.widget(i) for i in range(4)] == board.columns


def test_a_broken_layout_file_is_reported_and_the_default_shown(qtbot, ws, open_window):
    (ws.paths.config / "boards.json").write_text('{"boards": [{"name": ', encoding="utf-8")
    window = open_window()
    assert window.columns[0].title.text() == "All mentions"
    assert "could not be read" in window.message.text()
    assert list(ws.paths.config.glob("boards.broken-*.json"))


def test_removing_a_column_and_a_board_asks_first(qtbot, window):
    board = window.current_board()
    when_dialog_opens(qtbot, lambda d: d.button(QMessageBox.StandardButton.No).click())
    board.act(board.columns[1], "remove")
    assert len(board.columns) == 4
    when_dialog_opens(qtbot, lambda d: d.button(QMessageBox.StandardButton.Yes).click())
    board.act(board.columns[1], "remove")
    assert [c.title.text() for c in board.columns] == ["All mentions", "Questions & leads", "Mastodon"]
    window.remove_board()
    assert window.boards.count() == 1 and "at least one board" in window.message.text()


# ---- theme ---------------------------------------------------------------------------------------------------------
def test_theme_menu_switches_and_saves_the_theme(qtbot, window, ws):
    window.theme_actions["dark"].trigger()
    assert window.theme.name == "dark" and window.columns[0].delegate.theme.name == "dark"
    assert json.loads(ws.paths.settings_file.read_text())["theme"] == "dark"
    window.theme_actions["light"].trigger()
    assert window.theme.name == "light" and ws.settings.theme == "light"


# ---- hostile text and scale -----------------------------------------------------------------------------------------
HOSTILE = [
    "<script>alert(1)</script><img src=x onerror=alert(2)><b>bold</b>",
    "\u202eevil reversed text\u202c and \u2066isolate\u2069",
    "zero\u200bwidth\u200d\ufeffjoin tricks",
    "A" * 10_000,
    " ".join(["word"] * 3000),
    "e\u0301" * 50 + "Z" + "\u0300" * 400,
    "👩‍👩‍👧‍👦🏳️‍🌈" * 300,
    "line\n" * 500,
    "﷽" * 200,
]


def test_hostile_posts_render_as_text_and_cards_stay_bounded(qtbot, window, ws):
    ws.ingestor.ingest(
        [
            post(i, text, author=f"<i>{i}</i>\u202e", title="<h1>t</h1>" if i % 2 else "", minutes_ago=i)
            for i, text in enumerate(HOSTILE)
        ]
    )
    column = window.columns[0]
    qtbot.waitUntil(lambda: column.model.rowCount() == len(HOSTILE))
    delegate: PostDelegate = column.delegate
    option = QStyleOptionViewItem()
    option.initFrom(column.view)
    option.rect = column.view.viewport().rect().adjusted(0, 0, 0, -column.view.viewport().height() + 10)
    line = option.fontMetrics.lineSpacing()
    bound = 10 + 24 + MAX_TEXT_LINES * line + line + 6 + 10
    image = QImage(600, 2000, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        for row in range(column.model.rowCount()):
            index = column.model.index(row, 0)
            size = delegate.sizeHint(option, index)
            assert size.height() <= bound, (row, size.height(), bound)
            option.rect = option.rect.adjusted(0, 0, 0, size.height() - option.rect.height())
            delegate.paint(painter, option, index)
            assert isinstance(index.data(PostRole), Post)
    finally:
        painter.end()
    column.view.scrollToBottom()
    window.grab()  # the real view paints every kind without an exception (pytest-qt fails the test on one)
    column.view.setCurrentIndex(column.model.index(3, 0))
    assert window.detail.body.toPlainText().startswith("A" * 100)


def test_a_column_drops_its_tail_when_back_at_the_top(qtbot, window, ws):
    batch = [post(i, f"bulk {i}", minutes_ago=i / 10) for i in range(MAX_LOADED + 300)]
    for start in range(0, len(batch), 1000):
        ws.ingestor.ingest(batch[start : start + 1000])
    column = window.columns[0]
    column.model.reload()
    qtbot.waitUntil(lambda: not column.model.busy)
    while column.model.loaded <= MAX_LOADED and column.model.canFetchMore():
        column.model.fetchMore()  # a page is read in the background
        qtbot.waitUntil(lambda: not column.model.busy)
    assert column.model.loaded > MAX_LOADED
    bar = column.view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 1000)
    bar.setValue(bar.maximum())
    bar.setValue(0)
    assert column.model.loaded <= 2 * 100
    assert column.model.canFetchMore()
    column.model.fetchMore()  # paging brings the tail back
    qtbot.waitUntil(lambda: not column.model.busy)
    assert column.model.post_at(column.model.loaded - 1).text == "bulk 299"


# ---- notices -------------------------------------------------------------------------------------------------------
class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_posts(n: int) -> list[Post]:
    return [Post(id=i, channel="reddit", external_id=str(i), text=f"angry {i}", created_at=NOW) for i in range(n)]


def test_notices_are_rate_limited_and_summarised():
    clock = Clock()
    limiter = NoticeLimiter(interval_s=60, clock=clock)
    assert limiter.add("neg", "Negative", make_posts(1)) == "New in Negative: reddit: angry 0"
    for _ in range(12):
        clock.now += 1
        assert limiter.add("neg", "Negative", make_posts(1)) is None
    assert limiter.add("other", "Leads", make_posts(2)) == "2 new in Leads"  # each column has its own minute
    clock.now += 30
    assert limiter.due() == []
    clock.now += 20
    assert limiter.due() == ["12 new in Negative"]
    assert limiter.due() == []
    clock.now += 61
    assert limiter.add("neg", "Negative", make_posts(3)) == "3 new in Negative"


def test_a_notify_column_sends_one_notice_for_a_burst(qtbot, window, ws):
    shown: list[str] = []
    window.notifier.shown.connect(lambda _title, text: shown.append(text))
    negative = column_named(window, "Negative")
    assert negative.bell.isVisibleTo(negative)  # the default Negative column notifies
    qtbot.waitUntil(lambda: settled(window))  # the columns' first (empty) pages are read: what follows is new
    ws.ingestor.ingest([post(1, "this is awful, terrible service")])
    qtbot.waitUntil(lambda: negative.model.rowCount() == 1)
    for burst in range(3):
        ws.ingestor.ingest([post(100 + burst * 10 + i, f"worst experience ever, awful {burst} {i}") for i in range(5)])
        qtbot.waitUntil(lambda b=burst: negative.model.rowCount() == 1 + 5 * (b + 1))
    assert len(shown) == 1 and shown[0].startswith("New in Negative")
    assert "this is awful" in window.message.text() or window.notifier.tray is not None
    window.notifier.limiter.clock = lambda: 10**9  # a minute later
    window.notifier.flush()
    assert shown[1:] == ["15 new in Negative"]


# ---- a whole day of painting ----------------------------------------------------------------------------------------
def test_painting_cards_for_a_long_time_does_not_crash(qtbot, window, ws):
    """PySide6 6.12.0 drops a reference to None on every void Qt call; on CPython 3.11 the window used to die
    ("none_dealloc") after about a minute of repaints."""
    ws.ingestor.ingest([post(i, f"post number {i} with some text to wrap", minutes_ago=i) for i in range(40)])
    qtbot.waitUntil(lambda: window.columns[0].model.rowCount() == 40)
    assert sys.version_info >= (3, 12) or not none_refcount_leaks() or sys.getrefcount(None) > 2**32
    for _ in range(60):
        window.grab()


def test_a_narrow_column_keeps_its_name_and_shortens_the_count(qtbot, window, ws):
    ws.ingestor.ingest([post(1, "hello from mastodon"), post(2, "and again")])
    column = column_named(window, "Questions & leads")  # a long name
    qtbot.waitUntil(lambda: column.count.toolTip() == "0 unread" and settled(window))
    column.setFixedWidth(200)
    qtbot.waitUntil(lambda: column.count.text() == "0")  # the words go first, the name stays readable
    assert column.count.toolTip() == "0 unread" and column.title.text() == "Questions & leads"
    column.setFixedWidth(480)
    qtbot.waitUntil(lambda: column.count.text() == "0 unread")
