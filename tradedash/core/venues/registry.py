"""The venues TradeDash can read, as spec objects: one registry for the config, the app and ``tape``.

A venue is a feed session (its protocol and book-sync rules) plus how to reach it (its default
WebSocket and REST URLs) and how it names symbols. ``tradedash`` is TradeDash's own protocol v1
(the mock exchange's default dialect); ``binance`` is Binance Spot's public market data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from tradedash.core.feed.session import FeedSession, MarketSink
from tradedash.core.venues.binance.rest import WeightBudget, exchange_info_request, rest_base
from tradedash.core.venues.binance.session import DEFAULT_REST_URL, DEFAULT_WS_URL, BinanceSession
from tradedash.core.venues.binance.subscriptions import MAX_STREAMS
from tradedash.core.venues.binance.symbols import listed_symbols
from tradedash.core.wire import SymbolInfo
from tradedash.core.venues.protocol_v1 import ProtocolV1Session

__all__ = ["Venue", "VENUES", "DEFAULT_VENUE", "venue_of", "venue_of_url"]

#: Quote assets a Binance name ends with, longest first (``BTCUSDT`` -> ``BTC-USDT``) when no
#: ``exchangeInfo`` is at hand to say.
_BINANCE_QUOTES = ("FDUSD", "USDT", "USDC", "TUSD", "BUSD", "EUR", "TRY", "BRL", "USD", "BTC", "ETH", "BNB", "JPY")


@dataclass(frozen=True)
class Venue:
    """One venue: its key (``venue = "binance"`` in the config), the label shown beside its symbols,
    its default endpoints, how to build its session, and its symbol names.

    - :meth:`session` builds the venue's :class:`~tradedash.core.feed.session.FeedSession`
      (``rest_url``: the REST base for venues that fetch over HTTP; empty: :attr:`rest_url`). A venue
      that limits REST requests by weight gets the budget of its REST host from ``budgets`` (made
      there the first time): feeds given the same ``budgets`` share what the address may spend.
    - :meth:`symbol` turns what a user typed into the venue's name (``btc/usdt`` -> ``BTCUSDT``);
      :meth:`display` turns a venue name into the one form shown (``BTCUSDT`` -> ``BTC-USDT``);
      :attr:`example_symbol` is one of its names, to show a user the form; :attr:`default_symbols`
      what a feed of it watches when none are named (:meth:`default_symbols_at` a URL).
    - :attr:`mock_path` is where the mock exchange serves this dialect (appended to its URL).
    - :attr:`max_streams`: the most subscriptions one connection may carry (None: no limit); a feed
      that wants more runs several connections.
    - :meth:`symbol_list_url` is where the venue lists its symbols over REST (None: it does not, or
      only once connected), :attr:`symbol_list_weight` what reading it costs of the budget, and
      :meth:`parse_symbol_list` reads that answer (``ValueError`` saying why).
    """

    key: str
    label: str
    ws_url: str
    rest_url: str
    mock_path: str
    _build: Callable[..., FeedSession]
    _symbol: Callable[[str], str]
    _display: Callable[[str], str]
    _budget: Callable[[], object] | None = None
    max_streams: int | None = None
    _symbol_list_path: str = ""
    symbol_list_weight: int = 0
    _parse_symbol_list: Callable[[bytes], list[SymbolInfo]] | None = None
    example_symbol: str = "BTC-USD"
    default_symbols: tuple[str, ...] = ("BTC-USD", "ETH-USD", "SOL-USD")

    def session(
        self, market: MarketSink, *, rest_url: str = "", budgets: dict[tuple[str, str], object] | None = None,
        **options: object,
    ) -> FeedSession:
        if self.rest_url:
            options["rest_url"] = rest_url = rest_url or self.rest_url
            budget = self.rest_budget(rest_url, budgets)
            if budget is not None:
                options["weight_budget"] = budget
        return self._build(market, **options)

    def rest_budget(self, rest_url: str, budgets: dict[tuple[str, str], object] | None) -> object | None:
        """The request-weight budget of ``rest_url``'s host in ``budgets`` (made there the first time);
        None for a venue without one, or without ``budgets``."""
        if self._budget is None or budgets is None:
            return None
        key = (self.key, urlsplit(rest_url or self.rest_url).netloc)
        if key not in budgets:
            budgets[key] = self._budget()
        return budgets[key]

    def mock_urls(self, exchange_url: str) -> tuple[str, str]:
        """The WebSocket and REST URLs of this dialect on the mock exchange at ``exchange_url`` (``ws://host:port``)."""
        ws = exchange_url.rstrip("/") + self.mock_path
        return ws, ("https" + ws[3:] if ws.startswith("wss") else "http" + ws[2:]) if self.rest_url else ""

    def symbol_list_url(self, rest_url: str) -> str | None:
        rest_url = rest_base(rest_url)
        if not self._symbol_list_path or not rest_url.startswith(("http://", "https://")):
            return None
        return rest_url + self._symbol_list_path

    def parse_symbol_list(self, body: bytes) -> list[SymbolInfo]:
        if self._parse_symbol_list is None:
            raise ValueError(f"{self.label} lists no symbols over REST")
        return self._parse_symbol_list(body)

    def symbol(self, text: str) -> str:
        return self._symbol(text.strip())

    def default_symbols_at(self, url: str) -> list[str]:
        """The symbols a feed of this venue at ``url`` watches when none are named, in the venue's names:
        :attr:`default_symbols` on the venue's own public host; elsewhere (the mock exchange's dialect of
        it, which lists the mock's market) the mock's default symbols in the venue's names."""
        own_host = bool(self.ws_url) and urlsplit(url).hostname == urlsplit(self.ws_url).hostname
        symbols = self.default_symbols if own_host else VENUES[DEFAULT_VENUE].default_symbols
        return [self.symbol(symbol) for symbol in symbols]

    def display(self, symbol: str) -> str:
        return self._display(symbol)


def _binance_symbol(text: str) -> str:
    return "".join(c for c in text if c not in "-/_ ").upper()


def _binance_display(symbol: str) -> str:
    for quote in _BINANCE_QUOTES:
        if symbol.endswith(quote) and len(symbol) > len(quote):
            return f"{symbol[: -len(quote)]}-{quote}"
    return symbol


def _same(text: str) -> str:
    return text


VENUES: dict[str, Venue] = {
    "tradedash": Venue("tradedash", "TradeDash", "", "", "", ProtocolV1Session, _same, _same),
    "binance": Venue(
        "binance", "Binance", DEFAULT_WS_URL, DEFAULT_REST_URL, "/binance", BinanceSession, _binance_symbol, _binance_display,
        _budget=WeightBudget, max_streams=MAX_STREAMS, _symbol_list_path="/api/v3/exchangeInfo",
        symbol_list_weight=exchange_info_request().weight,
        _parse_symbol_list=listed_symbols, example_symbol="BTCUSDT",
        default_symbols=("BTCUSDT", "ETHUSDT", "SOLUSDT"),
    ),
}
DEFAULT_VENUE = "tradedash"


def venue_of(key: str) -> Venue:
    """The venue named ``key``; ``ValueError`` naming the known ones otherwise."""
    try:
        return VENUES[key]
    except KeyError:
        raise ValueError(f"unknown venue {key!r}; known: {', '.join(VENUES)}") from None


def venue_of_url(url: str) -> Venue | None:
    """The venue (other than protocol v1) whose endpoint ``url`` looks like: its default host
    (``stream.binance.com``) or its path on the mock exchange (``/binance``, ``/binance/ws``); None
    when it looks like none (what a protocol v1 feed refused by such a URL is told to choose)."""
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    for venue in VENUES.values():
        if venue.key == DEFAULT_VENUE:
            continue
        if parts.hostname and parts.hostname == urlsplit(venue.ws_url).hostname:
            return venue
        if venue.mock_path and (path == venue.mock_path or path.startswith(venue.mock_path + "/")):
            return venue
    return None
