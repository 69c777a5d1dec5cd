"""PriceScale: linear, log and percent, each the inverse of itself."""

from __future__ import annotations

import numpy as np
import pytest

from tradedash.core.chart.price_scale import PriceScale


@pytest.mark.parametrize("kind", ["linear", "log", "percent"])
def test_from_axis_undoes_to_axis(kind):
    scale = PriceScale(kind, base=64_000.0)
    prices = np.array([0.5, 100.0, 64_000.0, 70_123.45])
    assert np.allclose(scale.from_axis(scale.to_axis(prices)), prices, rtol=1e-12)


def test_percent_is_change_from_the_base_and_log_refuses_non_positive_prices():
    assert list(PriceScale("percent", base=200.0).to_axis([200.0, 220.0, 100.0])) == [0.0, 10.0, -50.0]
    assert np.isnan(PriceScale("log").to_axis([0.0, -1.0])).all()
    assert np.isnan(PriceScale("percent", base=None).to_axis([1.0])).all()
    with pytest.raises(ValueError):
        PriceScale("cubic")
