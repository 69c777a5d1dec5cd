"""Binance Spot public market data, as Binance documents it, with no I/O.

- :mod:`.messages`: every documented frame as a typed Struct, and the decoder that turns a
  frame into TradeDash's normalized market messages.
- :mod:`.book_sync`: the documented local-order-book procedure as a state machine.
- :mod:`.rest`: the REST requests (depth, exchangeInfo, klines), their weights, and the
  request-weight budget.
- :mod:`.symbols`: ``exchangeInfo`` symbols with tick and lot sizes; venue and display names.
- :mod:`.streams`: TradeDash subscriptions to Binance stream names, and the combined-stream URL.
- :mod:`.subscriptions`: which connection carries which stream, and the ``SUBSCRIBE`` /
  ``UNSUBSCRIBE`` frames that get them there within Binance's limits.

How a Binance session is meant to put them together (frames and clock readings in, actions out):

- subscriptions -> :func:`.streams.streams_of` -> :class:`.subscriptions.StreamPlanner`:
  connections to open at :func:`.streams.combined_url` of their ``url_streams``, frames to
  send when :meth:`~.subscriptions.StreamPlanner.due`, replies matched by ``answer``;
- each frame -> :func:`.messages.decode_frame`: market messages to the market; a
  ``DepthUpdate`` to its symbol's :class:`.book_sync.BookSync`, whose ``take()`` gives book
  messages for the market and :class:`.book_sync.FetchDepth` actions (sent when
  :class:`.rest.WeightBudget` allows; the body back through ``decode_depth`` and
  ``apply_snapshot``); a ``Shutdown`` or a lost connection -> reconnect, ``BookSync.reset``
  and the market's ``reset_sequences``.
"""
