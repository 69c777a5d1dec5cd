"""Chart indicators: specs a menu can list and computations that follow the live bar.

- :mod:`.bars`: what an indicator reads (:class:`Bar`, :class:`Source`).
- :mod:`.spec`: what an indicator is (:class:`IndicatorSpec`, :class:`Setting`, :class:`Placement`).
- :mod:`.computation`: the shared incremental machinery (:class:`Computation`).
- :mod:`.averages`, :mod:`.oscillators`: the arithmetic of each indicator.
- :mod:`.catalog`: :data:`INDICATORS`, every indicator by name.
- :mod:`.live`: :class:`LiveIndicator`, which keeps one in step with a chart's candles.

Who calls it: the chart (ui) lists :data:`INDICATORS` in its menu, keeps a
:class:`LiveIndicator` per indicator shown and syncs it on the repaint tick;
the app saves ``{"name": spec.name, "settings": spec.saved(settings)}`` with the
chart and restores it through :meth:`IndicatorSpec.settings_from`.
"""

from .catalog import INDICATORS, indicator_spec
from .computation import Computation
from .live import LiveIndicator, SyncResult
from .bars import Bar, Source, source_values
from .spec import IndicatorSpec, Placement, Setting, SettingKind

__all__ = [
    "INDICATORS",
    "indicator_spec",
    "Computation",
    "LiveIndicator",
    "SyncResult",
    "Bar",
    "IndicatorSpec",
    "Placement",
    "Setting",
    "SettingKind",
    "Source",
    "source_values",
]
