"""The app's log file: a token in a feed's URL never reaches it."""

from __future__ import annotations

import asyncio
import logging

from tradedash.app import setup_logging
from tradedash.core.feed.backoff import ReconnectPolicy
from tradedash.core.market.state import MarketState
from tradedash.net.feed_client import FeedClient


def test_a_token_in_a_feed_url_is_redacted_in_the_log_file(tmp_path):
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    path = tmp_path / "tradedash.log"
    setup_logging(path)
    try:
        async def fail_to_connect() -> None:
            client = FeedClient("ws://127.0.0.1:1/?token=s3cret", market=MarketState(), policy=ReconnectPolicy(initial=0.01, cap=0.01))
            task = asyncio.create_task(client.run())
            while client.stats.reconnects < 2:
                await asyncio.sleep(0.01)
            await client.close()
            await task

        asyncio.run(fail_to_connect())
        logging.getLogger("tradedash").error("feed stopped: bad URL ws://127.0.0.1:1/?token=s3cret")
    finally:
        for handler in root.handlers[len(before):]:
            handler.close()
        root.handlers[:] = before
        root.setLevel(level)
    text = path.read_text()
    assert "feed ws://127.0.0.1:1/?token=***: cannot connect" in text
    assert "s3cret" not in text
