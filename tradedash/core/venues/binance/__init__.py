"""Binance Spot public market data, as Binance documents it, with no I/O.

- :mod:`.messages`: every documented frame as a typed Struct, and the decoder that turns a
  frame into TradeDash's normalized market messages.
- :mod:`.book_sync`: the documented local-order-book procedure as a state machine.
- :mod:`.symbols`: ``exchangeInfo`` symbols with tick and lot sizes; venue and display names.
- :mod:`.streams`: TradeDash subscriptions to Binance stream names, and the combined-stream URL.
- :mod:`.subscriptions`: which connection carries which stream, and the ``SUBSCRIBE`` /
  ``UNSUBSCRIBE`` frames that get them there within Binance's limits.
"""
