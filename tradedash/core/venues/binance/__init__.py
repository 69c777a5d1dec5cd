"""Binance Spot public market data, as Binance documents it, with no I/O.

- :mod:`.messages`: every documented frame as a typed Struct, and the decoder that turns a
  frame into TradeDash's normalized market messages.
- :mod:`.book_sync`: the documented local-order-book procedure as a state machine.
- :mod:`.rest`: the REST requests (depth, exchangeInfo, klines), their weights, and the
  request-weight budget.
- :mod:`.symbols`: ``exchangeInfo`` symbols with tick and lot sizes; venue and display names.
- :mod:`.streams`: TradeDash subscriptions to Binance stream names, and the combined-stream URL.
- :mod:`.subscriptions`: which connection carries which subscriptions (:class:`.subscriptions.ShardPlanner`:
  at most 1024 streams a connection, a symbol's together).
- :mod:`.symbol_share`: the symbol list read once for every connection of a feed.
- :mod:`.session`: the :class:`~tradedash.core.feed.session.FeedSession` of one connection.

How the session puts them together (frames and clock readings in, actions out):

- subscriptions -> :func:`.streams.streams_of`: the combined-stream URL names the first
  ``url_streams``, ``SUBSCRIBE`` frames (paced, 4 a second) ask for the rest, replies matched by id;
- each frame -> :func:`.messages.decode_frame`: market messages to the market; a
  ``DepthUpdate`` to its symbol's :class:`.book_sync.BookSync`, whose ``take()`` gives book
  messages for the market and :class:`.book_sync.FetchDepth` actions (sent when the
  :class:`.rest.RestQueue` over a shared :class:`.rest.WeightBudget` allows; the body back through
  ``decode_depth`` and ``apply_snapshot``); a ``Shutdown`` or a lost connection -> reconnect,
  ``BookSync.reset`` and the market's ``reset_sequences``.
- a feed of more than 1024 streams runs one session per shard of the planner
  (:class:`tradedash.net.sharded_feed.ShardedFeed`), all over one :class:`.symbol_share.SharedSymbolList`.
"""
