"""ChartState: what a chart shows, to plain values and back, with bad files refused by name."""

from __future__ import annotations

import pytest

from tradedash.core.chart.chart_state import ChartState, IndicatorState


def test_a_state_survives_a_round_trip_through_plain_values():
    state = ChartState(
        feed="demo", symbol="BTC-USD", interval="1h", mode="line", scale="log",
        indicators=(IndicatorState.of("sma", {"period": 50}), IndicatorState.of("rsi")),
    )
    data = state.to_dict()
    assert data["indicators"][0] == {"name": "sma", "settings": {"period": 50, "source": "close", "colour": "#f2a900"}}
    assert ChartState.from_dict(data) == state


def test_defaults_fill_missing_keys_and_an_empty_chart_has_no_symbol():
    assert ChartState.from_dict({}) == ChartState()
    assert "symbol" not in ChartState().to_dict()


@pytest.mark.parametrize(
    ("data", "named"),
    [
        ({"interval": "7m"}, "interval"),
        ({"scale": "cubic"}, "scale"),
        ({"mode": 3}, "mode"),
        ({"indicators": [{"name": "ichimoku"}]}, "indicators[0]"),
        ({"indicators": [{"name": "sma", "settings": {"period": 0}}]}, "period"),
        ({"colour": "red"}, "colour"),
        ([], "table"),
        ({"compare": "SOL-USD"}, "compare"),
    ],
)
def test_bad_values_are_refused_naming_what_is_wrong(data, named):
    with pytest.raises(ValueError, match=named.replace("[", r"\[").replace("]", r"\]")):
        ChartState.from_dict(data)
