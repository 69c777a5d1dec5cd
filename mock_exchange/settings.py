"""Exchange settings from a TOML file: the same names as the command-line options, plus symbols.

```toml
seed = 11
rate = 20.0
symbols = ["BTC-USD", "FOO-USD"]   # which to list (default: every [[symbol]] below, else the built-ins)

[[symbol]]
symbol = "FOO-USD"
tick_size = 0.01
lot_size = 0.1
start_price = 12.5
volatility = 0.001                 # per step, optional
```
"""

from __future__ import annotations

import dataclasses
import tomllib
from typing import Any

from .config import ExchangeConfig
from .simulator import SymbolSpec

__all__ = ["load_settings", "parse_symbol_spec"]

_SPEC_FIELDS = {"symbol", "tick_size", "lot_size", "start_price", "volatility"}


def load_settings(path: str) -> dict[str, Any]:
    """Read ``path`` into ExchangeConfig keyword arguments; ValueError names the file and what is wrong."""
    try:
        with open(path, "rb") as file:
            data = tomllib.load(file)
    except OSError as exc:
        raise ValueError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: {exc}") from None
    allowed = {f.name for f in dataclasses.fields(ExchangeConfig)} - {"symbol_specs", "faults"}
    unknown = sorted(set(data) - allowed - {"symbol"})
    if unknown:
        raise ValueError(f"{path}: unknown keys {unknown}; known: {sorted(allowed | {'symbol'})}")
    settings = {k: v for k, v in data.items() if k != "symbol"}
    specs: dict[str, SymbolSpec] = {}
    for i, table in enumerate(data.get("symbol", [])):
        where = f"{path}: [[symbol]] number {i + 1}"
        if not isinstance(table, dict) or set(table) - _SPEC_FIELDS or not {"symbol", "tick_size", "lot_size", "start_price"} <= set(table):
            raise ValueError(f"{where}: needs symbol, tick_size, lot_size, start_price (volatility optional), nothing else")
        try:
            specs[table["symbol"]] = SymbolSpec(**table)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{where}: {exc}") from None
    if specs:
        settings["symbol_specs"] = specs
        settings.setdefault("symbols", list(specs))
    return settings


def parse_symbol_spec(text: str) -> SymbolSpec:
    """Parse ``NAME:tick=0.01,lot=0.001,price=100[,vol=0.0005]`` (the ``--symbol-spec`` option)."""
    name, _, rest = text.partition(":")
    names = {"tick": "tick_size", "lot": "lot_size", "price": "start_price", "vol": "volatility"}
    values: dict[str, float] = {}
    try:
        for item in filter(None, rest.split(",")):
            key, _, value = item.partition("=")
            values[names[key.strip()]] = float(value)
        return SymbolSpec(name.strip(), **values)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"symbol spec {text!r}: expected NAME:tick=T,lot=L,price=P[,vol=V] ({exc})") from None
