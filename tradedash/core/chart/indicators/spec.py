"""What an indicator is, apart from its arithmetic: name, settings, outputs and where it is drawn.

A chart's menu lists :data:`~tradedash.core.chart.indicators.catalog.INDICATORS`
(one :class:`IndicatorSpec` each), builds a settings form from
:attr:`IndicatorSpec.settings` (each :class:`Setting` knows its kind, default and
range), and saves a chart's indicators as ``{"name": ..., "settings": {...}}``;
:meth:`IndicatorSpec.settings_from` turns such a saved mapping back into checked
settings and :meth:`IndicatorSpec.create` into a running computation.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .bars import Source
from .computation import Computation

__all__ = ["Placement", "SettingKind", "Setting", "IndicatorSpec"]


class Placement(enum.Enum):
    """Where a chart draws an indicator."""

    OVERLAY = "overlay"  # on the price axis, over the candles
    PANE = "pane"  # in a pane of its own below the price


class SettingKind(enum.Enum):
    """The type of a setting's value, which decides the widget a settings form shows for it."""

    INT = "int"  # whole number in [minimum, maximum]
    FLOAT = "float"  # number in [minimum, maximum]
    SOURCE = "source"  # a Source, saved as its value ("close", "hlc3", ...)
    CHOICE = "choice"  # one of ``choices``
    COLOUR = "colour"  # "#rrggbb"


_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


@dataclass(frozen=True)
class Setting:
    """One setting of an indicator: its kind, default and allowed values.

    Contract: :meth:`check` returns the value in its canonical type (int, float,
    :class:`Source`, str) or raises ``ValueError`` naming the setting and what
    is allowed. The default always passes :meth:`check`.
    """

    name: str
    kind: SettingKind
    default: Any
    label: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()

    def check(self, value: Any) -> Any:
        kind = self.kind
        if kind is SettingKind.SOURCE:
            try:
                return value if isinstance(value, Source) else Source(value)
            except ValueError:
                raise ValueError(f"{self.name}: {value!r} is not one of {[s.value for s in Source]}") from None
        if kind is SettingKind.COLOUR:
            if not isinstance(value, str) or not _COLOUR.fullmatch(value):
                raise ValueError(f"{self.name}: {value!r} is not a colour like '#1f77b4'")
            return value.lower()
        if kind is SettingKind.CHOICE:
            if value not in self.choices:
                raise ValueError(f"{self.name}: {value!r} is not one of {list(self.choices)}")
            return value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{self.name}: {value!r} is not a number")
        if kind is SettingKind.INT:
            if value != int(value):
                raise ValueError(f"{self.name}: {value!r} is not a whole number")
            value = int(value)
        else:
            value = float(value)
        if not (self.minimum <= value <= self.maximum):  # NaN fails too
            raise ValueError(f"{self.name}: {value!r} is outside [{self.minimum:g}, {self.maximum:g}]")
        return value


@dataclass(frozen=True)
class IndicatorSpec:
    """One kind of indicator as a chart offers it.

    Contract:

    - :attr:`name` is the key a saved chart uses; :attr:`outputs` names the
      lines the computation gives, in drawing order (each an array as long as
      the bars).
    - :meth:`settings_from` fills defaults for missing settings, checks the rest
      (:meth:`Setting.check`) and raises ``ValueError`` for a bad value or an
      unknown setting name; the result is what :meth:`create` takes.
    """

    name: str
    title: str
    placement: Placement
    outputs: tuple[str, ...]
    settings: tuple[Setting, ...]
    computation: Callable[[Mapping[str, Any]], Computation]

    def setting(self, name: str) -> Setting:
        for setting in self.settings:
            if setting.name == name:
                return setting
        raise KeyError(name)

    def defaults(self) -> dict[str, Any]:
        return {setting.name: setting.default for setting in self.settings}

    def settings_from(self, values: Mapping[str, Any] | None = None) -> dict[str, Any]:
        values = dict(values or {})
        unknown = set(values) - {setting.name for setting in self.settings}
        if unknown:
            raise ValueError(f"{self.name}: unknown settings {sorted(unknown)}")
        return {s.name: s.check(values.get(s.name, s.default)) for s in self.settings}

    def saved(self, settings: Mapping[str, Any]) -> dict[str, Any]:
        """Settings as plain values for a config file (a :class:`Source` as its text)."""
        return {name: value.value if isinstance(value, Source) else value for name, value in settings.items()}

    def create(self, values: Mapping[str, Any] | None = None) -> Computation:
        """A new, empty computation with ``values`` (checked by :meth:`settings_from`)."""
        return self.computation(self.settings_from(values))
