"""Every indicator a chart offers, as one :class:`~.spec.IndicatorSpec` each, by name.

The chart's menu lists :data:`INDICATORS` in this order; a saved chart names
an indicator by its key here.
"""

from __future__ import annotations

from .averages import EMA, SMA, VWAP, Bollinger
from .oscillators import MACD, RSI
from .bars import Source
from .spec import IndicatorSpec, Placement, Setting, SettingKind

__all__ = ["INDICATORS", "indicator_spec"]


def _period(default: int, minimum: int = 1, name: str = "period", label: str = "Period") -> Setting:
    return Setting(name, SettingKind.INT, default, label, minimum=minimum, maximum=1000)


def _source(default: Source = Source.CLOSE) -> Setting:
    return Setting("source", SettingKind.SOURCE, default, "Source")


def _colour(default: str, name: str = "colour", label: str = "Colour") -> Setting:
    return Setting(name, SettingKind.COLOUR, default, label)


_SPECS = (
    IndicatorSpec(
        "sma", "SMA", Placement.OVERLAY, SMA.outputs, (_period(20), _source(), _colour("#f2a900")), SMA
    ),
    IndicatorSpec(
        "ema", "EMA", Placement.OVERLAY, EMA.outputs, (_period(20), _source(), _colour("#00b3e6")), EMA
    ),
    IndicatorSpec(
        "bollinger",
        "Bollinger bands",
        Placement.OVERLAY,
        Bollinger.outputs,
        (
            _period(20, minimum=2),
            Setting("width", SettingKind.FLOAT, 2.0, "Width (standard deviations)", minimum=0.1, maximum=10.0),
            _source(),
            _colour("#9467bd"),
        ),
        Bollinger,
    ),
    IndicatorSpec(
        "vwap",
        "VWAP",
        Placement.OVERLAY,
        VWAP.outputs,
        (
            Setting("anchor", SettingKind.CHOICE, "day", "Session", choices=("day", "week", "none")),
            _source(Source.HLC3),
            _colour("#e377c2"),
        ),
        VWAP,
    ),
    IndicatorSpec("rsi", "RSI", Placement.PANE, RSI.outputs, (_period(14, minimum=2), _source(), _colour("#7f7fff")), RSI),
    IndicatorSpec(
        "macd",
        "MACD",
        Placement.PANE,
        MACD.outputs,
        (
            _period(12, name="fast", label="Fast period"),
            _period(26, minimum=2, name="slow", label="Slow period"),
            _period(9, name="signal", label="Signal period"),
            _source(),
            _colour("#1f77b4"),
            _colour("#ff7f0e", name="signal_colour", label="Signal colour"),
        ),
        MACD,
    ),
)

#: Every indicator by name, in menu order.
INDICATORS: dict[str, IndicatorSpec] = {spec.name: spec for spec in _SPECS}


def indicator_spec(name: str) -> IndicatorSpec:
    """The spec called ``name``; ``ValueError`` listing the known names otherwise."""
    try:
        return INDICATORS[name]
    except KeyError:
        raise ValueError(f"unknown indicator {name!r}; known: {list(INDICATORS)}") from None
