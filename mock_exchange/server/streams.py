"""The market's clock: steps of the simulated market at the configured rate, or a recording at its pace.

Both loops hand each message to the :class:`~mock_exchange.server.fanout.Fanout` and
let the fault injector withhold book updates (``skip_book_seq``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator

from tradedash.core import wire

from ..config import ServerCounters
from ..faults import FaultInjector
from ..market import Market, ReplayMarket, read_recording
from .fanout import Fanout

__all__ = ["run_market", "run_replay", "paced_recording"]

log = logging.getLogger("mock_exchange")

#: Steps per symbol the loop may fall behind; beyond that it skips ahead.
MAX_CATCH_UP_STEPS = 1000
#: At most this many symbol steps, and this long (seconds) of stepping, between two
#: deliveries: a loop catching up still writes in small pieces and lets the event loop
#: serve sockets in between, and what a step made never waits long behind dearer steps
#: after it (a subscription to every 50-level book makes each step several times dearer).
STEPS_PER_FLUSH = 64
MAX_STEPPING_SECONDS = 0.002
#: The clock that times a stretch of stepping.
_stepping_clock = time.monotonic


async def run_market(market: Market, fanout: Fanout, faults: FaultInjector, counters: ServerCounters, rate: float) -> None:
    """Step every symbol ``rate`` times a second and fan out what listeners want.

    Candles whose interval ended are closed on the clock (the loop also wakes for that),
    before the steps stamped at or after their end. The symbols take turns: symbol ``i`` of ``n`` steps at ``(k + i / n) / rate`` seconds
    after the start (step ``k``), so the market's messages are spread evenly over time
    instead of coming as one burst per period. After a stall the loop catches up, at
    most :data:`STEPS_PER_FLUSH` steps (stamped with the same time) and
    :data:`MAX_STEPPING_SECONDS` of stepping between two deliveries, and skips what lies
    more than :data:`MAX_CATCH_UP_STEPS` steps per symbol behind.
    """
    loop = asyncio.get_running_loop()
    symbols = market.symbols
    count = len(symbols)
    slot = 1.0 / rate / count  # seconds between one symbol's step and the next symbol's
    step_seconds = 1.0 / rate  # the market time each step covers: the same path for a seed and rate, whatever the load
    started = loop.time()
    done = 0  # symbol steps taken, all symbols counted
    while True:
        due = int((loop.time() - started) / slot) + 1
        if due - done > MAX_CATCH_UP_STEPS * count:
            done = due - MAX_CATCH_UP_STEPS * count
        end = min(due, done + STEPS_PER_FLUSH)
        ts = time.time_ns()
        wanted = fanout.wanted
        if ts >= market.next_close:  # candles close on the clock, trade or not
            for channel, symbol, candle in market.close_due(ts, wanted.__getitem__):
                fanout.emit((channel, symbol, 0), candle)
        stepping_until = _stepping_clock() + MAX_STEPPING_SECONDS
        while done < end:
            symbol = symbols[done % count]
            skip_book = bool(faults.book_skips) and faults.take_book_skip(symbol)
            if skip_book:
                counters.book_updates_skipped += 1
            for channel, depth, message in market.step(symbol, ts, wanted[symbol], step_seconds):
                if not (skip_book and channel == "book"):
                    fanout.emit((channel, symbol, depth), message)
            done += 1
            if _stepping_clock() >= stepping_until:
                break
        fanout.flush()
        until_step = started + done * slot - loop.time()
        until_close = (market.next_close - time.time_ns()) / 1e9 + 0.001
        await asyncio.sleep(max(0.0, min(until_step, until_close)))


async def run_replay(
    market: ReplayMarket, path: str, speed: float, fanout: Fanout, faults: FaultInjector, counters: ServerCounters
) -> None:
    """Fan out a recording at its pace divided by ``speed``, keeping ``market``'s books in step."""
    log.info("replaying %s at %gx", path, speed)
    async for messages in paced_recording(path, speed):
        for message in messages:
            market.apply(message)
            if isinstance(message, wire.Book) and message.kind == "update" and faults.take_book_skip(message.symbol):
                counters.book_updates_skipped += 1
                continue
            for key in fanout.keys_of(wire.channel_of(message), message.symbol):
                fanout.emit(key, message)
        fanout.flush()


async def paced_recording(path: str, speed: float = 1.0) -> AsyncIterator[list[wire.MarketMessage]]:
    """Yield each line's market messages when due (recorded pace divided by ``speed``)."""
    loop = asyncio.get_running_loop()
    first_ts: int | None = None
    started = loop.time()
    count = 0
    for ts, messages in read_recording(path):
        if first_ts is None:
            first_ts = ts
        due = started + (ts - first_ts) / 1e9 / speed
        if due > loop.time():
            await asyncio.sleep(due - loop.time())
        if messages:
            count += len(messages)
            yield messages
    log.info("replay of %s finished: %d market messages", path, count)
