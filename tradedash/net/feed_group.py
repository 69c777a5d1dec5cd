"""Several feeds run and stopped together."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from .feed_client import FatalFeedError, FeedClient
from .sharded_feed import ShardedFeed

__all__ = ["FeedGroup"]


class FeedGroup:
    """Runs several feeds (:class:`FeedClient`s, or :class:`ShardedFeed`s of several connections) at once.

    Contract: ``run()`` returns once every feed has stopped. A feed that fails
    fatally stops alone (its ``fatal_reason`` says why) and the others go on;
    ``run()`` then raises :class:`FatalFeedError` naming every failed feed, once
    all have stopped. ``close()`` closes every feed.
    """

    def __init__(self, feeds: Iterable[FeedClient | ShardedFeed]) -> None:
        self.feeds = list(feeds)

    async def run(self) -> None:
        results = await asyncio.gather(*(feed.run() for feed in self.feeds), return_exceptions=True)
        failures = []
        for feed, result in zip(self.feeds, results):
            if isinstance(result, FatalFeedError):
                failures.append(f"{feed.name}: {result}")
            elif isinstance(result, BaseException):
                raise result
        if failures:
            raise FatalFeedError("; ".join(failures))

    async def close(self) -> None:
        await asyncio.gather(*(feed.close() for feed in self.feeds))
