"""The mock exchange's settings and counters."""

from __future__ import annotations

from dataclasses import dataclass, field

from .fault_schedule import ScheduledFault
from .simulator import DEFAULT_SPECS, SymbolSpec

__all__ = ["ExchangeConfig", "ServerCounters"]


@dataclass
class ExchangeConfig:
    """Everything the server needs to start; defaults make a small, calm, local market."""

    host: str = "127.0.0.1"
    port: int = 8765
    symbols: list[str] = field(default_factory=lambda: ["BTC-USD", "ETH-USD", "SOL-USD"])
    #: Symbols beyond :data:`~mock_exchange.simulator.DEFAULT_SPECS` (or overriding them), by name.
    symbol_specs: dict[str, SymbolSpec] = field(default_factory=dict)
    seed: int = 7
    #: Market updates per second per symbol (each is one trade, one ticker, one book update, candles).
    rate: float = 5.0
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
    max_connections_per_address: int = 4096
    #: A client whose unsent bytes stay above this for ``slow_client_timeout`` seconds is dropped.
    max_send_buffer: int = 4 * 1024 * 1024
    slow_client_timeout: float = 2.0
    # Security
    token: str | None = None
    admin_token: str | None = None
    certfile: str | None = None
    keyfile: str | None = None
    #: Allowed ``Origin`` headers; None allows any. Clients that send no Origin are always allowed.
    origins: list[str] | None = None
    # Faults scheduled at start-up
    faults: list[ScheduledFault] = field(default_factory=list)

    def check(self) -> None:
        """Raise ValueError naming the first setting that cannot work."""
        for name in ("rate", "speed", "heartbeat_interval", "slow_client_timeout"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name.replace('_', '-')} must be > 0, got {getattr(self, name)}")
        for name in ("max_message_size", "max_queue", "max_subscriptions", "max_send_buffer", "max_request_burst", "max_batch_messages"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name.replace('_', '-')} must be >= 1, got {getattr(self, name)}")
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
