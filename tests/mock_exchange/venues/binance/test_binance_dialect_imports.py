"""Every module of the Binance dialect imports first, in a fresh interpreter (no circle through the server room)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]


@pytest.mark.parametrize(
    "module",
    [
        "mock_exchange.venues.binance",
        "mock_exchange.venues.binance.market",
        "mock_exchange.venues.binance.rest",
        "mock_exchange.venues.binance.session",
        "mock_exchange.server.binance",
    ],
)
def test_module_imports_first(module):
    result = subprocess.run([sys.executable, "-c", f"import {module}"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
