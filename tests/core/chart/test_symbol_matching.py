"""Quick symbol search: prefix, then substring, then fuzzy matches, ignoring case and separators."""

from __future__ import annotations

from tradedash.core.chart.symbol_search import match_score, search

SYMBOLS = ["BTC-USD", "ETH-USD", "SOL-USD", "ETHBTC", "BTCUSDT", "DOGE-USD"]


def test_prefix_before_substring_before_fuzzy():
    assert search("btc", SYMBOLS) == ["BTC-USD", "BTCUSDT", "ETHBTC"]
    assert search("eth", SYMBOLS)[:2] == ["ETH-USD", "ETHBTC"]


def test_separators_and_case_are_ignored():
    assert match_score("btc/usd", "BTC-USD") == 0
    assert match_score("BtcUsd", "BTCUSDT") == 0


def test_fuzzy_match_prefers_fewer_skipped_characters():
    assert match_score("sd", "SOL-USD") is not None
    assert match_score("bu", "BTC-USD") < match_score("bd", "BTC-USD")
    assert match_score("xyz", "BTC-USD") is None
    assert "DOGE-USD" in search("dgu", SYMBOLS) and "BTC-USD" not in search("dgu", SYMBOLS)


def test_empty_query_lists_everything_in_order_and_limit_applies():
    assert search("", SYMBOLS) == sorted(SYMBOLS)
    assert search("usd", SYMBOLS, limit=2) == search("usd", SYMBOLS)[:2]
    assert len(search("usd", SYMBOLS, limit=2)) == 2


def test_key_picks_the_text_of_richer_items():
    items = [("demo", "BTC-USD"), ("binance", "BTCUSDT")]
    assert search("usdt", items, key=lambda item: item[1]) == [("binance", "BTCUSDT")]
