"""The market loop catching up: it writes what it made after a bounded stretch of stepping, so that
dear steps (a subscription to every 50-level book) never hold the others' messages back for long."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from mock_exchange.server import streams
from tests.support.waiting import wait_for


class _Market:
    """Steps that each cost ``cost`` seconds of the stepping clock; no candles close."""

    def __init__(self, symbols: list[str], cost: float, clock: list[float]) -> None:
        self.symbols = symbols
        self.next_close = 2**62
        self.cost = cost
        self.clock = clock

    def close_due(self, ts, wanted):
        return []

    def step(self, symbol, ts, wanted, dt):
        self.clock[0] += self.cost
        return [("trades", 0, symbol)]


class _Fanout:
    """Counts the messages emitted between two deliveries."""

    def __init__(self, symbols: list[str]) -> None:
        self.wanted = {symbol: {"trades"} for symbol in symbols}
        self.chunks: list[int] = []
        self._pending = 0

    def emit(self, key, message) -> None:
        self._pending += 1

    def flush(self) -> None:
        if self._pending:
            self.chunks.append(self._pending)
        self._pending = 0


async def _chunks(monkeypatch, cost: float) -> list[int]:
    clock = [0.0]
    monkeypatch.setattr(streams, "_stepping_clock", lambda: clock[0])
    symbols = ["A-USD", "B-USD"]
    market, fanout = _Market(symbols, cost, clock), _Fanout(symbols)
    # A million steps a second per symbol: every wake-up finds far more steps due than one delivery takes.
    task = asyncio.create_task(streams.run_market(market, fanout, SimpleNamespace(book_skips=0), SimpleNamespace(), 1e6))  # type: ignore[arg-type]
    try:
        await wait_for(lambda: sum(fanout.chunks) >= 2000, what="2000 steps")
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    return fanout.chunks


async def test_dear_steps_are_written_after_a_bounded_stretch_of_stepping(monkeypatch):
    per_step = streams.MAX_STEPPING_SECONDS * 0.6  # the second step of a stretch passes the bound
    chunks = await _chunks(monkeypatch, per_step)
    assert max(chunks) == 2, chunks[:20]  # the step that reaches the bound is the last one before a delivery


async def test_cheap_steps_still_go_out_in_pieces_of_at_most_the_step_bound(monkeypatch):
    chunks = await _chunks(monkeypatch, 0.0)
    assert max(chunks) == streams.STEPS_PER_FLUSH
