"""The subscription manager: feeds (venue, URLs, token, CA file, compression) and, per feed, symbols and channels."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import msgspec
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tradedash.config import EMBEDDED, Config, FeedConfig, validate_feed
from tradedash.core import wire
from tradedash.core.venues.registry import VENUES, venue_of
from tradedash.ui.check_outline import CheckOutlineDelegate

__all__ = ["SubscriptionDialog"]


class SubscriptionDialog(QDialog):
    """Edits a copy of the config's feeds; *Apply* validates every feed and emits ``applied(Config)``.

    Contract: nothing changes until *Apply*; choosing a venue fills in its public URLs
    (Binance: ``wss://stream.binance.com:9443`` and ``https://api.binance.com``), and symbols
    typed are put in the venue's form (``btc-usdt`` -> ``BTCUSDT`` for Binance); then either every feed is valid and
    ``applied`` carries the new config (the app applies it live and saves it), or
    nothing is emitted and ``message`` lists each problem, naming the feed.
    Enter in the symbol box adds the symbol and presses no button; *Remove feed*
    and closing (Esc, *Close*) with edits not applied ask first (:attr:`confirmation`).
    ``listed_symbols(feed_name)`` returns the symbols that feed's exchange lists,
    or None when it is not connected. ``fetch_symbols(venue, rest_url, token=, ca_file=)`` (optional) reads a
    venue's list over REST: when a venue with one is chosen, its REST URL edited, or a feed
    shown whose exchange has not listed its symbols yet, it runs in the background on the
    running event loop (the dialog stays usable), the symbols it lists are offered, and
    :attr:`symbols_status` says what is going on, or why the list could not be read. Without
    a list any symbol is accepted and the exchange's own error will be shown in feed health.
    """

    applied = Signal(object)

    def __init__(
        self,
        config: Config,
        listed_symbols: Callable[[str], list[str] | None],
        parent: QWidget | None = None,
        *,
        fetch_symbols: Callable[..., Awaitable[list[wire.SymbolInfo]]] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Subscriptions")
        self.resize(720, 480)
        self._config = config
        self._feeds = [msgspec.structs.replace(feed, symbols=list(feed.symbols), channels=list(feed.channels)) for feed in config.feeds]
        self._listed = listed_symbols
        self._current: int | None = None
        self._fetch_symbols = fetch_symbols
        #: Symbol lists read over REST, and why others could not be, by (venue, REST URL).
        self._fetched: dict[tuple[str, str], list[str]] = {}
        self._fetch_failed: dict[tuple[str, str], str] = {}
        self._fetches: dict[tuple[str, str], asyncio.Task[None]] = {}

        self.feed_list = QListWidget()
        self.add_feed_button = QPushButton("Add feed")
        self.remove_feed_button = QPushButton("Remove feed")
        self.add_feed_button.clicked.connect(self.add_feed)
        self.remove_feed_button.clicked.connect(self.remove_feed)
        left = QVBoxLayout()
        left.addWidget(QLabel("Feeds"))
        left.addWidget(self.feed_list)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_feed_button)
        buttons.addWidget(self.remove_feed_button)
        left.addLayout(buttons)

        self.name_edit = QLineEdit()
        self.venue_box = QComboBox()
        for venue in VENUES.values():
            self.venue_box.addItem(venue.label, venue.key)
        self.venue_box.activated.connect(self._venue_chosen)
        self.rest_edit = QLineEdit(placeholderText="the venue's REST base, for venues that have one")
        self.rest_edit.editingFinished.connect(self._rest_url_edited)
        self.compression_box = QCheckBox("Offer permessage-deflate compression")
        self.url_edit = QLineEdit(placeholderText=f"ws://host:port, wss://host:port or {EMBEDDED}")
        self.url_edit.editingFinished.connect(self._url_edited)
        self.token_edit = QLineEdit(placeholderText="optional", echoMode=QLineEdit.EchoMode.Password)
        self.ca_edit = QLineEdit(placeholderText="optional, for wss:// with a private CA")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse_ca)
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.ca_edit)
        ca_row.addWidget(browse)
        form = QFormLayout()
        form.addRow("Name", self.name_edit)
        form.addRow("Venue", self.venue_box)
        form.addRow("URL", self.url_edit)
        form.addRow("REST URL", self.rest_edit)
        form.addRow("Token", self.token_edit)
        form.addRow("CA file", ca_row)
        form.addRow("", self.compression_box)

        self.symbol_list = QListWidget()
        self._check_outline = CheckOutlineDelegate(self.symbol_list)
        self.symbol_list.setItemDelegate(self._check_outline)  # unchecked symbols show an empty box
        self.symbol_edit = QLineEdit(placeholderText="Add a symbol, e.g. BTC-USD, then Enter")
        self.symbol_edit.returnPressed.connect(self._add_symbol)
        symbols_box = QGroupBox("Symbols (checked are subscribed)")
        symbols_layout = QVBoxLayout(symbols_box)
        symbols_layout.addWidget(self.symbol_list)
        symbols_layout.addWidget(self.symbol_edit)
        self.symbols_status = QLabel(wordWrap=True)  # the venue's symbol list: being read, read, or why not
        self.symbols_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.channel_boxes = {channel: QCheckBox(channel) for channel in wire.CHANNELS}
        channels_box = QGroupBox("Channels")
        channels_layout = QGridLayout(channels_box)
        for i, box in enumerate(self.channel_boxes.values()):
            channels_layout.addWidget(box, i // 2, i % 2)

        right = QVBoxLayout()
        right.addLayout(form)
        lists = QHBoxLayout()
        lists.addWidget(symbols_box, 3)
        lists.addWidget(channels_box, 2)
        right.addLayout(lists)
        right.addWidget(self.symbols_status)
        self.editor = QWidget()
        self.editor.setLayout(right)

        self.message = QLabel(wordWrap=True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Apply | QDialogButtonBox.StandardButton.Close)
        self.buttons.button(QDialogButtonBox.StandardButton.Apply).clicked.connect(self.apply)
        self.buttons.rejected.connect(self.reject)

        body = QHBoxLayout()
        body.addLayout(left, 1)
        body.addWidget(self.editor, 3)
        layout = QVBoxLayout(self)
        layout.addLayout(body)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

        self.feed_list.currentRowChanged.connect(self._show_feed)
        self.finished.connect(self._stop_fetches)
        self._fill_feed_list()
        # Enter belongs to the field it is typed in (the symbol box adds a symbol): no button is "default".
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(False)
            button.setDefault(False)
        self.confirmation: QMessageBox | None = None

    def _confirm(self, question: str, detail: str, action: str, on_yes: Callable[[], None]) -> QMessageBox:
        """Ask ``question`` (opened with ``open()``); ``on_yes()`` runs only if the user picks ``action``."""
        box = QMessageBox(QMessageBox.Icon.Question, self.windowTitle(), question, QMessageBox.StandardButton.Cancel, self)
        box.setInformativeText(detail)
        yes = box.addButton(action, QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.buttonClicked.connect(lambda clicked: on_yes() if clicked is yes else None)
        if self.confirmation is not None:
            self.confirmation.deleteLater()
        self.confirmation = box
        box.open()
        return box

    def has_edits(self) -> bool:
        """True while the feeds differ from the config last applied (or opened)."""
        self._store_current()
        return self._feeds != list(self._config.feeds)

    def reject(self) -> None:
        """Esc or *Close*: close at once when nothing was edited, otherwise ask first."""
        if not self.has_edits():
            super().reject()
            return
        self._confirm(
            "Discard the changes you have not applied?",
            "Apply keeps them; Cancel goes back to editing.",
            "Discard",
            lambda: QDialog.reject(self),
        )

    # --- Feeds ------------------------------------------------------------------------

    def _fill_feed_list(self, select: int = 0) -> None:
        self._current = None
        self.feed_list.clear()
        self.feed_list.addItems([feed.name for feed in self._feeds])
        self.editor.setEnabled(bool(self._feeds))
        if self._feeds:
            self.feed_list.setCurrentRow(min(select, len(self._feeds) - 1))

    def add_feed(self) -> None:
        self._store_current()
        names = {feed.name for feed in self._feeds}
        name = next(f"feed {n}" for n in range(1, len(names) + 2) if f"feed {n}" not in names)
        self._feeds.append(FeedConfig(name=name, url="ws://127.0.0.1:8765", symbols=[], channels=["ticker", "trades"]))
        self._fill_feed_list(len(self._feeds) - 1)
        self.name_edit.setFocus()

    def remove_feed(self) -> None:
        """Ask, then remove the selected feed from the edited list (nothing changes until Apply)."""
        row = self.feed_list.currentRow()
        if row < 0:
            return
        name = self._feeds[row].name or "(no name)"
        self._confirm(f"Remove the feed {name!r}?", "It disconnects when you apply.", "Remove feed", lambda: self._remove(row))

    def _remove(self, row: int) -> None:
        if row < len(self._feeds):
            self._current = None
            del self._feeds[row]
            self._fill_feed_list(row)

    def _browse_ca(self) -> None:
        dialog = QFileDialog(self, "CA certificate", "", "Certificates (*.pem *.crt *.cer);;All files (*)")
        dialog.fileSelected.connect(self.ca_edit.setText)
        dialog.open()

    def _show_feed(self, row: int) -> None:
        self._store_current()
        if row < 0 or row >= len(self._feeds):
            return
        self._current = row
        feed = self._feeds[row]
        self.name_edit.setText(feed.name)
        self.venue_box.setCurrentIndex(max(0, self.venue_box.findData(feed.venue)))
        self.url_edit.setText(feed.url)
        self.rest_edit.setText(feed.rest_url)
        self.compression_box.setChecked(feed.compression)
        self.token_edit.setText(feed.token)
        self.ca_edit.setText(feed.ca_file)
        self.symbol_edit.setPlaceholderText(f"Add a symbol, e.g. {venue_of(feed.venue).example_symbol}, then Enter")
        listed = self._listed_for(feed)
        if listed is None:
            self._want_symbol_list(feed)
        else:
            self._say_listed(feed.venue, len(listed))
        listed = listed or []
        self.symbol_list.clear()
        for symbol in listed + [s for s in feed.symbols if s not in listed]:
            self._add_symbol_item(symbol, symbol in feed.symbols, listed=not listed or symbol in listed)
        for channel, box in self.channel_boxes.items():
            box.setChecked(channel in feed.channels)

    def _add_symbol_item(self, symbol: str, checked: bool, listed: bool) -> None:
        item = QListWidgetItem(symbol if listed else f"{symbol}  (not listed)")
        item.setData(Qt.ItemDataRole.UserRole, symbol)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.symbol_list.addItem(item)

    def _venue_chosen(self, index: int) -> None:
        """The user picked a venue: its public URLs go in (the mock exchange inside the app if it has none)."""
        venue = venue_of(self.venue_box.itemData(index))
        self.url_edit.setText(venue.ws_url or EMBEDDED)
        self.rest_edit.setText(venue.rest_url)
        self._rest_url_edited()

    # --- The venue's symbol list, read in the background -----------------------------------

    def _rest_url_edited(self) -> None:
        """The venue or its REST URL changed: read that venue's list there (again, if it failed before)."""
        key = (self.venue_box.currentData(), _base(self.rest_edit.text()))
        self._fetch_failed.pop(key, None)
        self._store_current()
        if self._current is not None:
            self._show_feed(self._current)

    def _url_edited(self) -> None:
        """The URL changed: the running feed's list (of the exchange it was at) may no longer hold."""
        self._store_current()
        if self._current is not None:
            self._show_feed(self._current)

    def _want_symbol_list(self, feed: FeedConfig) -> None:
        """Start reading ``feed``'s venue's list at its REST URL (with its token and CA file) unless it
        is read, failed, under way, or not to be had."""
        venue = feed.venue
        key = (venue, _base(feed.rest_url))
        spec = venue_of(venue)
        if key in self._fetch_failed:
            self._say(f"Could not read {spec.label}'s symbol list ({self._fetch_failed[key]}). Symbols typed here are"
                      " checked when the feed connects.", error=True)
            return
        if self._fetch_symbols is None or spec.symbol_list_url(key[1]) is None:
            self._say("")
            return
        self._say(f"Reading {spec.label}'s symbol list from {spec.symbol_list_url(key[1])}…")
        if key in self._fetches:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop runs the dialog: nothing can be read in the background
            self._say("")
            return
        task = loop.create_task(self._read_symbol_list(key, feed.token, feed.ca_file), name=f"symbol list {key}")
        self._fetches[key] = task

    async def _read_symbol_list(self, key: tuple[str, str], token: str, ca_file: str) -> None:
        assert self._fetch_symbols is not None
        try:
            infos = await self._fetch_symbols(*key, token=token, ca_file=ca_file)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the fetcher's own error says why, in one line
            self._fetch_failed[key] = str(exc) or type(exc).__name__
        else:
            self._fetched[key] = sorted(info.symbol for info in infos)
        finally:
            self._fetches.pop(key, None)
        shown = (self.venue_box.currentData(), _base(self.rest_edit.text()))
        if shown == key and self._current is not None:
            self._show_feed(self._current)  # (what was edited is kept: it is stored first)

    def _say_listed(self, venue: str, count: int) -> None:
        self._say(f"{count:,} symbols listed by {venue_of(venue).label}.")

    def _say(self, text: str, *, error: bool = False) -> None:
        self.symbols_status.setStyleSheet("color: #ef5350;" if error else "")
        self.symbols_status.setText(text)

    def _stop_fetches(self) -> None:
        for task in self._fetches.values():
            task.cancel()
        self._fetches.clear()

    def _add_symbol(self) -> None:
        symbol = venue_of(self.venue_box.currentData()).symbol(self.symbol_edit.text().strip().upper())
        if not symbol:
            return
        existing = [self.symbol_list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.symbol_list.count())]
        if symbol in existing:
            self.symbol_list.item(existing.index(symbol)).setCheckState(Qt.CheckState.Checked)
        else:
            listed = None
            if self._current is not None:
                shown = msgspec.structs.replace(self._feeds[self._current], name=self.name_edit.text(), venue=self.venue_box.currentData())
                listed = self._listed_for(shown)
            self._add_symbol_item(symbol, True, listed=listed is None or symbol in listed)
        self.symbol_edit.clear()

    def _store_current(self) -> None:
        if self._current is None or self._current >= len(self._feeds):
            return
        items = [self.symbol_list.item(i) for i in range(self.symbol_list.count())]
        self._feeds[self._current] = msgspec.structs.replace(  # keeps what the dialog does not show
            self._feeds[self._current],
            name=self.name_edit.text().strip(),
            venue=self.venue_box.currentData(),
            url=self.url_edit.text().strip(),
            rest_url=self.rest_edit.text().strip(),
            compression=self.compression_box.isChecked(),
            token=self.token_edit.text().strip(),
            ca_file=self.ca_edit.text().strip(),
            symbols=[i.data(Qt.ItemDataRole.UserRole) for i in items if i.checkState() == Qt.CheckState.Checked],
            channels=[c for c, box in self.channel_boxes.items() if box.isChecked()],
        )
        self.feed_list.item(self._current).setText(self._feeds[self._current].name or "(no name)")

    # --- Applying -----------------------------------------------------------------------

    def problems(self) -> list[str]:
        """Every problem with the edited feeds, each naming its feed."""
        self._store_current()
        found: list[str] = []
        names = [feed.name for feed in self._feeds]
        for duplicate in sorted({n for n in names if names.count(n) > 1}):
            found.append(f"Two feeds are called {duplicate!r}; names must be unique.")
        for feed in self._feeds:
            found += [f"{feed.name or '(no name)'}: {p}" for p in validate_feed(feed, self._listed_for(feed))]
        return found

    def _listed_for(self, feed: FeedConfig) -> list[str] | None:
        """What the running feed lists (unless the feed was pointed at another venue, URL or REST URL
        since), else what its venue listed at its REST URL when asked from here; None when nothing is known."""
        running = {f.name: _endpoint(f) for f in self._config.feeds}
        listed = self._listed(feed.name) if running.get(feed.name) == _endpoint(feed) else None
        if listed is None:
            listed = self._fetched.get((feed.venue, _base(feed.rest_url)))
        return listed

    def apply(self) -> bool:
        problems = self.problems()
        if problems:
            self.message.setStyleSheet("color: #ef5350;")
            self.message.setText("\n".join(problems))
            return False
        self.message.setStyleSheet("")
        self.message.setText("Applied and saved.")
        self._config = msgspec.structs.replace(self._config, feeds=list(self._feeds))
        self.applied.emit(self._config)
        return True


def _endpoint(feed: FeedConfig) -> tuple[str, str, str]:
    """Where a feed reads its symbols: its venue, URL and REST URL."""
    return feed.venue, feed.url.strip().rstrip("/"), _base(feed.rest_url)


def _base(rest_url: str) -> str:
    """A REST URL as the key of its symbol list (no spaces, no trailing slash)."""
    return rest_url.strip().rstrip("/")
