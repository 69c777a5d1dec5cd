"""tests/support is the one home of message builders and waiting: numbered from 1 in every test, and
no test module keeps a builder or a poller of its own."""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path

import pytest

from tests.support.builders import ticker, trade
from tests.support.waiting import wait_for, wait_for_blocking

TESTS = Path(__file__).resolve().parent
SHARED = {"ticker", "trade", "wait_for", "wait_until", "until"}


def test_messages_are_numbered_from_1_in_every_test_and_never_repeat():
    first, second = ticker(), trade()
    assert (first.seq, second.seq) == (1, 2) and second.trade_id == 3
    assert ticker("ETH-USD", 5.0, seq=40).seq == 40


def test_a_ticker_spans_its_spread_and_its_24h_range():
    message = ticker("SOL-USD", 150.0, spread=2.0, open_24h=140.0)
    assert (message.bid, message.ask, message.high_24h, message.low_24h, message.change_24h) == (149.0, 151.0, 150.0, 140.0, 10.0)


async def test_wait_for_returns_once_true_and_fails_naming_what_it_waited_for():
    ticks = []
    asyncio.get_running_loop().call_later(0.02, ticks.append, 1)
    await wait_for(lambda: ticks, 5)
    with pytest.raises(AssertionError, match="the impossible not met within 0.05 s"):
        await wait_for(lambda: False, 0.05, what="the impossible")
    with pytest.raises(AssertionError, match="never not met"):
        wait_for_blocking(lambda: False, 0.05, interval=0.01, what="never")


def test_no_test_module_defines_its_own_builder_or_poller():
    own = [
        f"{path.relative_to(TESTS)}: {node.name}"
        for path in TESTS.rglob("*.py")
        if "support" not in path.relative_to(TESTS).parts
        for node in ast.parse(path.read_text(encoding="utf-8")).body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in SHARED
    ]
    assert own == []
