"""What a chart shows, as plain values a config or workspace file can keep: symbol, interval, mode,
price scale and indicators.

Pure: no Qt. A chart gives its :class:`ChartState` (``PriceChart.state()``) and
takes one back (``PriceChart.apply_state()``); :meth:`ChartState.to_dict` and
:meth:`ChartState.from_dict` turn it into TOML/JSON-friendly values and back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from tradedash.core.chart.indicators import indicator_spec
from tradedash.core.wire import INTERVAL_NS

__all__ = ["MODES", "SCALES", "IndicatorState", "ChartState"]

#: How prices are drawn.
MODES = ("candles", "line")
#: How the price axis maps prices: linear, logarithmic, or percent change from the first visible bar.
SCALES = ("linear", "log", "percent")


@dataclass(frozen=True)
class IndicatorState:
    """One indicator on a chart: its catalog name and its checked settings (plain values).

    Contract: built through :meth:`of`, which checks ``settings`` against the
    indicator's spec (defaults filled in) and raises ``ValueError`` for an
    unknown name or a bad value.
    """

    name: str
    settings: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, name: str, settings: Mapping[str, Any] | None = None) -> IndicatorState:
        spec = indicator_spec(name)
        return cls(name, spec.saved(spec.settings_from(settings)))

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "settings": dict(self.settings)}


@dataclass(frozen=True)
class ChartState:
    """Everything a chart needs to show the same thing again after a restart.

    Contract:

    - ``feed`` and ``symbol`` are None for a chart that shows nothing yet;
      ``compare`` names other symbols of the same feed drawn over it (on the
      percent scale).
    - ``interval`` is a key of :data:`~tradedash.core.wire.INTERVAL_NS`, ``mode``
      one of :data:`MODES`, ``scale`` one of :data:`SCALES`; ``indicators`` in
      the order they were added.
    - :meth:`from_dict` accepts what :meth:`to_dict` wrote, fills defaults for
      missing keys and raises ``ValueError`` (naming the key) for anything
      else; a file written by a newer version with an unknown indicator is
      refused the same way, so a caller can fall back to the default state.
    """

    feed: str | None = None
    symbol: str | None = None
    interval: str = "1s"
    mode: str = "candles"
    scale: str = "linear"
    indicators: tuple[IndicatorState, ...] = ()
    compare: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.interval not in INTERVAL_NS:
            raise ValueError(f"interval: {self.interval!r} is not one of {list(INTERVAL_NS)}")
        if self.mode not in MODES:
            raise ValueError(f"mode: {self.mode!r} is not one of {list(MODES)}")
        if self.scale not in SCALES:
            raise ValueError(f"scale: {self.scale!r} is not one of {list(SCALES)}")

    def with_changes(self, **changes: Any) -> ChartState:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain values (no None: a chart without a symbol leaves ``feed`` and ``symbol`` out)."""
        data: dict[str, Any] = {"interval": self.interval, "mode": self.mode, "scale": self.scale}
        if self.feed is not None and self.symbol is not None:
            data.update(feed=self.feed, symbol=self.symbol)
        data["indicators"] = [indicator.to_dict() for indicator in self.indicators]
        if self.compare:
            data["compare"] = list(self.compare)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ChartState:
        if not isinstance(data, Mapping):
            raise ValueError(f"a chart is a table of settings, not {type(data).__name__}")
        unknown = set(data) - {"feed", "symbol", "interval", "mode", "scale", "indicators", "compare"}
        if unknown:
            raise ValueError(f"unknown chart settings {sorted(unknown)}")
        for key in ("feed", "symbol", "interval", "mode", "scale"):
            if key in data and not isinstance(data[key], str):
                raise ValueError(f"{key}: {data[key]!r} is not text")
        indicators = data.get("indicators", [])
        if not isinstance(indicators, list):
            raise ValueError("indicators: not a list")
        parsed = []
        for index, item in enumerate(indicators):
            if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
                raise ValueError(f"indicators[{index}]: needs a name")
            settings = item.get("settings", {})
            if not isinstance(settings, Mapping):
                raise ValueError(f"indicators[{index}].settings: not a table")
            try:
                parsed.append(IndicatorState.of(item["name"], settings))
            except ValueError as error:
                raise ValueError(f"indicators[{index}]: {error}") from None
        compare = data.get("compare", [])
        if not isinstance(compare, list) or not all(isinstance(symbol, str) for symbol in compare):
            raise ValueError("compare: not a list of symbols")
        return cls(
            compare=tuple(compare),
            feed=data.get("feed"),
            symbol=data.get("symbol"),
            interval=data.get("interval", "1s"),
            mode=data.get("mode", "candles"),
            scale=data.get("scale", "linear"),
            indicators=tuple(parsed),
        )
