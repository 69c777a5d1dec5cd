"""Message examples copied verbatim from Binance's public Spot API documentation.

Each entry is ``(page title, section, text)``; the text is the example as the page prints it,
``//`` comments included (the pages write JavaScript-flavoured JSON). :func:`json_of` drops
the comments and returns the JSON the server actually sends. Pages: "WebSocket Streams for
Binance" (web-socket-streams.md), "Public Rest API for Binance" (rest-api.md), "Filters"
(filters.md) and "Error codes for Binance" (errors.md) of binance/binance-spot-api-docs.
"""

from __future__ import annotations

STREAMS = "WebSocket Streams for Binance"
REST = "Public Rest API for Binance"
FILTERS = "Filters"
ERRORS = "Error codes for Binance"


def json_of(text: str) -> str:
    """The example without its ``//`` comments (a ``//`` inside a string is kept)."""
    out = []
    for line in text.splitlines():
        in_string = False
        cut = len(line)
        for i, char in enumerate(line):
            if char == '"' and (i == 0 or line[i - 1] != "\\"):
                in_string = not in_string
            elif not in_string and line.startswith("//", i):
                cut = i
                break
        out.append(line[:cut].rstrip())
    return "\n".join(out)


EXAMPLES: dict[str, tuple[str, str, str]] = {
    "serverShutdown raw": (STREAMS, "Server Shutdown", """
{
  "e": "serverShutdown", // Event type
  "E": 1770123456789     // Event time
}
"""),
    "serverShutdown combined": (STREAMS, "Server Shutdown", """
{
  "stream": "!serverShutdown",
  "data": {
    "e": "serverShutdown", // Event type
    "E": 1770123456789     // Event time
  }
}
"""),
    "subscribe request": (STREAMS, "Live Subscribing/Unsubscribing to streams: Subscribe to a stream", """
  {
      "method": "SUBSCRIBE",
      "params": ["btcusdt@aggTrade", "btcusdt@depth"],
      "id": 1
  }
"""),
    "subscribe response": (STREAMS, "Live Subscribing/Unsubscribing to streams: Subscribe to a stream", """
  {
      "result": null,
      "id": 1
  }
"""),
    "unsubscribe request": (STREAMS, "Live Subscribing/Unsubscribing to streams: Unsubscribe to a stream", """
  {
      "method": "UNSUBSCRIBE",
      "params": ["btcusdt@depth"],
      "id": 312
  }
"""),
    "unsubscribe response": (STREAMS, "Live Subscribing/Unsubscribing to streams: Unsubscribe to a stream", """
  {
      "result": null,
      "id": 312
  }
"""),
    "list request": (STREAMS, "Live Subscribing/Unsubscribing to streams: Listing Subscriptions", """
  {
      "method": "LIST_SUBSCRIPTIONS",
      "id": 3
  }
"""),
    "list response": (STREAMS, "Live Subscribing/Unsubscribing to streams: Listing Subscriptions", """
  {
      "result": ["btcusdt@aggTrade"],
      "id": 3
  }
"""),
    "set property request": (STREAMS, "Live Subscribing/Unsubscribing to streams: Setting Properties", """
  {
      "method": "SET_PROPERTY",
      "params": ["combined", true],
      "id": 5
  }
"""),
    "set property response": (STREAMS, "Live Subscribing/Unsubscribing to streams: Setting Properties", """
  {
      "result": null,
      "id": 5
  }
"""),
    "get property request": (STREAMS, "Live Subscribing/Unsubscribing to streams: Retrieving Properties", """
  {
      "method": "GET_PROPERTY",
      "params": ["combined"],
      "id": 2
  }
"""),
    "get property response": (STREAMS, "Live Subscribing/Unsubscribing to streams: Retrieving Properties", """
  {
      "result": true, // Indicates that combined is set to true.
      "id": 2
  }
"""),
    "aggTrade": (STREAMS, "Aggregate Trade Streams", """
{
    "e": "aggTrade",        // Event type
    "E": 1672515782136,     // Event time
    "s": "BNBBTC",          // Symbol
    "a": 12345,             // Aggregate trade ID
    "p": "0.001",           // Price
    "q": "100",             // Quantity
    "f": 100,               // First trade ID
    "l": 105,               // Last trade ID
    "T": 1672515782136,     // Trade time
    "m": true,              // Is the buyer the market maker?
    "M": true               // Ignore
}
"""),
    "trade": (STREAMS, "Trade Streams", """
{
    "e": "trade",           // Event type
    "E": 1672515782136,     // Event time
    "s": "BNBBTC",          // Symbol
    "t": 12345,             // Trade ID
    "p": "0.001",           // Price
    "q": "100",             // Quantity
    "T": 1672515782136,     // Trade time
    "m": true,              // Is the buyer the market maker?
    "M": true               // Ignore
}
"""),
    "kline": (STREAMS, "Kline/Candlestick Streams for UTC", """
{
    "e": "kline",               // Event type
    "E": 1672515782136,         // Event time
    "s": "BNBBTC",              // Symbol
    "k": {
        "t": 1672515780000,     // Kline start time
        "T": 1672515839999,     // Kline close time
        "s": "BNBBTC",          // Symbol
        "i": "1m",              // Interval
        "f": 100,               // First trade ID
        "L": 200,               // Last trade ID
        "o": "0.0010",          // Open price
        "c": "0.0020",          // Close price
        "h": "0.0025",          // High price
        "l": "0.0015",          // Low price
        "v": "1000",            // Base asset volume
        "n": 100,               // Number of trades
        "x": false,             // Is this kline closed?
        "q": "1.0000",          // Quote asset volume
        "V": "500",             // Taker buy base asset volume
        "Q": "0.500",           // Taker buy quote asset volume
        "B": "123456"           // Ignore
    }
}
"""),
    "miniTicker": (STREAMS, "Individual Symbol Mini Ticker Stream", """
{
    "e": "24hrMiniTicker",     // Event type
    "E": 1672515782136,        // Event time
    "s": "BNBBTC",             // Symbol
    "c": "0.0025",             // Close price
    "o": "0.0010",             // Open price
    "h": "0.0025",             // High price
    "l": "0.0010",             // Low price
    "v": "10000",              // Total traded base asset volume
    "q": "18"                  // Total traded quote asset volume
}
"""),
    "ticker": (STREAMS, "Individual Symbol Ticker Streams", """
{
    "e": "24hrTicker",      // Event type
    "E": 1672515782136,     // Event time
    "s": "BNBBTC",          // Symbol
    "p": "0.0015",          // Price change
    "P": "250.00",          // Price change percent
    "w": "0.0018",          // Weighted average price
    "x": "0.0009",          // First trade(F)-1 price (first trade before the 24hr rolling window)
    "c": "0.0025",          // Last price
    "Q": "10",              // Last quantity
    "b": "0.0024",          // Best bid price
    "B": "10",              // Best bid quantity
    "a": "0.0026",          // Best ask price
    "A": "100",             // Best ask quantity
    "o": "0.0010",          // Open price
    "h": "0.0025",          // High price
    "l": "0.0010",          // Low price
    "v": "10000",           // Total traded base asset volume
    "q": "18",              // Total traded quote asset volume
    "O": 0,                 // Statistics open time
    "C": 86400000,          // Statistics close time
    "F": 0,                 // First trade ID
    "L": 18150,             // Last trade Id
    "n": 18151              // Total number of trades
}
"""),
    "rolling ticker": (STREAMS, "Individual Symbol Rolling Window Statistics Streams", """
{
    "e": "1hTicker",        // Event type
    "E": 1672515782136,     // Event time
    "s": "BNBBTC",          // Symbol
    "p": "0.0015",          // Price change
    "P": "250.00",          // Price change percent
    "o": "0.0010",          // Open price
    "h": "0.0025",          // High price
    "l": "0.0010",          // Low price
    "c": "0.0025",          // Last price
    "w": "0.0018",          // Weighted average price
    "v": "10000",           // Total traded base asset volume
    "q": "18",              // Total traded quote asset volume
    "O": 0,                 // Statistics open time
    "C": 1675216573749,     // Statistics close time
    "F": 0,                 // First trade ID
    "L": 18150,             // Last trade Id
    "n": 18151              // Total number of trades
}
"""),
    "all market mini tickers": (STREAMS, "All Market Mini Tickers Stream (!miniTicker@arr)", """
[
    {
        // Same as <symbol>@miniTicker payload
    }
]
"""),
    "all market tickers": (STREAMS, "All Market Tickers Stream (!ticker@arr), retired 2026-03-26", """
[
  {
    // Same as <symbol>@ticker payload
  }
]
"""),
    "all market rolling window": (STREAMS, "All Market Rolling Window Statistics Streams (!ticker_<window-size>@arr)", """
[
    {
        // Same as <symbol>@ticker_<window_size> payload,
        // one for each symbol updated within the interval.
    }
]
"""),
    "bookTicker": (STREAMS, "Individual Symbol Book Ticker Streams", """
{
    "u": 400900217,         // order book updateId
    "s": "BNBUSDT",         // symbol
    "b": "25.35190000",     // best bid price
    "B": "31.21000000",     // best bid qty
    "a": "25.36520000",     // best ask price
    "A": "40.66000000"      // best ask qty
}
"""),
    "partial depth": (STREAMS, "Partial Book Depth Streams", """
{
    "lastUpdateId": 160,     // Last update ID
    "bids": [                // Bids to be updated
        [
            "0.0024",        // Price level to be updated
            "10"             // Quantity
        ]
    ],
    "asks": [                // Asks to be updated
        [
            "0.0026",        // Price level to be updated
            "100"            // Quantity
        ]
    ]
}
"""),
    "depthUpdate": (STREAMS, "Diff. Depth Stream", """
{
    "e": "depthUpdate",     // Event type
    "E": 1672515782136,     // Event time
    "s": "BNBBTC",          // Symbol
    "U": 157,               // First update ID in event
    "u": 160,               // Final update ID in event
    "b": [                  // Bids to be updated
        [
            "0.0024",       // Price level to be updated
            "10"            // Quantity
        ]
    ],
    "a": [                  // Asks to be updated
        [
            "0.0026",       // Price level to be updated
            "100"           // Quantity
        ]
    ]
}
"""),
    "rest depth": (REST, "Market Data endpoints: Order book (GET /api/v3/depth)", """
{
    "lastUpdateId": 1027024,
    "bids": [
        [
            "4.00000000",      // PRICE
            "431.00000000"     // QTY
        ]
    ],
    "asks": [["4.00000200", "12.00000000"]]
}
"""),
    "rest klines": (REST, "Market Data endpoints: Kline/Candlestick data (GET /api/v3/klines)", """
[
    [
        1499040000000,         // Kline open time
        "0.01634790",          // Open price
        "0.80000000",          // High price
        "0.01575800",          // Low price
        "0.01577100",          // Close price
        "148976.11427815",     // Volume
        1499644799999,         // Kline Close time
        "2434.19055334",       // Quote asset volume
        308,                   // Number of trades
        "1756.87402397",       // Taker buy base asset volume
        "28.46694368",         // Taker buy quote asset volume
        "0"                    // Unused field, ignore.
    ]
]
"""),
    "rest error": (REST, "Error Codes", """
{
    "code": -1121,
    "msg": "Invalid symbol."
}
"""),
    "rest exchangeInfo": (REST, "General endpoints: Exchange information (GET /api/v3/exchangeInfo)", """
{
    "timezone": "UTC",
    "serverTime": 1565246363776,
    "rateLimits": [
        {
            // These are defined in the `ENUM definitions` section under `Rate Limiters (rateLimitType)`.
            // All limits are optional
        }
    ],
    "exchangeFilters": [
        // These are the defined filters in the `Filters` section.
        // All filters are optional.
    ],
    "symbols": [
        {
            "symbol": "ETHBTC",
            "status": "TRADING",
            "baseAsset": "ETH",
            "baseAssetPrecision": 8,
            "quoteAsset": "BTC",
            "quotePrecision": 8,     // will be removed in future api versions (v4+)
            "quoteAssetPrecision": 8,
            "baseCommissionPrecision": 8,
            "quoteCommissionPrecision": 8,
            "orderTypes": [
                "LIMIT",
                "LIMIT_MAKER",
                "MARKET",
                "STOP_LOSS",
                "STOP_LOSS_LIMIT",
                "TAKE_PROFIT",
                "TAKE_PROFIT_LIMIT"
            ],
            "icebergAllowed": true,
            "ocoAllowed": true,
            "otoAllowed": true,
            "opoAllowed": true,
            "quoteOrderQtyMarketAllowed": true,
            "allowTrailingStop": false,
            "cancelReplaceAllowed": false,
            "amendAllowed": false,
            "pegInstructionsAllowed": true,
            "isSpotTradingAllowed": true,
            "isMarginTradingAllowed": true,
            "filters": [
                // These are defined in the Filters section.
                // All filters are optional
            ],
            "permissions": [],
            "permissionSets": [["SPOT", "MARGIN"]],
            "defaultSelfTradePreventionMode": "NONE",
            "allowedSelfTradePreventionModes": ["NONE"]
        }
    ],
    // Optional field. Present only when SOR is available.
    // https://github.com/binance/binance-spot-api-docs/blob/master/faqs/sor_faq.md
    "sors": [
        {
            "baseAsset": "BTC",
            "symbols": ["BTCUSDT", "BTCUSDC"]
        }
    ]
}
"""),
    "PRICE_FILTER": (FILTERS, "Symbol filters: PRICE_FILTER (/exchangeInfo format)", """
{
    "filterType": "PRICE_FILTER",
    "minPrice": "0.00000100",
    "maxPrice": "100000.00000000",
    "tickSize": "0.00000100"
}
"""),
    "LOT_SIZE": (FILTERS, "Symbol filters: LOT_SIZE (/exchangeInfo format)", """
{
    "filterType": "LOT_SIZE",
    "minQty": "0.00100000",
    "maxQty": "100000.00000000",
    "stepSize": "0.00100000"
}
"""),
}

#: "WebSocket Streams for Binance", "Error Messages": the table's error bodies, verbatim
#: (``%s`` is the page's placeholder; the tests put a value in it).
ERROR_TABLE: list[str] = [
    '{"code": 0, "msg": "Unknown property","id": %s}',
    '{"code": 1, "msg": "Invalid value type: expected Boolean"}',
    '{"code": 2, "msg": "Invalid request: property name must be a string"}',
    '{"code": 2, "msg": "Invalid request: request ID must be an unsigned integer"}',
    '{"code": 2, "msg": "Invalid request: unknown variant %s, expected one of `SUBSCRIBE`, `UNSUBSCRIBE`, '
    '`LIST_SUBSCRIPTIONS`, `SET_PROPERTY`, `GET_PROPERTY` at line 1 column 28"}',
    '{"code": 2, "msg": "Invalid request: too many parameters"}',
    '{"code": 2, "msg": "Invalid request: missing field `method` at line 1 column 73"}',
    '{"code":3,"msg":"Invalid JSON: expected value at line %s column %s"}',
]

#: "WebSocket Streams for Binance", "General WSS information": the combined-stream wrapping.
ENVELOPE = '{"stream":"<streamName>","data":<rawPayload>}'


def example(name: str) -> str:
    """The JSON of one example (comments dropped)."""
    return json_of(EXAMPLES[name][2])
