"""One spec per kind of alert rule: everything the engine and the editor need to know about it.

Pure: no Qt. A kind's record class, its label and form fields (the editor),
its one-line description (panel, banner, history), the watch that evaluates it
and whether time alone can change it (the engine) are written here once, in
:data:`ALERT_KINDS`, in the order an editor offers them. Adding a kind is
adding a record class in :mod:`.alert_rules`, a watch in :mod:`.alert_watches`
and one :class:`AlertKind` here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tradedash.core.alerts.rules import (
    AlertRule,
    FeedCondition,
    LargeTrade,
    PercentChange,
    PriceCross,
    PriceRange,
    RuleBase,
    SpreadWide,
    TradeVolume,
)
from tradedash.core.alerts.watches import (
    CrossWatch,
    FeedWatch,
    LargeTradeWatch,
    PercentWatch,
    RangeWatch,
    SpreadWatch,
    VolumeWatch,
    Watch,
)

__all__ = ["AlertKind", "FormField", "ALERT_KINDS", "kind_of", "describe_rule", "format_duration", "SymbolLabel", "symbol_as_is"]

#: (feed, symbol) -> the symbol as the window shows it (e.g. ``BTCUSDT`` -> ``BTC-USDT · Binance``).
SymbolLabel = Callable[[str, str], str]


def symbol_as_is(_feed: str, symbol: str) -> str:
    """The :data:`SymbolLabel` that shows a symbol by the venue's own name."""
    return symbol


@dataclass(frozen=True)
class FormField:
    """One field of a kind's form: the record's field name, its label, and its choices (None: a number).

    ``near_last``: the number is a price of the rule's symbol; a new rule's form
    starts at the last price times ``1 + near_last`` (rounded to the tick size).
    """

    name: str
    label: str
    choices: tuple[str, ...] | None = None
    near_last: float | None = None


@dataclass(frozen=True)
class AlertKind:
    """Everything about one kind of rule.

    - ``rule``: its record class; ``tag``: the ``kind`` written in files (the class's tag).
    - ``label``, ``fields``: what the editor shows, in order.
    - ``describe(rule, shown)``: one line saying what a rule of this kind watches, its symbol written
      as ``shown`` (the form the window shows it in).
    - ``watch``: the class that evaluates it; ``timed``: time alone can change
      its value, so the engine also judges it on every tick.
    - ``has_symbol``: it watches one symbol's data (not the feed's connection);
      ``has_hysteresis``: a re-arm distance makes sense for it.
    """

    rule: type[RuleBase]
    label: str
    fields: tuple[FormField, ...]
    describe: Callable[[AlertRule, str], str]
    watch: type[Watch]
    timed: bool = False
    has_symbol: bool = True
    has_hysteresis: bool = True

    @property
    def tag(self) -> str:
        return self.rule.__struct_config__.tag  # type: ignore[return-value]


def format_duration(seconds: float) -> str:
    """``3600`` -> ``1 h``, ``120`` -> ``2 min``, ``45`` -> ``45 s``."""
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{seconds / 3600:g} h"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"


_MOVES = {"up": "rises", "down": "falls", "either": "moves"}

_KINDS = (
    AlertKind(
        PriceCross,
        "Price crosses a level",
        (FormField("direction", "Direction", ("above", "below")), FormField("level", "Level", near_last=0.0)),
        lambda r, shown: f"{shown} crosses {r.direction} {r.level:,.10g}",
        CrossWatch,
    ),
    AlertKind(
        PriceRange,
        "Price enters or leaves a range",
        (
            FormField("event", "When price", ("enters", "leaves")),
            FormField("low", "Low", near_last=-0.01),
            FormField("high", "High", near_last=0.01),
        ),
        lambda r, shown: f"{shown} {r.event} {r.low:,.10g} – {r.high:,.10g}",
        RangeWatch,
    ),
    AlertKind(
        PercentChange,
        "Price moves by a percentage",
        (
            FormField("direction", "Direction", ("either", "up", "down")),
            FormField("percent", "More than (%)"),
            FormField("window", "Within (s)"),
        ),
        lambda r, shown: f"{shown} {_MOVES[r.direction]} more than {r.percent:g} % within {format_duration(r.window)}",
        PercentWatch,
    ),
    AlertKind(
        SpreadWide,
        "Spread wider than",
        (FormField("limit", "Wider than"),),
        lambda r, shown: f"{shown} spread wider than {r.limit:,.10g}",
        SpreadWatch,
    ),
    AlertKind(
        TradeVolume,
        "Trade volume in a window",
        (FormField("limit", "Volume above"), FormField("window", "Within (s)")),
        lambda r, shown: f"{shown} volume above {r.limit:,.10g} within {format_duration(r.window)}",
        VolumeWatch,
        timed=True,
    ),
    AlertKind(
        LargeTrade,
        "Single large trade",
        (FormField("size", "Trade larger than"),),
        lambda r, shown: f"{shown} trade larger than {r.size:,.10g}",
        LargeTradeWatch,
        has_hysteresis=False,
    ),
    AlertKind(
        FeedCondition,
        "Feed problem",
        (FormField("condition", "Feed is", ("stale", "disconnected", "resyncing")), FormField("seconds", "For longer than (s)")),
        lambda r, _shown: f"feed {r.condition} for more than {format_duration(r.seconds)}",
        FeedWatch,
        timed=True,
        has_symbol=False,
    ),
)

#: kind tag -> its spec, in the order an editor offers them.
ALERT_KINDS: dict[str, AlertKind] = {kind.tag: kind for kind in _KINDS}


def kind_of(rule: AlertRule) -> AlertKind:
    """The spec of ``rule``'s kind."""
    return ALERT_KINDS[rule.__struct_config__.tag]  # type: ignore[index]


def describe_rule(rule: AlertRule, label: SymbolLabel = symbol_as_is) -> str:
    """One line saying what the rule watches, e.g. ``BTC-USD crosses above 65,000``; its symbol as
    ``label`` shows it (the rule keeps the venue's own name)."""
    symbol = getattr(rule, "symbol", None)
    return kind_of(rule).describe(rule, "" if symbol is None else label(rule.feed, symbol))
