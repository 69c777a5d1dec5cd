"""TradeDash mock exchange: a local protocol v1 market-data server for demos and tests.

Its rooms: ``market`` (pure: simulator, books, candles, replayed recordings), ``server``
(sockets, fan-out, a pure request session per connection, limits), ``faults`` (the
injector, the start-up schedule, the admin op; they reach the server through a small
protocol class), ``proxy`` (a TCP fault proxy), ``venues`` (the same market in other
exchanges' dialects: ``venues.binance`` under ``/binance``); ``config`` holds the settings,
``cli`` and ``process`` start it.
"""
