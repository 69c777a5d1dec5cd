"""Number formatting shared by the panels."""

from __future__ import annotations

from tradedash.ui.formatting import decimals_for_tick, format_age, format_change_pct, format_price, format_volume


def test_prices_to_the_tick_and_compact_volumes():
    assert decimals_for_tick(0.01) == 2 and decimals_for_tick(0.00001) == 5 and decimals_for_tick(1.0) == 0
    assert format_price(64260.9, 2) == "64,260.90"
    assert format_change_pct(267.37, 64000.0) == "+0.42 %" and format_change_pct(1.0, 0.0) == "—"
    assert format_volume(999.0) == "999.00"
    assert format_volume(1234.5) == "1.23 k"
    assert format_volume(999_999.0) == "1.00 M"  # not "1,000.00 k"
    assert format_volume(2.5e9) == "2.50 B"
    assert format_age(None) == "—" and format_age(0.25) == "0.2 s" and format_age(42) == "42 s" and format_age(600) == "10 min"
