"""The subscription manager and About dialogs."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tradedash.config import Config, FeedConfig
from tradedash.ui.dialogs.about import AboutDialog, versions
from tradedash.ui.dialogs.subscriptions import SubscriptionDialog

LISTED = ["BTC-USD", "ETH-USD", "SOL-USD"]


def _dialog(qtbot, config: Config | None = None) -> SubscriptionDialog:
    config = config or Config(feeds=[FeedConfig(name="demo", symbols=["BTC-USD"], channels=["ticker"])])
    dialog = SubscriptionDialog(config, lambda name: LISTED if name == "demo" else None)
    qtbot.addWidget(dialog)
    return dialog


def _check(dialog: SubscriptionDialog, symbol: str, on: bool) -> None:
    for i in range(dialog.symbol_list.count()):
        item = dialog.symbol_list.item(i)
        if item.data(Qt.ItemDataRole.UserRole) == symbol:
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)


def test_lists_the_exchange_symbols_and_applies_changes(qtbot):
    dialog = _dialog(qtbot)
    assert [dialog.symbol_list.item(i).text() for i in range(dialog.symbol_list.count())] == LISTED
    _check(dialog, "ETH-USD", True)
    _check(dialog, "BTC-USD", False)
    dialog.channel_boxes["trades"].setChecked(True)
    with qtbot.waitSignal(dialog.applied) as blocker:
        assert dialog.apply()
    feed = blocker.args[0].feeds[0]
    assert feed.symbols == ["ETH-USD"] and feed.channels == ["ticker", "trades"]
    assert dialog.message.text() == "Applied and saved."


def test_validation_names_the_feed_and_the_problem(qtbot):
    dialog = _dialog(qtbot)
    _check(dialog, "BTC-USD", False)
    dialog.channel_boxes["ticker"].setChecked(False)
    dialog.symbol_edit.setText("xyz-usd")
    dialog.symbol_edit.returnPressed.emit()
    applied = []
    dialog.applied.connect(applied.append)
    assert not dialog.apply()
    text = dialog.message.text()
    assert "demo: Choose at least one channel." in text
    assert "demo: The exchange does not list XYZ-USD." in text
    assert applied == []


def test_the_running_feeds_list_is_not_offered_for_another_url(qtbot):
    """The list the running feed's exchange gave holds for that exchange only: pointed elsewhere (another
    URL or REST URL), the feed's symbols are no longer checked against it."""
    dialog = _dialog(qtbot)
    dialog.symbol_edit.setText("xyz-usd")
    dialog.symbol_edit.returnPressed.emit()
    assert "XYZ-USD  (not listed)" in [dialog.symbol_list.item(i).text() for i in range(dialog.symbol_list.count())]
    dialog.url_edit.setText("ws://127.0.0.1:8766")
    dialog.url_edit.editingFinished.emit()
    assert [dialog.symbol_list.item(i).text() for i in range(dialog.symbol_list.count())] == ["BTC-USD", "XYZ-USD"]
    assert "listed" not in dialog.symbols_status.text()
    assert dialog.apply()
    binance = FeedConfig(name="demo", venue="binance", url="ws://127.0.0.1:8765/binance",
                         rest_url="http://127.0.0.1:8765/binance", symbols=["BTCUSD"])
    dialog = _dialog(qtbot, Config(feeds=[binance]))
    assert dialog.symbols_status.text() == "3 symbols listed by Binance."
    dialog.rest_edit.setText("http://127.0.0.1:1/binance")
    dialog.rest_edit.editingFinished.emit()
    assert "listed" not in dialog.symbols_status.text()
    assert [dialog.symbol_list.item(i).text() for i in range(dialog.symbol_list.count())] == ["BTCUSD"]


def test_add_and_remove_feeds(qtbot, tmp_path):
    dialog = _dialog(qtbot)
    dialog.add_feed()
    assert dialog.feed_list.count() == 2 and dialog.name_edit.text() == "feed 1"
    dialog.url_edit.setText("http://nope")
    dialog.ca_edit.setText(str(tmp_path / "missing.pem"))
    dialog.symbol_edit.setText("BTC-USD")
    dialog.symbol_edit.returnPressed.emit()
    assert not dialog.apply()
    assert "feed 1: The URL 'http://nope' must start with ws:// or wss://" in dialog.message.text()
    assert "does not exist" in dialog.message.text()
    dialog.url_edit.setText("wss://example.test:443")
    dialog.ca_edit.setText("")
    dialog.token_edit.setText("secret")
    with qtbot.waitSignal(dialog.applied) as blocker:
        assert dialog.apply()
    new = blocker.args[0].feeds[1]
    assert (new.name, new.url, new.token, new.symbols) == ("feed 1", "wss://example.test:443", "secret", ["BTC-USD"])
    dialog.feed_list.setCurrentRow(0)
    dialog.remove_feed()
    _answer(dialog, "Remove feed")
    with qtbot.waitSignal(dialog.applied) as blocker:
        assert dialog.apply()
    assert [f.name for f in blocker.args[0].feeds] == ["feed 1"]


def _answer(dialog: SubscriptionDialog, text: str) -> None:
    """Click ``text`` (or "Cancel") in the dialog's open question."""
    box = dialog.confirmation
    assert box is not None and box.isVisible()
    [button] = [b for b in box.buttons() if b.text().replace("&", "") == text]
    button.click()


def test_enter_in_the_symbol_box_adds_the_symbol_and_presses_no_button(qtbot):
    dialog = _dialog(qtbot)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.symbol_edit.setFocus()
    qtbot.keyClicks(dialog.symbol_edit, "doge-usd")
    qtbot.keyClick(dialog.symbol_edit, Qt.Key.Key_Return)
    qtbot.keyClick(dialog.symbol_edit, Qt.Key.Key_Enter)
    assert dialog.feed_list.count() == 1 and dialog.isVisible()  # no "Add feed", no Apply, no Close
    symbols = [dialog.symbol_list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(dialog.symbol_list.count())]
    assert symbols[-1] == "DOGE-USD" and dialog.symbol_edit.text() == ""


def test_esc_with_edits_asks_before_discarding_them(qtbot):
    dialog = _dialog(qtbot)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()  # nothing edited: closes at once
    dialog.show()
    _check(dialog, "ETH-USD", True)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.isVisible() and "Discard" in dialog.confirmation.text()
    _answer(dialog, "Cancel")
    assert dialog.isVisible() and dialog.has_edits()
    assert dialog.apply()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # applied: nothing left to lose
    assert not dialog.isVisible()


def test_remove_feed_asks_first(qtbot):
    dialog = _dialog(qtbot)
    dialog.show()
    dialog.remove_feed()
    assert "Remove the feed 'demo'?" == dialog.confirmation.text()
    _answer(dialog, "Cancel")
    assert dialog.feed_list.count() == 1
    dialog.remove_feed()
    _answer(dialog, "Remove feed")
    assert dialog.feed_list.count() == 0


def test_about_shows_versions_and_paths(qtbot):
    dialog = AboutDialog("/cfg/config.toml", "/logs/tradedash.log")
    qtbot.addWidget(dialog)
    text = dialog.findChildren(type(dialog.layout().itemAt(0).widget()))[0].text()
    for name, version in versions().items():
        assert name in text and version in text
    assert "/cfg/config.toml" in text and "/logs/tradedash.log" in text


def test_choosing_binance_fills_its_public_urls_and_symbols_take_its_form(qtbot):
    dialog = _dialog(qtbot)
    applied = []
    dialog.applied.connect(applied.append)
    assert dialog.venue_box.currentData() == "tradedash"
    assert "e.g. BTC-USD," in dialog.symbol_edit.placeholderText()
    index = dialog.venue_box.findData("binance")
    dialog.venue_box.setCurrentIndex(index)
    dialog.venue_box.activated.emit(index)  # as a user's choice does
    assert dialog.url_edit.text() == "wss://stream.binance.com:9443"
    assert "e.g. BTCUSDT," in dialog.symbol_edit.placeholderText()  # a name in the venue's form
    assert dialog.rest_edit.text() == "https://api.binance.com"
    _check(dialog, "BTC-USD", False)
    dialog.symbol_edit.setText("btc/usdt")
    dialog.symbol_edit.returnPressed.emit()
    dialog.compression_box.setChecked(True)
    assert dialog.apply()
    [feed] = applied[0].feeds
    assert (feed.venue, feed.url, feed.rest_url, feed.compression) == (
        "binance", "wss://stream.binance.com:9443", "https://api.binance.com", True
    )
    assert feed.symbols == ["BTCUSDT"]
