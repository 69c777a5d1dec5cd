"""The exchange's sockets: the WebSocket server and fan-out, each connection's pure request
session, and the limits on handshakes and requests."""

from ..config import ExchangeConfig, ServerCounters
from .exchange_server import SERVER_NAME, ExchangeServer

__all__ = ["ExchangeConfig", "ExchangeServer", "ServerCounters", "SERVER_NAME"]
