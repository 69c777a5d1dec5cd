"""The other rule kinds (spread, volume, large trades, feed conditions), expiry, validation and persistence."""

from __future__ import annotations

import csv
import json
from datetime import datetime

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.core.alerts.alert_helpers import FakeClock, engine_with
from tradedash.core.alerts.kinds import ALERT_KINDS, describe_rule, kind_of
from tradedash.core.alerts.rules import (
    FeedCondition,
    Firing,
    LargeTrade,
    PercentChange,
    PriceCross,
    PriceRange,
    SpreadWide,
    TradeVolume,
    check_rule,
)
from tradedash.core.alerts.store import CSV_COLUMNS, AlertSettings, AlertStore, export_csv
from tradedash.core.alerts.engine import ALERT_MESSAGE_TYPES
from tradedash.core.feed.lifecycle import FeedState
from tradedash.core.wire import Ticker, Trade


def test_spread_fires_when_wider_than_the_limit_and_rearms_with_hysteresis():
    clock = FakeClock()
    engine = engine_with([SpreadWide(id="s", symbol="BTC-USD", limit=2.0, hysteresis=0.5, cooldown=0)], clock)
    fired = []
    for spread in [1.0, 2.5, 3.0, 1.8, 2.1, 1.4, 2.2]:
        clock.now += 1
        fired += [f.value for f in engine.on_message(clock.ticker(100.0, spread=spread))]
    assert fired == pytest.approx([2.5, 2.2])  # 1.8 is not back by the hysteresis; 1.4 is


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0.1, 0.5, 2.0]), st.integers(1, 5).map(float)), max_size=60),
       st.sampled_from([3.0, 8.0]), st.sampled_from([1.0, 4.0]))
def test_trade_volume_agrees_with_brute_force(trades, limit, window):
    clock = FakeClock()
    engine = engine_with([TradeVolume(id="v", symbol="BTC-USD", limit=limit, window=window, cooldown=0)], clock)
    fired, expected, armed, times = [], [], True, []
    for index, (gap, size) in enumerate(trades):
        clock.now += gap
        times.append(clock.now)
        if engine.on_message(clock.trade(size)):
            fired.append(index)
        volume = sum(s for t, (_, s) in zip(times, trades) if t >= clock.now - window)
        if armed and volume > limit:
            expected.append(index)
            armed = False
        elif not armed and volume <= limit:
            armed = True
    assert fired == expected


def test_large_trades_each_fire_within_the_cooldown_rules():
    clock = FakeClock()
    engine = engine_with([LargeTrade(id="t", symbol="BTC-USD", size=2.0, cooldown=5.0)], clock)
    fired = []
    for size in [1.0, 3.0, 4.0, 1.0, 2.0, 9.0, 9.0]:
        clock.now += 2
        fired += [f.value for f in engine.on_message(clock.trade(size))]
    assert fired == [3.0, 9.0]  # 4.0 came 2 s after the last firing; the second 9.0 too


@pytest.mark.parametrize(
    ("condition", "state", "resyncing"),
    [("stale", FeedState.STALE, ()), ("disconnected", FeedState.BACKING_OFF, ()),
     ("resyncing", FeedState.RESYNCING, ()), ("resyncing", FeedState.LIVE, ("BTC-USD",))],
)
def test_feed_conditions_fire_after_lasting_longer_than_the_limit(condition, state, resyncing):
    clock = FakeClock()
    engine = engine_with([FeedCondition(id="f", condition=condition, seconds=3.0, cooldown=0)], clock)
    engine.set_feed_state(FeedState.LIVE)
    clock.now = 10
    engine.set_feed_state(state)
    engine.set_resyncing(resyncing)
    clock.now = 12.9
    assert engine.tick() == []
    clock.now = 13.5
    [firing] = engine.tick()
    assert firing.value == pytest.approx(3.5) and firing.symbol is None and condition in firing.message
    clock.now = 20
    assert engine.tick() == []  # still the same episode
    engine.set_resyncing(())
    engine.set_feed_state(FeedState.LIVE)
    engine.set_feed_state(state)
    engine.set_resyncing(resyncing)
    clock.now = 24
    assert len(engine.tick()) == 1  # a new episode fires again


def test_expired_and_disabled_rules_never_fire_and_say_so():
    clock = FakeClock()
    expiring = PriceCross(id="e", symbol="BTC-USD", direction="above", level=100.0, expires_at=clock.wall() + 5)
    off = PriceCross(id="d", symbol="BTC-USD", direction="above", level=100.0, enabled=False)
    engine = engine_with([expiring, off], clock)
    engine.on_message(clock.ticker(99.0))
    clock.now = 6
    assert engine.on_message(clock.ticker(101.0)) == []
    assert (engine.status("e"), engine.status("d")) == ("expired", "disabled")
    engine.set_enabled("d", True)
    engine.on_message(clock.ticker(99.0))
    assert [f.rule_id for f in engine.on_message(clock.ticker(101.0))] == ["d"]


def test_listeners_hear_every_firing_and_history_is_bounded():
    clock = FakeClock()
    engine = engine_with([LargeTrade(id="t", symbol="BTC-USD", size=1.0, cooldown=0)], clock, history_limit=3)
    heard = []
    engine.add_listener(heard.append)
    for size in [2.0, 3.0, 4.0, 5.0]:
        engine.on_message(clock.trade(size))
    assert [f.value for f in heard] == [2.0, 3.0, 4.0, 5.0]
    assert [f.value for f in engine.history] == [3.0, 4.0, 5.0]
    assert engine.fired_count == 4
    engine.put(LargeTrade(id="o", symbol="BTC-USD", size=1.0, mode="once"))
    assert [f.rule_id for f in engine.on_message(clock.trade(2.0))] == ["t", "o"]
    assert [f.rule_id for f in engine.on_message(clock.trade(2.0))] == ["t"]  # "o" fired its once
    assert engine.status("o") == "fired once, now off" and not engine.rule("o").enabled


@pytest.mark.parametrize(
    ("rule", "reason"),
    [
        (PriceCross(id="a", symbol="BTC-USD", direction="above", level=0.0), "level"),
        (PriceCross(id="a", symbol="", direction="above", level=1.0), "symbol"),
        (PriceCross(id="a", symbol="BTC-USD", direction="above", level=1.0, cooldown=-1), "cooldown"),
        (PriceRange(id="a", symbol="BTC-USD", event="enters", low=2.0, high=1.0), "low must be below"),
        (PercentChange(id="a", symbol="BTC-USD", percent=1.0, window=0.0), "window"),
        (LargeTrade(id="a", symbol="BTC-USD", size=1.0, hysteresis=1.0), "no hysteresis"),
    ],
)
def test_invalid_rules_are_refused_with_the_reason(rule, reason):
    with pytest.raises(ValueError, match=reason):
        check_rule(rule)


# --- Persistence -------------------------------------------------------------------------

symbols = st.sampled_from(["BTC-USD", "ETH-USD"])
common = dict(
    id=st.text("abcdef0123456789", min_size=1, max_size=12),
    name=st.text(max_size=20),
    feed=st.sampled_from(["", "demo"]),
    enabled=st.booleans(),
    mode=st.sampled_from(["once", "every"]),
    cooldown=st.floats(0, 1e4),
    expires_at=st.none() | st.floats(1e9, 2e9),
)
positive = st.floats(0.001, 1e6)
rules = st.one_of(
    st.builds(PriceCross, symbol=symbols, direction=st.sampled_from(["above", "below"]), level=positive,
              hysteresis=st.floats(0, 10), **common),
    st.builds(PercentChange, symbol=symbols, percent=positive, window=positive,
              direction=st.sampled_from(["up", "down", "either"]), **common),
    st.builds(SpreadWide, symbol=symbols, limit=positive, **common),
    st.builds(TradeVolume, symbol=symbols, limit=positive, window=positive, **common),
    st.builds(LargeTrade, symbol=symbols, size=positive, **common),
    st.builds(FeedCondition, condition=st.sampled_from(["stale", "disconnected", "resyncing"]),
              seconds=st.floats(0, 1e4), **common),
)
firings = st.builds(Firing, at=st.floats(1e9, 2e9), rule_id=st.text(max_size=5), rule_name=st.text(max_size=10),
                    feed=st.sampled_from(["", "demo"]),
                    symbol=st.none() | symbols, value=st.floats(allow_nan=False, allow_infinity=False),
                    message=st.text(max_size=30))


@settings(max_examples=100, deadline=None)
@given(st.lists(rules, max_size=6), st.lists(firings, max_size=8), st.booleans())
def test_rules_settings_and_history_round_trip(tmp_path_factory, rule_list, firing_list, sound):
    store = AlertStore(tmp_path_factory.mktemp("alerts"), history_limit=5)
    store.save_rules(rule_list, AlertSettings(sound=sound))
    store.save_history(firing_list)
    loaded = AlertStore(store.directory, history_limit=5).load()
    assert loaded.problems == []
    assert loaded.rules == rule_list
    assert loaded.settings.sound == sound
    assert loaded.history == firing_list[-5:]


def test_missing_files_give_defaults(tmp_path):
    loaded = AlertStore(tmp_path / "not-yet").load()
    assert (loaded.rules, loaded.history, loaded.problems, loaded.settings.sound) == ([], [], [], True)


def test_broken_json_is_reported_with_its_line_kept_aside_and_defaults_used(tmp_path):
    store = AlertStore(tmp_path)
    store.rules_path.write_text('{\n  "version": 1,\n  "rules": [\n    {"kind": ]\n}\n')
    loaded = store.load()
    [problem] = loaded.problems
    assert str(store.rules_path) in problem and "line 4" in problem and "kept as" in problem
    assert loaded.rules == [] and not store.rules_path.exists()
    [kept] = tmp_path.glob("alerts.json.bad-*")
    assert kept.read_text().startswith('{\n  "version": 1')
    store.save_rules([], AlertSettings())
    assert kept.exists()  # a later save never overwrites the bad file


def test_one_invalid_rule_is_skipped_and_the_rest_load(tmp_path):
    store = AlertStore(tmp_path)
    good = PriceCross(id="g", symbol="BTC-USD", direction="above", level=1.0)
    bad = json.loads(msgspec.json.encode(good))
    bad.update(id="b", level=-5)
    store.rules_path.write_text(json.dumps({"version": 1, "rules": [bad, msgspec.to_builtins(good)]}))
    loaded = store.load()
    assert loaded.rules == [good]
    assert "rule 1 skipped" in loaded.problems[0] and "level" in loaded.problems[0]
    assert len(list(tmp_path.glob("alerts.json.bad-*"))) == 1


def test_history_with_wrong_types_is_reported_and_replaced_by_an_empty_one(tmp_path):
    store = AlertStore(tmp_path)
    store.history_path.write_text('{"version": 1, "firings": [{"at": "yesterday"}]}')
    loaded = store.load()
    assert loaded.history == [] and "alert_history.json" in loaded.problems[0]


@pytest.mark.parametrize("at", [1e12, -1.0])
def test_a_firing_time_no_calendar_can_show_is_a_file_problem(tmp_path, at):
    store = AlertStore(tmp_path)
    firing = {"at": at, "rule_id": "r", "rule_name": "r", "symbol": "BTC-USD", "value": 1.0, "message": "m"}
    store.history_path.write_text(json.dumps({"version": 1, "firings": [firing]}))
    loaded = store.load()
    assert loaded.history == [] and "alert_history.json: firings[0].at" in loaded.problems[0]
    assert len(list(tmp_path.glob("alert_history.json.bad-*"))) == 1


def test_an_expiry_no_calendar_can_show_skips_that_rule(tmp_path):
    store = AlertStore(tmp_path)
    rule = msgspec.to_builtins(PriceCross(id="b", symbol="BTC-USD", direction="above", level=1.0))
    store.rules_path.write_text(json.dumps({"version": 1, "rules": [dict(rule, expires_at=1e12)]}))
    loaded = store.load()
    assert loaded.rules == [] and "rule 1 skipped: expires_at: Expected a time no later than the year 9999" in loaded.problems[0]
    with pytest.raises(ValueError, match="expires_at"):
        check_rule(PriceCross(id="b", symbol="BTC-USD", direction="above", level=1.0, expires_at=1e12))


@pytest.mark.parametrize("name", ["alerts.json", "alert_history.json"])
def test_files_nested_too_deeply_are_reported_and_kept(tmp_path, name):
    (tmp_path / name).write_text("[" * 2000 + "]" * 2000)
    (tmp_path / "deep").mkdir()
    (tmp_path / "deep" / name).write_text('{"version": 1, "rules": [' + "[" * 2000 + "]" * 2000 + "]}")
    for directory in (tmp_path, tmp_path / "deep"):
        loaded = AlertStore(directory).load()
        assert loaded.problems and name in loaded.problems[0], loaded.problems
        assert len(list(directory.glob(name + ".bad-*"))) == 1


def test_rules_watch_only_their_own_feed():
    clock = FakeClock()
    engine = engine_with([PriceCross(id="a", feed="A", symbol="BTC-USD", direction="above", level=100.0)], clock)
    engine.set_feed_state(FeedState.LIVE, "A")
    engine.set_feed_state(FeedState.STALE, "B")
    engine.on_message(clock.ticker(99.0), "A")
    assert engine.on_message(clock.ticker(101.0), "B") == []
    assert engine.status("a") == "armed"  # feed B being stale does not suspend a rule on feed A
    engine.put(PriceCross(id="c", feed="C", symbol="BTC-USD", direction="above", level=100.0))
    assert engine.status("c") == "waiting for a feed named 'C'"
    [firing] = engine.on_message(clock.ticker(101.0), "A")
    assert (firing.feed, firing.price) == ("A", 101.0)


def test_history_exports_to_csv(tmp_path):
    firings = [Firing(at=1_764_000_000.5, rule_id="a", rule_name="BTC, high", symbol="BTC-USD", value=1.5,
                      message='crossed "up"', price=1.5),
               Firing(at=1_764_000_001.0, rule_id="f", rule_name="feed", symbol=None, value=12.0, message="stale")]
    path = tmp_path / "history.csv"
    assert export_csv(firings, path) == 2
    rows = list(csv.reader(path.open(encoding="utf-8")))
    assert rows[0] == list(CSV_COLUMNS)
    assert rows[1][1:] == ["", "BTC, high", "BTC-USD", "1.5", "1.5", 'crossed "up"']
    assert datetime.fromisoformat(rows[1][0]).timestamp() == 1_764_000_000.5
    assert rows[2][3:6] == ["", "12.0", ""]


EXAMPLES = [
    PriceCross(id="a", symbol="BTC-USD", direction="above", level=65000.0),
    PriceRange(id="b", symbol="BTC-USD", event="enters", low=1.0, high=2.0),
    PercentChange(id="c", symbol="BTC-USD", percent=2.0, window=300.0, direction="down"),
    SpreadWide(id="d", symbol="BTC-USD", limit=1.5),
    TradeVolume(id="e", symbol="BTC-USD", limit=10.0, window=60.0),
    LargeTrade(id="f", symbol="BTC-USD", size=5.0),
    FeedCondition(id="g", condition="stale", seconds=120.0),
]


def test_one_spec_per_kind_says_what_engine_and_editor_need():
    assert [kind_of(rule).rule for rule in EXAMPLES] == [kind.rule for kind in ALERT_KINDS.values()]
    assert [describe_rule(rule) for rule in EXAMPLES] == [
        "BTC-USD crosses above 65,000",
        "BTC-USD enters 1 – 2",
        "BTC-USD falls more than 2 % within 5 min",
        "BTC-USD spread wider than 1.5",
        "BTC-USD volume above 10 within 1 min",
        "BTC-USD trade larger than 5",
        "feed stale for more than 2 min",
    ]
    assert {kind.tag for kind in ALERT_KINDS.values() if kind.timed} == {"volume", "feed"}
    assert set(ALERT_MESSAGE_TYPES) == {Ticker, Trade}
    for kind in ALERT_KINDS.values():  # every form field is a field of the record
        assert {field.name for field in kind.fields} <= set(kind.rule.__struct_fields__)


def test_a_timed_kind_is_judged_as_time_passes_without_new_data():
    clock = FakeClock()
    engine = engine_with([TradeVolume(id="v", symbol="BTC-USD", limit=1.0, window=5.0, cooldown=0.0)], clock)
    engine.set_feed_state(FeedState.LIVE)
    assert len(engine.on_message(clock.trade(2.0))) == 1  # 2 > 1
    assert engine.status("v") == "waiting to re-arm"
    clock.now += 6.0
    engine.tick()  # the window emptied with time alone: the rule re-arms
    assert engine.status("v") == "armed"
