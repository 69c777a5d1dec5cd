"""The exchange's sockets: the WebSocket server and fan-out, each connection's pure request
session, the limits on handshakes and requests, and the Binance dialect's sockets (``binance``)."""

from ..config import ExchangeConfig, ServerCounters
from .exchange_server import SERVER_NAME, ExchangeServer

__all__ = ["ExchangeConfig", "ExchangeServer", "ServerCounters", "SERVER_NAME"]
