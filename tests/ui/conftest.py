"""Fixtures for UI tests: a feed with real market state, and the dark theme."""

from __future__ import annotations

import pytest
from ui_helpers import make_feed

from tradedash.ui.running_feed import RunningFeed
from tradedash.ui.theme import DARK, Theme


@pytest.fixture
def feed() -> RunningFeed:
    return make_feed()


@pytest.fixture
def theme() -> Theme:
    return DARK
