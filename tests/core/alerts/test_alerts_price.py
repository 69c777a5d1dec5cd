"""Property tests of price rules: crossings fire exactly where a path crosses, never on untrusted data."""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.core.alerts.alert_helpers import FakeClock, engine_with
from tradedash.core.alerts.rules import PercentChange, PriceCross, PriceRange
from tradedash.core.feed.lifecycle import FeedState

LEVEL = 100.0

# One step of a path: (seconds since the previous update, price, what makes the data untrusted or None).
untrusted = st.sampled_from([None, None, None, "stale", "resyncing", "book", "disconnected", "late"])
# Lateness is judged against the data before it, so a path never starts with a late message.
steps = st.lists(
    st.tuples(st.sampled_from([0.25, 0.5, 1.0, 2.5]), st.integers(94, 106).map(float), untrusted),
    min_size=1,
    max_size=80,
).filter(lambda path: path[0][2] != "late")
modes = st.sampled_from(["every", "once"])
cooldowns = st.sampled_from([0.0, 1.0, 3.0, 10.0])
hystereses = st.sampled_from([0.0, 1.0, 3.0])


def run_path(engine, clock, symbol_steps):
    """Feed a path to the engine, telling it when the data is untrusted; return the indices that fired."""
    fired: list[int] = []
    for index, (gap, price, reason) in enumerate(symbol_steps):
        clock.now += gap
        engine.set_feed_state({"stale": FeedState.STALE, "resyncing": FeedState.RESYNCING,
                               "disconnected": FeedState.BACKING_OFF}.get(reason, FeedState.LIVE))
        engine.set_resyncing({"BTC-USD"} if reason == "book" else set())
        message = clock.ticker(price)
        if reason == "late":  # stamped by the exchange 30 s ago: a backlog read only now
            message = msgspec.structs.replace(message, ts=message.ts - 30 * 10**9)
        if engine.on_message(message):
            fired.append(index)
    return fired


def throttle(candidates, times, mode, cooldown):
    """Which candidate firings survive the cooldown (measured from the last real firing) and the mode."""
    kept: list[int] = []
    for index in candidates:
        if kept and (mode == "once" or times[index] - times[kept[-1]] < cooldown):
            continue
        kept.append(index)
    return kept


def crossings(path, condition, rearm):
    """Indices i where ``condition`` holds and some earlier j satisfied ``rearm`` with no condition in between.

    ``path`` holds (index, value) of the trusted updates only.
    """
    found = []
    for k, (index, value) in enumerate(path):
        if not condition(value):
            continue
        for j in range(k - 1, -1, -1):
            if condition(path[j][1]):
                break
            if rearm(path[j][1]):
                found.append(index)
                break
    return found


def times_of(symbol_steps):
    times, now = [], 0.0
    for gap, _, _ in symbol_steps:
        now += gap
        times.append(now)
    return times


#: The last price known when the rule is put (the one the user saw), or None: none known yet.
known_prices = st.one_of(st.none(), st.integers(94, 106).map(float))


def trusted_steps(path, known):
    """(index, price) of the trusted updates, after the price known when the rule was put (index -1)."""
    return [(-1, known)] * (known is not None) + [(i, price) for i, (_, price, reason) in enumerate(path) if reason is None]


@settings(max_examples=300, deadline=None)
@given(steps, st.sampled_from(["above", "below"]), modes, cooldowns, hystereses, known_prices)
def test_cross_fires_exactly_where_the_trusted_path_crosses(path, direction, mode, cooldown, hysteresis, known):
    clock = FakeClock()
    rule = PriceCross(id="x", symbol="BTC-USD", direction=direction, level=LEVEL,
                      mode=mode, cooldown=cooldown, hysteresis=hysteresis)
    engine = engine_with([rule], clock, last_price=lambda _feed, _symbol: known)
    fired = run_path(engine, clock, path)

    trusted = trusted_steps(path, known)
    if direction == "above":
        candidates = crossings(trusted, lambda p: p >= LEVEL, lambda p: p < LEVEL - hysteresis)
    else:
        candidates = crossings(trusted, lambda p: p <= LEVEL, lambda p: p > LEVEL + hysteresis)
    assert fired == throttle(candidates, times_of(path), mode, cooldown)
    assert not any(path[i][2] for i in fired), "fired on untrusted data"
    if hysteresis == 0:  # the plain definition: the previous trusted price was on the other side
        side = (lambda p: p < LEVEL) if direction == "above" else (lambda p: p > LEVEL)
        plain = [b for (_, a), (b, p) in zip(trusted, trusted[1:]) if side(a) and not side(p)]
        assert candidates == plain
    assert [f.value for f in engine.history] == [path[i][1] for i in fired]
    assert engine.rule("x").enabled == (mode == "every" or not fired)


@settings(max_examples=200, deadline=None)
@given(steps, st.sampled_from(["enters", "leaves"]), modes, cooldowns, st.sampled_from([0.0, 1.0]), known_prices)
def test_range_fires_when_the_trusted_path_enters_or_leaves(path, event, mode, cooldown, hysteresis, known):
    low, high = 98.0, 102.0
    clock = FakeClock()
    rule = PriceRange(id="r", symbol="BTC-USD", event=event, low=low, high=high,
                      mode=mode, cooldown=cooldown, hysteresis=hysteresis)
    engine = engine_with([rule], clock, last_price=lambda _feed, _symbol: known)
    fired = run_path(engine, clock, path)

    trusted = trusted_steps(path, known)
    inside = lambda p: low <= p <= high  # noqa: E731
    if event == "enters":
        candidates = crossings(trusted, inside,
                               lambda p: p < low - hysteresis or p > high + hysteresis)
    else:
        candidates = crossings(trusted, lambda p: not inside(p),
                               lambda p: low + hysteresis <= p <= high - hysteresis)
    assert fired == throttle(candidates, times_of(path), mode, cooldown)


def brute_change(trusted_samples, k, window, direction):
    """Largest move into sample k from any trusted sample within the window, in %, by brute force."""
    t_k, p_k = trusted_samples[k]
    earlier = [p for t, p in trusted_samples[: k + 1] if t >= t_k - window]
    rises = [100.0 * (p_k - p) / p for p in earlier]
    falls = [100.0 * (p - p_k) / p for p in earlier]
    return {"up": max(rises), "down": max(falls), "either": max(rises + falls)}[direction]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from([0.2, 1.0, 3.0, 7.0]),
                       st.floats(50.0, 150.0, allow_nan=False), untrusted), min_size=1, max_size=60)
    .filter(lambda path: path[0][2] != "late"),
    st.sampled_from(["up", "down", "either"]),
    st.sampled_from([0.5, 5.0, 20.0]),
    st.sampled_from([2.0, 10.0, 60.0]),
    st.sampled_from([0.0, 1.0]),
)
def test_percent_change_agrees_with_brute_force(path, direction, percent, window, hysteresis):
    clock = FakeClock()
    rule = PercentChange(id="p", symbol="BTC-USD", percent=percent, window=window,
                         direction=direction, cooldown=0.0, hysteresis=hysteresis)
    engine = engine_with([rule], clock)
    fired = run_path(engine, clock, path)

    times = times_of(path)
    trusted = [i for i, step in enumerate(path) if step[2] is None]
    samples = [(times[i], path[i][1]) for i in trusted]
    values = [brute_change(samples, k, window, direction) for k in range(len(samples))]
    expected, armed = [], True  # starts armed: a move already under way fires at once
    for index, value in zip(trusted, values):
        if armed and value > percent:
            expected.append(index)
            armed = False
        elif not armed and value <= percent - hysteresis:
            armed = True
    assert fired == expected
    by_index = dict(zip(trusted, values))
    assert [f.value for f in engine.history] == pytest.approx([by_index[i] for i in fired])


def test_suspended_rules_say_why():
    clock = FakeClock()
    engine = engine_with([PriceCross(id="x", symbol="BTC-USD", direction="above", level=LEVEL)], clock,
                         staleness_limit=5.0)
    assert engine.status("x") == "waiting for data"
    engine.set_feed_state(FeedState.LIVE)
    engine.on_message(clock.ticker(99.0))
    assert engine.status("x") == "armed"
    clock.now += 6
    assert engine.status("x") == "suspended: no BTC-USD data for 6 s"
    engine.set_resyncing({"BTC-USD"})
    assert engine.status("x") == "suspended: BTC-USD book resyncing"
    assert engine.on_message(clock.ticker(101.0)) == []
    engine.set_resyncing(set())
    engine.set_feed_state(FeedState.STALE)
    assert engine.status("x") == "suspended: feed stale"
    engine.set_feed_state(FeedState.LIVE)
    assert [f.value for f in engine.on_message(clock.ticker(101.0))] == [101.0]


def test_a_backlog_of_old_data_never_fires_and_says_so():
    clock = FakeClock()
    engine = engine_with([PriceCross(id="x", symbol="BTC-USD", direction="above", level=LEVEL, cooldown=0)], clock,
                         staleness_limit=5.0)
    engine.set_feed_state(FeedState.LIVE)
    clock.now = 1.0
    engine.on_message(clock.ticker(99.0))
    stamped_then = clock.ticker(101.0)  # stamped at 1 s by the exchange...
    clock.now = 20.0  # ...but read 19 s later (the event loop was blocked)
    assert engine.on_message(stamped_then) == []
    assert engine.status("x") == "suspended: BTC-USD data arriving 19 s late"
    assert [f.value for f in engine.on_message(clock.ticker(102.0))] == [102.0]  # fresh data: the crossing is real
    assert engine.status("x") == "waiting to re-arm"


@pytest.mark.parametrize(("cooldown", "firings"), [(2.0, [101.0, 102.0]), (2.5, [101.0])])
def test_the_cooldown_ends_exactly_cooldown_seconds_after_the_last_firing(cooldown, firings):
    clock = FakeClock()
    engine = engine_with([PriceCross(id="x", symbol="BTC-USD", direction="above", level=LEVEL, cooldown=cooldown)],
                         clock)
    fired = []
    for second, price in enumerate([99.0, 101.0, 99.0, 102.0]):  # crossings at 1 s and 3 s: 2 s apart
        clock.now = float(second)
        fired += [f.value for f in engine.on_message(clock.ticker(price))]
    assert fired == firings


def test_a_rule_put_a_tick_from_the_last_price_fires_on_the_first_price_past_its_level():
    """The last price the user saw when making the rule tells its side: the very next price past the level
    is a crossing. (Taking the side from the first price after the rule missed that crossing, and a
    market that then ran away never fired the rule at all.)"""
    clock = FakeClock()
    shown = {"BTC-USD": 64_000.00}
    engine = engine_with([], clock, last_price=lambda _feed, symbol: shown.get(symbol))
    engine.set_feed_state(FeedState.LIVE)
    engine.put(PriceCross(id="up", symbol="BTC-USD", direction="above", level=64_000.01))
    engine.put(PriceCross(id="down", symbol="BTC-USD", direction="below", level=63_999.99))
    engine.put(PriceRange(id="out", symbol="BTC-USD", event="leaves", low=63_999.0, high=64_001.0))
    assert engine.status("up") == engine.status("down") == engine.status("out") == "armed"
    clock.now += 0.2
    assert [f.rule_id for f in engine.on_message(clock.ticker(64_003.50))] == ["up", "out"]  # the next trade, at the ask


def test_a_price_the_app_does_not_trust_never_tells_a_new_rule_its_side():
    clock = FakeClock()
    engine = engine_with([], clock, last_price=lambda _feed, _symbol: 99.0)
    engine.set_feed_state(FeedState.STALE)  # 99 may be long gone
    engine.put(PriceCross(id="x", symbol="BTC-USD", direction="above", level=LEVEL))
    assert engine.status("x") == "suspended: feed stale"
    engine.set_feed_state(FeedState.LIVE)
    assert engine.on_message(clock.ticker(101.0)) == []  # only tells the side: already above
    assert engine.status("x").startswith("price already above 100")


def test_a_new_rule_on_a_price_already_past_its_level_says_so_not_re_arm():
    clock = FakeClock()
    rules = [
        PriceCross(id="up", symbol="BTC-USD", direction="above", level=100.0),
        PriceRange(id="in", symbol="BTC-USD", event="enters", low=100.0, high=110.0),
    ]
    engine = engine_with(rules, clock)
    engine.set_feed_state(FeedState.LIVE)
    engine.on_message(clock.ticker(105.0))
    assert engine.status("up") == "price already above 100: fires after it goes back below and crosses again"
    assert engine.status("in") == "price already inside the range: fires when it next enters it"
    engine.on_message(clock.ticker(95.0))
    assert engine.status("up") == engine.status("in") == "armed"
