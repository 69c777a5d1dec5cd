"""Indicators: each equals a plain numpy reference, over a whole series and after live updates.

The references below are written from the definitions in the modules'
docstrings, one bar at a time, without the incremental machinery. Values are
compared to 1e-9 relative; MACD's line and histogram are differences of two
averages (near zero when the averages meet), so they are compared to 1e-9 of
the price level instead.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradedash.core import wire
from tradedash.core.market.candles import CandleSeries
from tradedash.core.chart.indicators import INDICATORS, Bar, LiveIndicator, Placement, Source, SyncResult, indicator_spec
from tradedash.core.wire import INTERVAL_NS

T0 = 1_764_061_200_000_000_000  # 2025-11-25 09:00:00 UTC
MINUTE = 60_000_000_000
DAY = 86_400_000_000_000

# --- References ---------------------------------------------------------------------------


def ref_source(o, h, lo, c, source):
    return {"close": c, "open": o, "high": h, "low": lo, "hl2": (h + lo) / 2, "hlc3": (h + lo + c) / 3}[source]


def ref_sma(x, n):
    out = np.full(len(x), np.nan)
    for i in range(n - 1, len(x)):
        out[i] = np.mean(x[i - n + 1 : i + 1])
    return out


def ref_ema(x, n):
    out = np.full(len(x), np.nan)
    if len(x) >= n:
        out[n - 1] = np.mean(x[:n])
        alpha = 2 / (n + 1)
        for i in range(n, len(x)):
            out[i] = alpha * x[i] + (1 - alpha) * out[i - 1]
    return out


def ref_bollinger(x, n, width):
    middle = ref_sma(x, n)
    deviation = np.full(len(x), np.nan)
    for i in range(n - 1, len(x)):
        deviation[i] = np.std(x[i - n + 1 : i + 1])
    return {"upper": middle + width * deviation, "middle": middle, "lower": middle - width * deviation}


def ref_vwap(start, x, volume, anchor):
    day = start // DAY
    session = {"day": day, "week": (day + 3) // 7, "none": np.zeros_like(day)}[anchor]  # day 0 was a Thursday
    out = np.full(len(x), np.nan)
    first = 0
    for i in range(len(x)):
        if session[i] != session[first]:
            first = i
        v = np.sum(volume[first : i + 1])
        if v > 0:
            out[i] = np.sum(x[first : i + 1] * volume[first : i + 1]) / v
    return out


def ref_rsi(x, n):
    out = np.full(len(x), np.nan)
    change = np.diff(x)
    gain, loss = np.maximum(change, 0.0), np.maximum(-change, 0.0)
    if len(change) < n:
        return out
    avg_gain, avg_loss = np.mean(gain[:n]), np.mean(loss[:n])
    for i in range(n, len(x)):
        if i > n:
            avg_gain = (avg_gain * (n - 1) + gain[i - 1]) / n
            avg_loss = (avg_loss * (n - 1) + loss[i - 1]) / n
        out[i] = 50.0 if avg_gain + avg_loss == 0 else 100 * avg_gain / (avg_gain + avg_loss)
    return out


def ref_macd(x, fast, slow, signal):
    line = ref_ema(x, fast) - ref_ema(x, slow)
    defined = ~np.isnan(line)
    signal_line = np.full(len(x), np.nan)
    signal_line[defined] = ref_ema(line[defined], signal)
    return {"macd": line, "signal": signal_line, "histogram": line - signal_line}


def reference(name, cfg, start, o, h, lo, c, v):
    """The reference output lines of indicator ``name`` with checked settings ``cfg``."""
    x = ref_source(o, h, lo, c, cfg["source"].value)
    if name == "sma":
        return {"sma": ref_sma(x, cfg["period"])}
    if name == "ema":
        return {"ema": ref_ema(x, cfg["period"])}
    if name == "bollinger":
        return ref_bollinger(x, cfg["period"], cfg["width"])
    if name == "vwap":
        return {"vwap": ref_vwap(start, x, v, cfg["anchor"])}
    if name == "rsi":
        return {"rsi": ref_rsi(x, cfg["period"])}
    return ref_macd(x, cfg["fast"], cfg["slow"], cfg["signal"])


def assert_matches_reference(name, cfg, values, start, o, h, lo, c, v):
    expected = reference(name, cfg, start, o, h, lo, c, v)
    assert set(values) == set(expected) == set(INDICATORS[name].outputs)
    level = float(np.max(np.abs(c))) if len(c) else 1.0
    for line, want in expected.items():
        got = values[line]
        assert len(got) == len(want)
        atol = 1e-9 * level if name == "macd" and line != "signal" else 0.0
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=atol, equal_nan=True, err_msg=f"{name}.{line}")
        # Defined where the reference is, and only there.
        assert np.array_equal(np.isnan(got), np.isnan(want)), f"{name}.{line}"


def view_columns(view):
    return (view.start, view.open, view.high, view.low, view.close, view.volume)


# --- Strategies -----------------------------------------------------------------------------

small_period = st.integers(1, 30)
source = st.sampled_from([s.value for s in Source])


@st.composite
def indicator_settings(draw):
    name = draw(st.sampled_from(list(INDICATORS)))
    if name in ("sma", "ema"):
        values = {"period": draw(small_period)}
    elif name == "bollinger":
        values = {"period": draw(st.integers(2, 30)), "width": draw(st.sampled_from([0.5, 2.0, 3.5]))}
    elif name == "vwap":
        values = {"anchor": draw(st.sampled_from(["day", "week", "none"]))}
    elif name == "rsi":
        values = {"period": draw(st.integers(2, 30))}
    else:
        values = {"fast": draw(st.integers(1, 15)), "slow": draw(st.integers(2, 30)), "signal": draw(st.integers(1, 12))}
    values["source"] = draw(source)
    return name, values


@st.composite
def trade_streams(draw):
    """Trades moving forward in time by seconds to hours: many trades per bar, gaps, day changes."""
    price = draw(st.sampled_from([0.0123, 1.5, 97.25, 43_210.0]))
    moves = draw(
        st.lists(
            st.tuples(
                st.one_of(st.integers(0, 20), st.integers(0, 400), st.integers(0, 20_000)),  # seconds to the next trade
                st.floats(-0.02, 0.02),  # relative price move
                st.sampled_from([0.0, 0.001, 0.5, 2.0, 10.0]),  # size (0: a bar with no volume is possible)
                st.booleans(),  # sync the indicator after this trade
            ),
            min_size=1,
            max_size=300,
        )
    )
    ts, trades = T0, []
    for seconds, move, size, sync in moves:
        ts += seconds * 1_000_000_000
        price *= 1 + move
        trades.append((ts, price, size, sync))
    return trades


# --- Whole series and live updates -------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(indicator_settings(), trade_streams(), st.sampled_from(["1m", "5m", "1h"]))
def test_live_indicator_equals_the_reference_after_live_updates_and_appends(chosen, trades, interval):
    name, values = chosen
    spec = INDICATORS[name]
    live = LiveIndicator(spec, values)
    series = CandleSeries(interval, capacity=10_000)
    results = []
    for ts, price, size, sync in trades:
        series.add_trade(ts, price, size)
        if sync:
            results.append(live.sync(series.view()))
    results.append(live.sync(series.view()))
    # Only the first sync with bars computes the whole series; every later one is a step per changed bar.
    assert SyncResult.RECOMPUTED not in results[1:]
    assert_matches_reference(name, live.settings, live.values(), *view_columns(series.view()))
    # And a whole-series computation over the same bars agrees too.
    whole = spec.create(values)
    whole.reset(series.view())
    assert_matches_reference(name, live.settings, whole.values(), *view_columns(series.view()))


@settings(max_examples=150, deadline=None)
@given(indicator_settings(), trade_streams(), st.integers(2, 12))
def test_values_keep_the_history_that_left_a_full_series_on_the_left(chosen, trades, capacity):
    """A series that drops its oldest bars does not make the indicator jump: it still equals the
    reference over every bar seen, cut to the window; and memory stays bounded. (Synced after
    every trade, so that each view shares a bar with the one before, as a chart's views do.)"""
    name, values = chosen
    live = LiveIndicator(INDICATORS[name], values)
    window = CandleSeries("1m", capacity=capacity)
    everything = CandleSeries("1m", capacity=10_000)
    results = []
    for ts, price, size, _ in trades:
        window.add_trade(ts, price, size)
        everything.add_trade(ts, price, size)
        results.append(live.sync(window.view()))
    assert SyncResult.RECOMPUTED not in results[1:]
    shown = len(window)
    got = live.values()
    expected = reference(name, live.settings, *view_columns(everything.view()))
    level = float(np.max(everything.view().close))
    for line, want in expected.items():
        atol = 1e-9 * level if name == "macd" and line != "signal" else 0.0
        np.testing.assert_allclose(got[line], want[-shown:], rtol=1e-9, atol=atol, equal_nan=True)
    assert len(live.computation) <= 2 * capacity + 1 + live.computation.lookback


def test_a_corrected_closed_bar_recomputes_over_the_view():
    spec = INDICATORS["ema"]
    live = LiveIndicator(spec, {"period": 3})
    series = CandleSeries("1m")
    for k in range(10):
        series.add_trade(T0 + k * MINUTE, 100.0 + k, 1.0)
    assert live.sync(series.view()) is SyncResult.RECOMPUTED
    assert live.sync(series.view()) is SyncResult.UNCHANGED
    correction = dict(open=1.0, high=1.0, low=1.0, close=1.0, volume=1.0, closed=True, seq=1)
    series.apply_candle(wire.Candle(symbol="X", interval="1m", start=T0 + 4 * MINUTE, ts=T0 + 5 * MINUTE, **correction))
    assert live.sync(series.view()) is SyncResult.RECOMPUTED
    view = series.view()
    assert view.close[4] == 1.0
    assert_matches_reference("ema", live.settings, live.values(), *view_columns(view))
    series.add_trade(T0 + 10 * MINUTE, 120.0, 1.0)
    assert live.sync(series.view()) is SyncResult.UPDATED
    assert_matches_reference("ema", live.settings, live.values(), *view_columns(series.view()))


def test_an_empty_view_gives_empty_lines_and_then_fills():
    live = LiveIndicator(INDICATORS["macd"])
    series = CandleSeries("1m")
    assert live.sync(series.view()) is SyncResult.UNCHANGED
    assert all(len(line) == 0 for line in live.values().values())
    series.add_trade(T0, 10.0, 1.0)
    assert live.sync(series.view()) is SyncResult.RECOMPUTED
    assert [len(line) for line in live.values().values()] == [1, 1, 1]
    assert all(math.isnan(line[0]) for line in live.values().values())


@pytest.mark.parametrize("name", list(INDICATORS))
def test_each_indicator_over_a_long_series_by_appends_and_live_updates(name):
    """Many live-bar updates (ten per bar) and 2,000 appends, then the reference over the whole series."""
    rng = np.random.default_rng(7)
    computation = INDICATORS[name].create()
    closes = 30_000 * np.exp(np.cumsum(rng.normal(0, 0.002, 2_000)))
    for k, close in enumerate(closes):
        start = T0 + k * 17 * MINUTE  # crosses many UTC days
        computation.append(Bar(start, close, close, close, close, 0.0))
        for tick in rng.normal(0, 0.001, 10):
            price = close * (1 + tick)
            high = max(price, computation.bar_columns()[1, -1])
            low = min(price, computation.bar_columns()[2, -1])
            volume = computation.bar_columns()[4, -1] + rng.uniform(0, 3)
            computation.update_last(Bar(start, close, high, low, price, volume))
    start = computation.starts.copy()
    o, h, lo, c, v = (row.copy() for row in computation.bar_columns())
    assert_matches_reference(name, computation.settings, computation.values(), start, o, h, lo, c, v)


# --- Specs and settings ------------------------------------------------------------------------


def test_the_catalogue_offers_the_overlays_and_panes_of_the_issue():
    overlays = [n for n, s in INDICATORS.items() if s.placement is Placement.OVERLAY]
    panes = [n for n, s in INDICATORS.items() if s.placement is Placement.PANE]
    assert overlays == ["sma", "ema", "bollinger", "vwap"]
    assert panes == ["rsi", "macd"]
    for spec in INDICATORS.values():
        names = [s.name for s in spec.settings]
        assert "source" in names and "colour" in names
        assert spec.settings_from({}) == {s.name: s.check(s.default) for s in spec.settings}


def test_settings_are_checked_and_survive_a_save():
    spec = indicator_spec("bollinger")
    chosen = spec.settings_from({"period": 50, "width": 2.5, "source": "hlc3", "colour": "#AABBCC"})
    assert chosen == {"period": 50, "width": 2.5, "source": Source.HLC3, "colour": "#aabbcc"}
    saved = spec.saved(chosen)
    assert saved["source"] == "hlc3"
    assert spec.settings_from(saved) == chosen
    for bad, words in [
        ({"period": 1}, "outside [2, 1000]"),
        ({"period": 2.5}, "whole number"),
        ({"period": True}, "not a number"),
        ({"width": float("nan")}, "outside"),
        ({"source": "median"}, "not one of"),
        ({"colour": "red"}, "colour"),
        ({"length": 3}, "unknown settings"),
    ]:
        with pytest.raises(ValueError, match=words.replace("[", r"\[")):
            spec.settings_from(bad)
    with pytest.raises(ValueError, match="unknown indicator 'ichimoku'"):
        indicator_spec("ichimoku")
    with pytest.raises(ValueError, match="not one of"):
        indicator_spec("vwap").settings_from({"anchor": "month"})


def test_a_setting_changes_the_values():
    series = CandleSeries("1m")
    for k in range(40):
        series.add_trade(T0 + k * MINUTE, 100.0 + (k * k) % 11, 1.0)
    short, long = LiveIndicator(INDICATORS["sma"], {"period": 3}), LiveIndicator(INDICATORS["sma"], {"period": 10})
    short.sync(series.view())
    long.sync(series.view())
    assert np.isnan(short.values()["sma"][:2]).all() and not np.isnan(short.values()["sma"][2])
    assert np.isnan(long.values()["sma"][:9]).all()
    assert short.values()["sma"][-1] != long.values()["sma"][-1]


def test_known_values():
    """Hand-checked figures, so that the references themselves are pinned."""
    closes = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 4.0])
    computation = INDICATORS["sma"].create({"period": 3})
    bars = type("Bars", (), {})()
    bars.start = T0 + np.arange(6) * MINUTE
    bars.open = bars.high = bars.low = bars.close = closes
    bars.volume = np.ones(6)
    computation.reset(bars)
    np.testing.assert_array_equal(computation.values()["sma"][2:], [2.0, 3.0, 4.0, 13 / 3])
    ema = INDICATORS["ema"].create({"period": 3})
    ema.reset(bars)
    np.testing.assert_allclose(ema.values()["ema"][2:], [2.0, 3.0, 4.0, 4.0])
    rsi = INDICATORS["rsi"].create({"period": 2})
    rsi.reset(bars)
    # changes 1,1,1,1,-1: first averages (1, 0) -> 100; then gain 1 -> 100; then 1, 0 -> 100; loss: (1/2, 1/2) -> 50
    np.testing.assert_allclose(rsi.values()["rsi"][2:], [100.0, 100.0, 100.0, 50.0])
    vwap = INDICATORS["vwap"].create({"source": "close"})
    vwap.reset(bars)
    np.testing.assert_allclose(vwap.values()["vwap"], np.cumsum(closes) / np.arange(1, 7))


def test_a_bar_with_a_nan_price_does_not_look_changed_on_every_sync():
    series = CandleSeries("1m")
    for k in range(5):
        series.add_trade(T0 + k * MINUTE, 100.0 + k, 1.0)
    series.add_trade(T0 + 2 * MINUTE + 1, float("nan"), 1.0)  # a closed bar and ...
    series.add_trade(T0 + 4 * MINUTE + 1, float("nan"), 1.0)  # ... the live bar with a NaN close
    live = LiveIndicator(INDICATORS["sma"], {"period": 2})
    assert live.sync(series.view()) is SyncResult.RECOMPUTED
    assert live.sync(series.view()) is SyncResult.UNCHANGED
