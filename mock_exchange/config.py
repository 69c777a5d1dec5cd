"""The mock exchange's settings: :class:`ExchangeConfig`, read from a TOML file or options, and its counters.

A settings file uses the command-line options' names (with ``_``), plus symbols:

```toml
seed = 11
rate = 20.0
symbols = ["BTC-USD", "FOO-USD"]   # which to list (default: every [[symbol]] below, else the built-ins)

[[symbol]]
symbol = "FOO-USD"
tick_size = 0.01
lot_size = 0.1
start_price = 12.5
volatility = 0.8                   # annualised (0.8 = 80 % a year), optional
```
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from typing import Any

from .faults.schedule import ScheduledFault
from .market.simulator import DEFAULT_SPECS, SymbolSpec

__all__ = ["ExchangeConfig", "ServerCounters", "load_settings", "parse_symbol_spec"]


@dataclass
class ExchangeConfig:
    """Everything the server needs to start; defaults make a small, calm, local market."""

    host: str = "127.0.0.1"
    port: int = 8765
    symbols: list[str] = field(default_factory=lambda: ["BTC-USD", "ETH-USD", "SOL-USD"])
    #: Symbols beyond :data:`~mock_exchange.market.simulator.DEFAULT_SPECS` (or overriding them), by name.
    symbol_specs: dict[str, SymbolSpec] = field(default_factory=dict)
    #: Seed of the simulated market; None: a new one on each start (the server logs it).
    seed: int | None = None
    #: Market updates per second per symbol (each is one trade, one ticker, one book update, candles).
    #: How often prices are sampled: volatility is per unit of time.
    rate: float = 5.0
    #: Days of seeded 1 m history before the start (0: none), and seconds of 1 s bars at its end.
    history_days: float = 7.0
    history_seconds: int = 3600
    heartbeat_interval: float = 1.0
    #: Send the market messages of one tick to one subscription as one JSON array frame.
    batch: bool = False
    #: With ``batch``: at most this many messages in one frame (a loop catching up sends several frames).
    max_batch_messages: int = 100
    # Replay
    replay: str | None = None
    speed: float = 1.0
    # Limits
    max_message_size: int = 4096
    max_queue: int = 64
    max_requests_per_second: float = 50.0
    #: Requests a connection may send at once before the per-second rate applies.
    max_request_burst: int = 200
    max_subscriptions: int = 500
    #: Connections in all; None: what the descriptor limit allows, less a reserve; 0: no limit.
    max_connections: int | None = None
    #: Connections per client address; None: half of ``max_connections``; 0: no limit.
    max_connections_per_address: int | None = None
    #: A client whose unsent bytes stay above this for ``slow_client_timeout`` seconds is dropped.
    max_send_buffer: int = 4 * 1024 * 1024
    slow_client_timeout: float = 2.0
    # Security
    token: str | None = None
    admin_token: str | None = None
    certfile: str | None = None
    keyfile: str | None = None
    #: Browser origins allowed besides local pages (``["*"]``: any). Clients that send no Origin always pass.
    origins: list[str] | None = None
    # Faults scheduled at start-up
    faults: list[ScheduledFault] = field(default_factory=list)
    # Binance dialect (/binance/...): Binance's documented limits
    binance_weight_limit: int = 6000
    #: Seconds an address that did not back off after a 429 is banned (HTTP 418).
    binance_ban_seconds: int = 120
    binance_max_streams: int = 1024
    binance_messages_per_second: float = 5.0
    binance_max_connection_age: float = 86_400.0
    binance_ping_interval: float = 20.0
    binance_pong_timeout: float = 60.0

    def check(self) -> None:
        """Raise ValueError naming the first setting that cannot work."""
        if isinstance(self.port, bool) or not isinstance(self.port, int) or not 0 <= self.port <= 65535:
            raise ValueError(f"port must be a whole number from 0 to 65535, got {self.port!r}")
        for name in ("rate", "speed", "heartbeat_interval", "slow_client_timeout", "binance_messages_per_second",
                     "binance_max_connection_age", "binance_ping_interval", "binance_pong_timeout"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name.replace('_', '-')} must be > 0, got {getattr(self, name)}")
        for name in ("max_message_size", "max_queue", "max_subscriptions", "max_send_buffer", "max_request_burst", "max_batch_messages",
                     "binance_weight_limit", "binance_max_streams", "binance_ban_seconds"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name.replace('_', '-')} must be >= 1, got {getattr(self, name)}")
        for name in ("max_connections", "max_connections_per_address"):
            if getattr(self, name) is not None and getattr(self, name) < 0:
                raise ValueError(f"{name.replace('_', '-')} must be >= 0, got {getattr(self, name)}")
        if not (0 <= self.history_days <= 366 and 0 <= self.history_seconds <= 86_400):
            raise ValueError(f"history-days must be 0..366 and history-seconds 0..86400, got {self.history_days} and {self.history_seconds}")
        if self.keyfile is not None and self.certfile is None:
            raise ValueError("keyfile given without certfile")

    def specs(self) -> list[SymbolSpec]:
        known = {**DEFAULT_SPECS, **self.symbol_specs}
        unknown = [s for s in self.symbols if s not in known]
        if unknown:
            raise ValueError(f"unknown symbols {unknown}; listed: {sorted(known)}")
        return [known[s] for s in self.symbols]


@dataclass
class ServerCounters:
    """What the server refused or dropped since it started."""

    slow_clients_dropped: int = 0
    rate_limited: int = 0
    handshakes_refused: int = 0
    frames_delayed: int = 0
    book_updates_skipped: int = 0


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
    """Parse ``NAME:tick=0.01,lot=0.001,price=100[,vol=0.8]`` (the ``--symbol-spec`` option; vol annualised)."""
    name, _, rest = text.partition(":")
    names = {"tick": "tick_size", "lot": "lot_size", "price": "start_price", "vol": "volatility"}
    values: dict[str, float] = {}
    where = f"symbol spec {text!r}"
    expected = "expected NAME:tick=T,lot=L,price=P[,vol=V]"
    for item in filter(None, rest.split(",")):
        key, _, value = (part.strip() for part in item.partition("="))
        if key not in names:
            raise ValueError(f"{where}: unknown key {key!r}; {expected}")
        try:
            values[names[key]] = float(value)
        except ValueError:
            raise ValueError(f"{where}: {key} must be a number, got {value!r}") from None
    missing = [key for key in ("tick", "lot", "price") if names[key] not in values]
    if not name.strip() or missing:
        raise ValueError(f"{where}: missing {', '.join(missing) or 'NAME'}; {expected}")
    try:
        return SymbolSpec(name.strip(), **values)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None
