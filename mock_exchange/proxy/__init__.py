"""A fault-injecting TCP proxy to put between any client and any server (it knows nothing of WebSocket)."""

from .cli import build_parser, main
from .fault_proxy import FaultProxy, ProxyStats

__all__ = ["FaultProxy", "ProxyStats", "build_parser", "main"]
