"""The REST side of the Binance dialect: routes, parameters, error bodies and request weights. Pure.

"Public Rest API for Binance" as the mock answers it, under ``/binance``:

| route | weight | parameters |
|---|---|---|
| ``GET /api/v3/ping`` | 1 | |
| ``GET /api/v3/time`` | 1 | |
| ``GET /api/v3/exchangeInfo`` | 20 | ``symbol`` or ``symbols`` (a JSON array), optional |
| ``GET /api/v3/depth`` | 5 / 25 / 50 / 250 by limit | ``symbol``; ``limit`` 1..5000, default 100 (larger: 5000) |
| ``GET /api/v3/klines`` | 2 | ``symbol``, ``interval``; ``startTime``, ``endTime``, ``limit`` 1..1000 (default 500) |
| ``GET /api/v3/ticker/24hr`` | 2 (80 for every symbol) | ``symbol``, optional |

Errors come as Binance writes them, ``{"code": <negative>, "msg": ...}`` with HTTP 400
(-1100 illegal characters, -1102 mandatory parameter missing, -1120 invalid interval,
-1121 invalid symbol), 404 for an unknown route, and 429 (-1003) when an address has spent
more than its request weight this minute. Every answer carries ``X-MBX-USED-WEIGHT-1M``
(and ``X-MBX-USED-WEIGHT``): the weight the address has spent in this clock minute, this
request included; a 429 carries ``Retry-After`` (seconds to the next minute). An address
that asks again before that ``Retry-After`` has passed is banned ("failing to back off after
receiving 429s"): HTTP 418 for ``ban_seconds``, with ``Retry-After`` until the ban ends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import msgspec

from tradedash.core.venues.binance.messages import ErrorBody, ExchangeInfo, RateLimit, SymbolFilter, SymbolRecord
from tradedash.core.venues.binance.rest import depth_weight

from .klines import INTERVALS
from .market import BOOK_LEVELS, BinanceMarket, amount
from .streams import SymbolNames

__all__ = ["RestAnswer", "RestApi", "DEFAULT_WEIGHT_LIMIT"]

DEFAULT_WEIGHT_LIMIT = 6000
_MINUTE_MS = 60_000
_DIGITS = re.compile(r"^[0-9]{1,20}$")
_encoder = msgspec.json.Encoder()


@dataclass(frozen=True)
class RestAnswer:
    """An HTTP answer: status, extra headers and a JSON body."""

    status: int
    headers: dict[str, str]
    body: bytes


class _Refused(Exception):
    def __init__(self, status: int, code: int, msg: str) -> None:
        self.status, self.code, self.msg = status, code, msg


def _mandatory(name: str) -> _Refused:
    return _Refused(400, -1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed.")


class RestApi:
    """Answers the REST routes of the module docstring from a :class:`BinanceMarket`.

    Contract: :meth:`answer` takes a path below ``/binance`` (``/api/v3/depth``), its query
    parameters, the caller's address and the wall-clock time in ms; it spends the route's
    weight for that address in the clock minute of ``now_ms`` (a refused request spends its
    weight too, as on Binance) and returns the answer. ``book_of(symbol)`` is called before a
    depth snapshot is read, so the market's published book is current.
    """

    def __init__(
        self, market: BinanceMarket, specs: dict[str, tuple[float, float]], *, weight_limit: int = DEFAULT_WEIGHT_LIMIT,
        book_of: Any = None, ban_seconds: int = 120,
    ) -> None:
        self._market = market
        self._names: SymbolNames = market.names
        self._specs = specs  # mock symbol -> (tick size, lot size)
        self.weight_limit = weight_limit
        self._book_of = book_of
        self._spent: dict[str, tuple[int, int]] = {}  # address -> (minute, weight)
        self.ban_seconds = ban_seconds
        #: Addresses told to wait (429) until when, and those banned (418) until when (ms).
        self._warned: dict[str, int] = {}
        self._banned: dict[str, int] = {}

    def used_weight(self, address: str, now_ms: int) -> int:
        minute, weight = self._spent.get(address, (-1, 0))
        return weight if minute == now_ms // _MINUTE_MS else 0

    def answer(self, path: str, query: dict[str, list[str]], address: str, now_ms: int) -> RestAnswer:
        route = _ROUTES.get(path)
        if route is None:
            return RestAnswer(404, {}, _encoder.encode(ErrorBody(-1000, f"No such route: {path}")))
        weight_of, handler = route
        params = {k: v[-1] for k, v in query.items() if v}
        try:
            weight = weight_of(self, params)
        except _Refused:
            weight = 1
        minute = now_ms // _MINUTE_MS
        used = self.used_weight(address, now_ms) + weight
        self._spent[address] = (minute, used)
        headers = {"X-MBX-USED-WEIGHT-1M": str(used), "X-MBX-USED-WEIGHT": str(used)}
        if self._warned.get(address, 0) > now_ms and address not in self._banned:
            self._banned[address] = now_ms + self.ban_seconds * 1000
        banned_until = self._banned.get(address, 0)
        if banned_until > now_ms:
            headers["Retry-After"] = str(-(-(banned_until - now_ms) // 1000))
            msg = f"Way too many requests; IP({address}) banned until {banned_until}. Please use the websocket for live updates to avoid bans."
            return RestAnswer(418, headers, _encoder.encode(ErrorBody(-1003, msg)))
        self._banned.pop(address, None)
        if used > self.weight_limit:
            self._warned[address] = (minute + 1) * _MINUTE_MS
            headers["Retry-After"] = str(max(1, -(-((minute + 1) * _MINUTE_MS - now_ms) // 1000)))
            msg = (
                f"Too many requests; current limit of IP({address}) is {self.weight_limit} requests per minute. "
                "Please use WebSocket Streams for live updates to avoid polling the API."
            )
            return RestAnswer(429, headers, _encoder.encode(ErrorBody(-1003, msg)))
        try:
            body = handler(self, params, now_ms)
        except _Refused as refused:
            return RestAnswer(refused.status, headers, _encoder.encode(ErrorBody(refused.code, refused.msg)))
        return RestAnswer(200, headers, _encoder.encode(body))

    # --- Parameters -----------------------------------------------------------------

    def _symbol(self, params: dict[str, str], name: str = "symbol") -> str:
        text = params.get(name)
        if not text:
            raise _mandatory(name)
        symbol = self._names.mock_of.get(text)
        if symbol is None:
            raise _Refused(400, -1121, "Invalid symbol.")
        return symbol

    @staticmethod
    def _integer(params: dict[str, str], name: str, default: int | None) -> int | None:
        text = params.get(name)
        if text is None or text == "":
            return default
        if not _DIGITS.match(text):
            raise _Refused(400, -1100, f"Illegal characters found in parameter '{name}'; legal range is '^[0-9]{{1,20}}$'.")
        return int(text)

    # --- Routes ---------------------------------------------------------------------

    def _ping(self, params: dict[str, str], now_ms: int) -> Any:
        return {}

    def _time(self, params: dict[str, str], now_ms: int) -> Any:
        return {"serverTime": now_ms}

    def _exchange_info(self, params: dict[str, str], now_ms: int) -> Any:
        if "symbol" in params:
            chosen = [self._symbol(params)]
        elif "symbols" in params:
            try:
                listed = msgspec.json.decode(params["symbols"], type=list[str])
            except msgspec.DecodeError:
                raise _Refused(400, -1100, "Illegal characters found in parameter 'symbols'.") from None
            chosen = []
            for venue in listed:
                if venue not in self._names.mock_of:
                    raise _Refused(400, -1121, "Invalid symbol.")
                chosen.append(self._names.mock_of[venue])
        else:
            chosen = list(self._names.venue_of)
        records = []
        for symbol in chosen:
            tick, lot = self._specs[symbol]
            base, quote = SymbolNames.assets(symbol)
            filters = [
                SymbolFilter("PRICE_FILTER", tick_size=amount(tick), min_price=amount(tick), max_price=amount(1_000_000.0)),
                SymbolFilter("LOT_SIZE", step_size=amount(lot), min_qty=amount(lot), max_qty=amount(9_000_000.0)),
            ]
            records.append(SymbolRecord(self._names.venue_of[symbol], "TRADING", base, quote, filters))
        limits = [
            RateLimit("REQUEST_WEIGHT", "MINUTE", 1, self.weight_limit),
            RateLimit("RAW_REQUESTS", "MINUTE", 5, 61000),
        ]
        # The dashboard's Structs hold what it reads; the other documented fields are added around them.
        body = msgspec.to_builtins(ExchangeInfo("UTC", now_ms, limits, records))
        body["exchangeFilters"] = []
        body["symbols"] = [{**_SYMBOL_FIELDS, **record} for record in body["symbols"]]
        return body

    def _depth_weight(self, params: dict[str, str]) -> int:
        return depth_weight(min(self._integer(params, "limit", 100) or 100, 5000))

    def _depth(self, params: dict[str, str], now_ms: int) -> Any:
        symbol = self._symbol(params)
        limit = self._integer(params, "limit", 100) or 100
        if self._book_of is not None:
            self._book_of(symbol)
        return self._market.depth_snapshot(symbol, min(limit, 5000, BOOK_LEVELS))

    def _klines(self, params: dict[str, str], now_ms: int) -> Any:
        symbol = self._symbol(params)
        interval = params.get("interval")
        if not interval:
            raise _mandatory("interval")
        if interval not in INTERVALS:
            raise _Refused(400, -1120, "Invalid interval.")
        limit = self._integer(params, "limit", 500) or 500
        if limit > 1000:
            raise _Refused(400, -1130, "Data sent for parameter 'limit' is not valid.")
        start, end = self._integer(params, "startTime", None), self._integer(params, "endTime", None)
        return self._market.klines(symbol, interval, start, end, limit, now_ms)

    def _ticker_weight(self, params: dict[str, str]) -> int:
        return 2 if "symbol" in params else 80

    def _ticker(self, params: dict[str, str], now_ms: int) -> Any:
        if "symbol" in params:
            return self._ticker_body(self._symbol(params), now_ms)
        return [self._ticker_body(symbol, now_ms) for symbol in self._names.venue_of]

    def _ticker_body(self, symbol: str, now_ms: int) -> dict[str, Any]:
        t = self._market.ticker(symbol, now_ms)
        return {
            "symbol": t.symbol, "priceChange": t.price_change, "priceChangePercent": t.price_change_percent,
            "weightedAvgPrice": t.weighted_average, "prevClosePrice": t.first_trade_price, "lastPrice": t.last,
            "lastQty": t.last_quantity, "bidPrice": t.bid, "bidQty": t.bid_quantity, "askPrice": t.ask,
            "askQty": t.ask_quantity, "openPrice": t.open, "highPrice": t.high, "lowPrice": t.low,
            "volume": t.volume, "quoteVolume": t.quote_volume, "openTime": t.open_time, "closeTime": t.close_time,
            "firstId": t.first_trade_id, "lastId": t.last_trade_id, "count": t.trades,
        }


#: A symbol's documented ``exchangeInfo`` fields that TradeDash does not read, as a spot pair has them.
_SYMBOL_FIELDS: dict[str, Any] = {
    "baseAssetPrecision": 8, "quotePrecision": 8, "quoteAssetPrecision": 8, "baseCommissionPrecision": 8,
    "quoteCommissionPrecision": 8, "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS", "STOP_LOSS_LIMIT",
    "TAKE_PROFIT", "TAKE_PROFIT_LIMIT"], "icebergAllowed": True, "ocoAllowed": True, "otoAllowed": True,
    "opoAllowed": True, "quoteOrderQtyMarketAllowed": True, "allowTrailingStop": True, "cancelReplaceAllowed": True,
    "amendAllowed": True, "pegInstructionsAllowed": True, "isSpotTradingAllowed": True, "isMarginTradingAllowed": False,
    "permissions": [], "permissionSets": [["SPOT"]], "defaultSelfTradePreventionMode": "EXPIRE_MAKER",
    "allowedSelfTradePreventionModes": ["NONE", "EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"],
}


def _fixed(weight: int) -> Any:
    return lambda api, params: weight


_ROUTES: dict[str, tuple[Any, Any]] = {
    "/api/v3/ping": (_fixed(1), RestApi._ping),
    "/api/v3/time": (_fixed(1), RestApi._time),
    "/api/v3/exchangeInfo": (_fixed(20), RestApi._exchange_info),
    "/api/v3/depth": (RestApi._depth_weight, RestApi._depth),
    "/api/v3/klines": (_fixed(2), RestApi._klines),
    "/api/v3/ticker/24hr": (RestApi._ticker_weight, RestApi._ticker),
}
