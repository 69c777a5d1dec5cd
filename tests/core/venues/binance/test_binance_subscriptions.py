"""The shard planner: at most 1024 streams a connection, a symbol's streams together, and as few moves as can be."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradedash.core import wire
from tradedash.core.venues.binance.subscriptions import MAX_STREAMS, ShardPlanner

CHANNELS = ["ticker", "trades", "book", "candles:1s", "candles:1m", "candles:5m", "candles:1h"]


def _symbols(n: int, start: int = 0) -> list[str]:
    return [f"S{i:04d}USDT" for i in range(start, start + n)]


def _subs(symbols: list[str], channels: list[str] = CHANNELS) -> set[wire.Subscription]:
    return set(wire.subscriptions_of(channels, symbols))


def _where(shards: list[frozenset[wire.Subscription]]) -> dict[str, int]:
    return {s.symbol: i for i, shard in enumerate(shards) for s in shard}


def test_up_to_1024_streams_is_one_connection():
    planner = ShardPlanner()
    assert planner.max_streams == MAX_STREAMS == 1024
    wanted = _subs(_symbols(1024), ["trades"])
    assert planner.plan(wanted) == [frozenset(wanted)]
    assert planner.plan(set()) == []


def test_beyond_1024_streams_another_connection_opens_and_a_symbols_streams_stay_together():
    planner = ShardPlanner()
    wanted = _subs(_symbols(150))  # 1,050 streams
    shards = planner.plan(wanted)
    assert len(shards) == 2 and all(len(shard) <= 1024 for shard in shards)
    assert frozenset().union(*shards) == wanted
    assert len(shards[0]) == 146 * 7  # as many whole symbols as fit
    for symbol in _symbols(150):
        assert len({i for i, shard in enumerate(shards) for s in shard if s.symbol == symbol}) == 1


def test_new_symbols_fill_the_first_connection_with_room_and_the_others_stay():
    planner = ShardPlanner(max_streams=10)
    first = planner.plan(_subs(_symbols(4), ["trades", "book"]))  # 8 streams
    assert len(first) == 1
    second = planner.plan(_subs(_symbols(7), ["trades", "book"]))  # 14: one more connection
    assert _where(second)["S0000USDT"] == 0 and _where(second)["S0004USDT"] == 0  # room for one more symbol there
    assert {_where(second)[s] for s in _symbols(2, start=5)} == {1}
    shrunk = planner.plan(_subs(_symbols(2, start=5), ["trades", "book"]))  # the first connection's symbols go
    assert shrunk == [frozenset(), frozenset(_subs(_symbols(2, start=5), ["trades", "book"]))]  # nothing moved
    refilled = planner.plan(_subs([*_symbols(2, start=5), "NEWUSDT"], ["trades", "book"]))
    assert _where(refilled)["NEWUSDT"] == 0  # the empty connection is filled first


def test_a_symbol_that_outgrows_its_connection_moves_alone():
    planner = ShardPlanner(max_streams=4)
    planner.plan(_subs(["AUSDT", "BUSDT"], ["trades", "book"]))  # one connection, full
    grown = planner.plan(_subs(["AUSDT"], ["trades", "book"]) | _subs(["BUSDT"], ["trades", "book", "ticker"]))
    assert _where(grown) == {"AUSDT": 0, "BUSDT": 1}
    assert planner.shard_of("BUSDT") == 1 and planner.shard_of("NOPE") is None


def test_a_symbol_with_more_streams_than_a_connection_holds_is_refused():
    with pytest.raises(ValueError, match="more than 2 streams"):
        ShardPlanner(max_streams=2).plan(_subs(["AUSDT"], ["trades", "book", "ticker"]))
    with pytest.raises(ValueError):
        ShardPlanner(max_streams=0)


@settings(max_examples=150, deadline=None)
@given(
    steps=st.lists(
        st.sets(st.tuples(st.integers(0, 30), st.sampled_from(CHANNELS)), max_size=120), min_size=1, max_size=8
    ),
    limit=st.integers(7, 40),
)
def test_every_plan_carries_what_is_wanted_within_the_limit_and_moves_only_what_must(steps, limit):
    planner = ShardPlanner(max_streams=limit)
    before: dict[str, int] = {}
    for step in steps:
        wanted = {wire.Subscription(channel, f"S{n}USDT") for n, channel in step}
        shards = planner.plan(wanted)
        assert frozenset().union(*shards) == wanted
        assert sum(len(shard) for shard in shards) == len(wanted)  # each in exactly one shard
        assert all(len(shard) <= limit for shard in shards)
        where = _where(shards)
        assert len(where) == len({s.symbol for s in wanted})
        for symbol, now in where.items():  # a symbol moves only when its shard has no room for it any more
            if symbol in before and now != before[symbol]:
                mine = sum(1 for s in wanted if s.symbol == symbol)
                others = sum(1 for s in shards[before[symbol]] if s.symbol != symbol) if before[symbol] < len(shards) else 0
                assert others + mine > limit
        before = where
