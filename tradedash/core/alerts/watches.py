"""What each kind of alert rule watches: per-rule state that turns market data into readings.

Pure: no Qt, no sockets; time comes in as an argument. The engine
(:mod:`.alerts`) owns arming, cooldowns and trust; a watch only says, for each
input, what the rule's value is, whether its condition holds and whether the
value is back far enough to re-arm. Which watch serves which kind of rule is
written once, in :mod:`.alert_kinds`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Generic, TypeVar

from tradedash.core.alerts.rules import (
    AlertRule,
    FeedCondition,
    LargeTrade,
    PercentChange,
    PriceCross,
    PriceRange,
    SpreadWide,
    TradeVolume,
)
from tradedash.core.wire import Ticker, Trade

__all__ = [
    "Watch",
    "SidedWatch",
    "Reading",
    "ConditionSince",
    "CrossWatch",
    "RangeWatch",
    "PercentWatch",
    "SpreadWatch",
    "VolumeWatch",
    "LargeTradeWatch",
    "FeedWatch",
]

#: (value, condition holds, value is back far enough to re-arm), or None when there is nothing to judge.
Reading = tuple[float, bool, bool] | None
#: When a feed condition ("stale", "disconnected", "resyncing") began, in the engine's clock; None if it does not hold.
ConditionSince = Callable[[str], float | None]
R = TypeVar("R", bound=AlertRule)


class Watch(Generic[R]):
    """The runtime state of one rule: the trigger (armed, last firing) and what its kind keeps.

    Contract: ``on_ticker`` / ``on_trade`` / ``on_tick`` return a :data:`Reading`
    (value, condition holds, back far enough to re-arm) or None when the input
    says nothing about the rule; the engine judges arming, cooldown and mode.
    ``since(condition)`` tells when a feed condition began (feed rules read it).
    ``start_at(price)`` takes the market's last price when the rule was made
    (rules that start disarmed take their side from it).
    """

    starts_armed = True
    #: Every true condition is its own event (no arming): large trades.
    events = False
    #: The market messages this kind of rule reads.
    messages: tuple[type, ...] = (Ticker,)

    def __init__(self, rule: R, since: ConditionSince) -> None:
        self.rule = rule
        self.armed = self.starts_armed
        self.last_fired: float | None = None
        self.seen = False  # has the rule judged any data since it was (re)made?

    def start_at(self, price: float) -> None:
        """The last price when the rule was made; the rules that start armed need no side."""

    def on_ticker(self, ticker: Ticker, now: float) -> Reading:
        return None

    def on_trade(self, trade: Trade, now: float) -> Reading:
        return None

    def on_tick(self, now: float) -> Reading:
        return None

    def message(self, value: float, description: str, shown: str) -> str:
        """What a firing at ``value`` says; ``description`` is the rule's one-line description, ``shown``
        its symbol as the window shows it."""
        return f"{description}: {value:,.10g}"

    def waiting(self) -> str:
        """What a disarmed rule waits for, in words."""
        return "waiting to re-arm"


class SidedWatch(Watch[R]):
    """A rule on which side of its levels the last price is (crossing, range): it starts disarmed and
    takes its side from the first price it is given, the last price when it was made if one is known."""

    starts_armed = False

    def start_at(self, price: float) -> None:
        self.armed = self.reading_at(price)[2]
        self.seen = True

    def on_ticker(self, ticker: Ticker, now: float) -> Reading:
        return self.reading_at(ticker.last)

    def reading_at(self, price: float) -> tuple[float, bool, bool]:
        raise NotImplementedError


class CrossWatch(SidedWatch[PriceCross]):
    def reading_at(self, price: float) -> tuple[float, bool, bool]:
        rule = self.rule
        if rule.direction == "above":
            return price, price >= rule.level, price < rule.level - rule.hysteresis
        return price, price <= rule.level, price > rule.level + rule.hysteresis

    def message(self, value: float, description: str, shown: str) -> str:
        return f"{shown} crossed {self.rule.direction} {self.rule.level:,.10g}: last {value:,.10g}"

    def waiting(self) -> str:
        if self.last_fired is not None:
            return super().waiting()
        # Disarmed, never fired: the price was already past the level when the rule started.
        back = "below" if self.rule.direction == "above" else "above"
        return f"price already {self.rule.direction} {self.rule.level:,.10g}: fires after it goes back {back} and crosses again"


class RangeWatch(SidedWatch[PriceRange]):
    def reading_at(self, price: float) -> tuple[float, bool, bool]:
        rule = self.rule
        inside = rule.low <= price <= rule.high
        well_inside = rule.low + rule.hysteresis <= price <= rule.high - rule.hysteresis
        well_outside = price < rule.low - rule.hysteresis or price > rule.high + rule.hysteresis
        if rule.event == "enters":
            return price, inside, well_outside
        return price, not inside, well_inside

    def waiting(self) -> str:
        if self.last_fired is not None:
            return super().waiting()
        where = "inside" if self.rule.event == "enters" else "outside"
        return f"price already {where} the range: fires when it next {self.rule.event} it"

    def message(self, value: float, description: str, shown: str) -> str:
        rule = self.rule
        verb = "entered" if rule.event == "enters" else "left"
        return f"{shown} {verb} {rule.low:,.10g} – {rule.high:,.10g}: last {value:,.10g}"


class PercentWatch(Watch[PercentChange]):
    """Keeps the window's lowest and highest prices with monotonic deques (O(1) per update)."""

    def __init__(self, rule: PercentChange, since: ConditionSince) -> None:
        super().__init__(rule, since)
        self._lows: deque[tuple[float, float]] = deque()  # prices increasing from the front
        self._highs: deque[tuple[float, float]] = deque()  # prices decreasing from the front

    def on_ticker(self, ticker: Ticker, now: float) -> Reading:
        price, rule = ticker.last, self.rule
        lows, highs = self._lows, self._highs
        while lows and lows[-1][1] >= price:
            lows.pop()
        lows.append((now, price))
        while highs and highs[-1][1] <= price:
            highs.pop()
        highs.append((now, price))
        cutoff = now - rule.window
        while lows[0][0] < cutoff:
            lows.popleft()
        while highs[0][0] < cutoff:
            highs.popleft()
        rise = 100.0 * (price - lows[0][1]) / lows[0][1]
        fall = 100.0 * (highs[0][1] - price) / highs[0][1]
        change = {"up": rise, "down": fall, "either": max(rise, fall)}[rule.direction]
        return change, change > rule.percent, change <= rule.percent - rule.hysteresis

    def message(self, value: float, description: str, shown: str) -> str:
        return f"{description}: {value:.2f} %"


class SpreadWatch(Watch[SpreadWide]):
    def on_ticker(self, ticker: Ticker, now: float) -> Reading:
        spread, rule = ticker.ask - ticker.bid, self.rule
        return spread, spread > rule.limit, spread <= rule.limit - rule.hysteresis


class VolumeWatch(Watch[TradeVolume]):
    messages = (Trade,)

    def __init__(self, rule: TradeVolume, since: ConditionSince) -> None:
        super().__init__(rule, since)
        self._trades: deque[tuple[float, float]] = deque()
        self._total = 0.0

    def on_trade(self, trade: Trade, now: float) -> Reading:
        self._trades.append((now, trade.size))
        self._total += trade.size
        return self.on_tick(now)

    def on_tick(self, now: float) -> Reading:
        trades, cutoff = self._trades, now - self.rule.window
        while trades and trades[0][0] < cutoff:
            self._total -= trades.popleft()[1]
        if not trades:
            self._total = 0.0  # no float drift survives an empty window
        rule = self.rule
        return self._total, self._total > rule.limit, self._total <= rule.limit - rule.hysteresis


class LargeTradeWatch(Watch[LargeTrade]):
    events = True
    messages = (Trade,)

    def on_trade(self, trade: Trade, now: float) -> Reading:
        return trade.size, trade.size > self.rule.size, True

    def message(self, value: float, description: str, shown: str) -> str:
        return f"{shown} trade of {value:,.10g} (larger than {self.rule.size:,.10g})"


class FeedWatch(Watch[FeedCondition]):
    messages = ()

    def __init__(self, rule: FeedCondition, since: ConditionSince) -> None:
        super().__init__(rule, since)
        self._since = since

    def on_tick(self, now: float) -> Reading:
        since = self._since(self.rule.condition)
        duration = 0.0 if since is None else now - since
        return duration, since is not None and duration > self.rule.seconds, since is None

    def message(self, value: float, description: str, shown: str) -> str:
        return f"feed {self.rule.condition} for {value:.0f} s (limit {self.rule.seconds:g} s)"
