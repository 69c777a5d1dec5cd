"""``mock-exchange``: run the mock exchange from the command line.

Options override the ``--config`` TOML file, which overrides the defaults of
:class:`~mock_exchange.config.ExchangeConfig`. Tokens may also come from the
environment (``MOCK_EXCHANGE_TOKEN``, ``MOCK_EXCHANGE_ADMIN_TOKEN``) so that they do
not show in the process list.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from typing import Any, NoReturn

from tradedash import __version__

from .config import ExchangeConfig, load_settings, parse_symbol_spec
from .faults import FAULTS, parse_fault
from .market import DEFAULT_SPECS
from .server import ExchangeServer
from .server.redact import install_token_redactor

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    d = ExchangeConfig()
    parser = _Parser(
        prog="mock-exchange",
        description="A local WebSocket market-data server speaking TradeDash protocol v1 (docs/protocol.md) "
        "and Binance Spot's public market data under /binance (docs/binance.md).",
        epilog="mock-exchange proxy --help: a fault-injecting TCP proxy to put between a client and a server.",
        argument_default=argparse.SUPPRESS,
    )
    add = parser.add_argument
    add("--version", action="version", version=f"%(prog)s {__version__}")
    add("--config", metavar="FILE", help="TOML file of settings and [[symbol]] tables (options override it)")
    add("--host", help=f"address to bind (default {d.host}: this machine only; 0.0.0.0 exposes the feed to your network)")
    add("--port", type=_port, help=f"port to listen on, 0 for any free one (default {d.port})")
    market = parser.add_argument_group("market")
    market.add_argument("--symbols", type=_csv, help=f"comma-separated symbols to list (built in: {','.join(DEFAULT_SPECS)})")
    market.add_argument(
        "--symbol-spec", dest="symbol_spec", action="append", type=_explained(parse_symbol_spec), metavar="NAME:tick=T,lot=L,price=P[,vol=V]",
        help="define (or redefine) a symbol; repeatable; listed unless --symbols says otherwise",
    )
    market.add_argument("--seed", type=int, help="seed of the price simulator (default: a new one on each start, logged)")
    market.add_argument("--rate", type=float, help=f"updates per second per symbol, up to storm rates (default {d.rate:g})")
    market.add_argument("--history-days", type=float, help=f"days of seeded 1m/5m/1h history before the start, 0 for none (default {d.history_days:g})")
    market.add_argument("--history-seconds", type=int, help=f"seconds of seeded 1s history before the start (default {d.history_seconds})")
    market.add_argument("--heartbeat-interval", type=float, help=f"seconds between heartbeats (default {d.heartbeat_interval:g})")
    market.add_argument("--batch", action="store_true", help="send each tick's messages of a subscription as one JSON array frame")
    market.add_argument("--max-batch-messages", type=int, help=f"with --batch: most messages in one frame (default {d.max_batch_messages})")
    market.add_argument("--replay", metavar="FILE", help="stream a recording (JSON lines, docs/protocol.md) instead of simulating")
    market.add_argument("--speed", type=float, help="replay speed factor (default 1: recorded pace)")
    limits = parser.add_argument_group("limits")
    limits.add_argument("--max-message-size", type=int, help=f"largest request in bytes; bigger closes with 1009 (default {d.max_message_size})")
    limits.add_argument("--max-requests-per-second", type=float, help=f"per connection; more closes with 1008; 0 = no limit (default {d.max_requests_per_second:g})")
    limits.add_argument("--max-request-burst", type=int, help=f"requests a connection may send at once before the rate applies (default {d.max_request_burst})")
    limits.add_argument("--max-subscriptions", type=int, help=f"per connection (default {d.max_subscriptions})")
    limits.add_argument("--max-connections", type=int, help="in all; more get HTTP 503; 0 = no limit (default: what the descriptor limit allows, less a reserve)")
    limits.add_argument("--max-connections-per-address", type=int, help="per client IP; more get HTTP 429; 0 = no limit (default: half of --max-connections)")
    limits.add_argument("--max-send-buffer", type=int, help=f"bytes of unsent data a client may hold back (default {d.max_send_buffer})")
    limits.add_argument("--slow-client-timeout", type=float, help=f"seconds above --max-send-buffer before a client is dropped (default {d.slow_client_timeout:g})")
    security = parser.add_argument_group("security")
    security.add_argument("--token", help="clients must send 'Authorization: Bearer TOKEN' or ?token=TOKEN, else HTTP 401 (or set MOCK_EXCHANGE_TOKEN)")
    security.add_argument("--admin-token", help="enables the admin op (run-time faults) for this token (or set MOCK_EXCHANGE_ADMIN_TOKEN)")
    security.add_argument("--certfile", help="serve wss:// with this PEM certificate (chain)")
    security.add_argument("--keyfile", help="the certificate's private key (if not in --certfile)")
    security.add_argument("--origin", dest="origins", action="append", help="also allow browser pages from this origin ('*': any); repeatable (local pages and clients without Origin are always allowed)")
    binance = parser.add_argument_group("Binance dialect (/binance/ws, /binance/stream, /binance/api/v3; docs/binance.md)")
    binance.add_argument("--binance-weight-limit", type=int, help=f"REST request weight per address per minute; more gets HTTP 429 (default {d.binance_weight_limit})")
    binance.add_argument("--binance-ban-seconds", type=int, help=f"an address asking again before a 429's Retry-After is banned this long: HTTP 418 (default {d.binance_ban_seconds})")
    binance.add_argument("--binance-max-streams", type=int, help=f"streams per connection (default {d.binance_max_streams})")
    binance.add_argument("--binance-messages-per-second", type=float, help=f"incoming messages per connection; more closes with 1008 (default {d.binance_messages_per_second:g})")
    binance.add_argument("--binance-max-connection-age", type=float, help=f"seconds before a stream connection is closed (default {d.binance_max_connection_age:g}: 24 h)")
    binance.add_argument("--binance-ping-interval", type=float, help=f"seconds between the server's pings (default {d.binance_ping_interval:g})")
    binance.add_argument("--binance-pong-timeout", type=float, help=f"seconds to wait for a pong before closing (default {d.binance_pong_timeout:g})")
    faults = parser.add_argument_group("faults")
    faults.add_argument(
        "--fault", dest="faults", action="append", type=_explained(parse_fault), metavar="NAME[:k=v,...]@WHEN",
        help=f"schedule a fault: WHEN is SECONDS after start, every=SECONDS or p=PROBABILITY per second; names: {', '.join(FAULTS)}",
    )
    add("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"], help="log level (default INFO)")
    return parser


def _explained(parse: Any) -> Any:
    """Wrap a parser so that argparse shows its ValueError message."""

    def wrapped(text: str) -> Any:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    wrapped.__name__ = parse.__name__
    return wrapped


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line on stderr (exit 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"port must be a whole number from 0 to 65535, got {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port must be from 0 to 65535, got {port}")
    return port


def _csv(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def config_from_args(args: argparse.Namespace) -> ExchangeConfig:
    """Merge defaults, the --config file, the environment and the options into one ExchangeConfig."""
    values: dict[str, Any] = load_settings(args.config) if "config" in args else {}
    for name in ("token", "admin_token"):
        env = os.environ.get(f"MOCK_EXCHANGE_{name.upper()}")
        if env:
            values[name] = env
    options = {k: v for k, v in vars(args).items() if k not in ("config", "log_level", "symbol_spec")}
    specs = {spec.symbol: spec for spec in getattr(args, "symbol_spec", [])}
    if specs:
        values["symbol_specs"] = {**values.get("symbol_specs", {}), **specs}
        if "symbols" not in options and "symbols" not in values:
            options["symbols"] = [*ExchangeConfig().symbols, *(s for s in specs if s not in ExchangeConfig().symbols)]
    values.update(options)
    return ExchangeConfig(**values)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["proxy"]:
        from .proxy import main as proxy_main

        return proxy_main(argv[1:])
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    install_token_redactor(*logging.getLogger().handlers)
    try:
        config = config_from_args(args)
        server = ExchangeServer(config)
    except (ValueError, OSError) as exc:
        print(f"mock-exchange: {exc}", file=sys.stderr)
        return 2
    try:
        asyncio.run(server.serve_forever())
    except KeyboardInterrupt:  # where the loop cannot take signals (Windows)
        logging.getLogger("mock_exchange").info("interrupted, bye")
    except OSError as exc:
        print(f"mock-exchange: cannot listen on {config.host}:{config.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    return 0
