"""``mock-exchange``: run the mock exchange from the command line."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from .server import ExchangeConfig, ExchangeServer
from .simulator import DEFAULT_SPECS

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    defaults = ExchangeConfig()
    parser = argparse.ArgumentParser(
        prog="mock-exchange",
        description="A local WebSocket market-data server speaking TradeDash protocol v1.",
    )
    parser.add_argument(
        "--host",
        default=defaults.host,
        help="address to bind (default 127.0.0.1: this machine only; 0.0.0.0 exposes the feed to your network)",
    )
    parser.add_argument("--port", type=int, default=defaults.port, help="port to listen on, 0 for any free one")
    parser.add_argument(
        "--symbols",
        default=",".join(defaults.symbols),
        help=f"comma-separated symbols to list (known: {','.join(DEFAULT_SPECS)})",
    )
    parser.add_argument("--seed", type=int, default=defaults.seed, help="seed of the price simulator")
    parser.add_argument("--rate", type=float, default=defaults.rate, help="updates per second per symbol")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["proxy"]:
        from .proxy import main as proxy_main

        return proxy_main(argv[1:])
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        config = ExchangeConfig(
            host=args.host,
            port=args.port,
            symbols=[s.strip() for s in args.symbols.split(",") if s.strip()],
            seed=args.seed,
            rate=args.rate,
        )
        server = ExchangeServer(config)
    except ValueError as exc:
        print(f"mock-exchange: {exc}", file=sys.stderr)
        return 2
    try:
        asyncio.run(server.serve_forever())
    except KeyboardInterrupt:
        logging.getLogger("mock_exchange").info("interrupted, bye")
    except OSError as exc:
        print(f"mock-exchange: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    return 0
