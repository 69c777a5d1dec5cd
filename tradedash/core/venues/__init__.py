"""Venues: each one's pure protocol core (messages, book-sync rules, symbols, stream names).

:mod:`.protocol_v1` is TradeDash's own protocol (the mock exchange's) as a
:class:`~tradedash.core.feed.session.FeedSession`; real venues have one subpackage
each. Nothing here opens a socket.
"""
