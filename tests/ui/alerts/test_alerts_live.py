"""End to end: alert rules fire from a real mock exchange into the banner, history and chart, and persist."""

from __future__ import annotations

import asyncio

from tradedash.app import AppOptions, Dashboard
from tradedash.core.alerts.rules import LargeTrade, PriceCross, new_rule_id
from tradedash.core.alerts.store import AlertSettings, AlertStore
from tradedash.core.feed.lifecycle import FeedState

#: The feed ``--symbols`` makes (see ``Dashboard.start``).
FEED = "command line"


async def _until(predicate, timeout: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


def _last_price(dashboard: Dashboard, symbol: str) -> float | None:
    state = dashboard.feeds[0].market.symbols.get(symbol) if dashboard.feeds else None
    return None if state is None or state.ticker is None else state.ticker.last


def test_a_rule_near_the_price_fires_into_banner_history_and_chart(qt_async, tmp_path):
    dashboard = Dashboard(AppOptions(symbols=["BTC-USD"], config_path=tmp_path / "config.toml"))

    async def scenario():
        await dashboard.start(show=False)
        try:
            alerts = dashboard.alerts
            await _until(lambda: dashboard.feeds[0].client.state is FeedState.LIVE and _last_price(dashboard, "BTC-USD"))
            await _until(lambda: dashboard.window.chart.symbol == (FEED, "BTC-USD"))
            last = _last_price(dashboard, "BTC-USD")
            # One level a tick above and one a tick below: the next move crosses one of them.
            for direction, level in (("above", last + 0.01), ("below", last - 0.01)):
                alerts.put_rule(PriceCross(id=new_rule_id(), feed=FEED, symbol="BTC-USD", direction=direction, level=level,
                                           name=f"near {direction}"))
            await _until(lambda: alerts.history_model.rowCount() >= 1)
            await _until(lambda: len(alerts.chart.markers.data) >= 1)
            firing = alerts.history_model.firing_at(0)
            assert firing.symbol == "BTC-USD" and firing.rule_name.startswith("near ")
            assert alerts.banner.isVisibleTo(dashboard.window)
            assert firing.message in alerts.banner.label.text()
            assert alerts.history_model.index(0, 1).data() == firing.rule_name
            # Both rules may have fired by now: the newest firing (the history's first row) has its star too.
            await _until(lambda: len(alerts.chart.markers.data) == alerts.history_model.rowCount())
            assert (firing.at, firing.price) in {(marker["x"], marker["y"]) for marker in alerts.chart.markers.data}
            assert len(alerts.chart.lines) >= 1  # the rule that has not fired yet still shows its level
            assert alerts.notifier.beeps >= 1  # sound is on by default
            return firing
        finally:
            await dashboard.stop()

    firing = qt_async.run(scenario())
    assert AlertStore(tmp_path).load().history[-1] == firing


def test_rules_and_history_survive_a_restart(qt_async, tmp_path):
    options = AppOptions(symbols=["BTC-USD"], config_path=tmp_path / "config.toml")

    async def first_run():
        dashboard = Dashboard(options)
        await dashboard.start(show=False)
        try:
            alerts = dashboard.alerts
            alerts.put_rule(PriceCross(id="keep", feed=FEED, symbol="BTC-USD", direction="above", level=1e9, name="moon"))
            alerts.put_rule(LargeTrade(id="any", feed=FEED, symbol="BTC-USD", size=1e-9, cooldown=0, mode="once"))
            alerts.set_sound(False)
            await _until(lambda: alerts.history_model.rowCount() == 1)
            return list(alerts.engine.rules), list(alerts.engine.history)
        finally:
            await dashboard.stop()

    async def second_run():
        dashboard = Dashboard(options)
        await dashboard.start(show=False)
        try:
            alerts = dashboard.alerts
            return (list(alerts.engine.rules), list(alerts.engine.history), alerts.history_model.rowCount(),
                    alerts.panel.sound.isChecked(), alerts.problems)
        finally:
            await dashboard.stop()

    rules, history = qt_async.run(first_run())
    assert [r.id for r in rules] == ["keep", "any"] and not rules[1].enabled  # "once" disabled itself
    assert qt_async.run(second_run()) == (rules, history, 1, False, [])


def test_a_corrupt_alert_file_is_reported_and_the_app_still_starts(qt_async, tmp_path):
    (tmp_path / "alerts.json").write_text("{ this is not json")

    async def scenario():
        dashboard = Dashboard(AppOptions(symbols=["BTC-USD"], config_path=tmp_path / "config.toml"))
        await dashboard.start(show=False)
        try:
            banner = dashboard.alerts.banner
            return banner.isVisibleTo(dashboard.window), banner.label.text(), dashboard.alerts.engine.rules
        finally:
            await dashboard.stop()

    visible, text, rules = qt_async.run(scenario())
    assert visible and "alerts.json" in text and "line 1" in text and rules == []
    assert len(list(tmp_path.glob("alerts.json.bad-*"))) == 1


def test_a_half_open_link_suspends_price_rules_and_fires_the_stale_feed_rule(qt_async, tmp_path):
    from tradedash.core.alerts.rules import FeedCondition

    dashboard = Dashboard(AppOptions(symbols=["BTC-USD"], config_path=tmp_path / "config.toml"))

    async def scenario():
        await dashboard.start(show=False)
        try:
            alerts = dashboard.alerts
            await _until(lambda: dashboard.feeds[0].client.state is FeedState.LIVE and _last_price(dashboard, "BTC-USD"))
            alerts.put_rule(PriceCross(id="price", feed=FEED, symbol="BTC-USD", direction="above", level=1e9))
            alerts.put_rule(FeedCondition(id="stale", feed=FEED, condition="stale", seconds=0.5, name="feed quiet"))
            await _until(lambda: alerts.engine.status("price") == "armed")
            await dashboard.exchange.faults.half_open()  # bytes stop, the socket stays: only silence tells
            await _until(lambda: alerts.history_model.rowCount() == 1)
            firing = alerts.history_model.firing_at(0)
            assert (firing.rule_name, firing.symbol, firing.price) == ("feed quiet", None, None)
            assert firing.value > 0.5 and "feed stale" in alerts.banner.label.text()
            row = alerts.rules_model.row_of("price")
            assert alerts.rules_model.index(row, 5).data() == "suspended: feed stale"
        finally:
            await dashboard.stop()

    qt_async.run(scenario())


def test_rules_on_a_feed_this_run_does_not_have_are_explained_where_the_user_sees_them(qt_async, tmp_path):
    rule = PriceCross(id="demo-rule", feed="demo", symbol="BTC-USD", direction="above", level=1e9)
    AlertStore(tmp_path).save_rules([rule], AlertSettings())

    async def scenario():
        dashboard = Dashboard(AppOptions(symbols=["BTC-USD"], config_path=tmp_path / "config.toml"))
        await dashboard.start(show=False)
        try:
            banner = dashboard.alerts.banner
            return banner.isVisibleTo(dashboard.window), banner.label.text(), dashboard.alerts.engine.status("demo-rule")
        finally:
            await dashboard.stop()

    visible, text, status = qt_async.run(scenario())
    assert visible and "1 alert rule watches the feed 'demo', which is not running" in text
    assert "--url/--symbols" in text and status == "waiting for a feed named 'demo'"
