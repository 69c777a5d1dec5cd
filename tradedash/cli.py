"""``tradedash``: start the dashboard."""

from __future__ import annotations

import argparse
import sys

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    from tradedash import __version__

    parser = argparse.ArgumentParser(
        prog="tradedash",
        description="A desktop market-data dashboard. With no --url it starts an embedded mock exchange."
        " `tradedash tape --help`: the feed engine without a window.",
    )
    from tradedash.core.venues.registry import VENUES

    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--venue", choices=sorted(VENUES),
        help="the exchange's protocol (default tradedash); binance reads Binance Spot's public streams",
    )
    parser.add_argument(
        "--url", help="exchange WebSocket URL, e.g. ws://127.0.0.1:8765 (default: the venue's public endpoint;"
        " for tradedash, and with 'embedded', the embedded mock exchange)",
    )
    parser.add_argument("--rest-url", help="the venue's REST base for snapshots and symbols (default: the venue's, e.g. https://api.binance.com)")
    parser.add_argument("--symbols", help="comma-separated symbols to watch (default BTC-USD,ETH-USD,SOL-USD; on Binance's own endpoint BTCUSDT,ETHUSDT,SOLUSDT)")
    # ui branch: the config file (see README, "Configuration")
    parser.add_argument("--config", metavar="PATH", help="TOML config file (default: config.toml in the platform config dir)")
    parser.add_argument(
        "--new-instance", action="store_true",
        help="open another window even if one runs with this config (give it its own --config: both would write the same files)",
    )
    launcher = parser.add_mutually_exclusive_group()
    launcher.add_argument("--install-desktop-entry", action="store_true", help="add TradeDash to the desktop's application menu (Linux, XDG) and exit")
    launcher.add_argument("--uninstall-desktop-entry", action="store_true", help="remove what --install-desktop-entry added and exit")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["tape"]:  # the headless feed engine (tradedash/tape.py); no Qt
        from .tape import main as tape_main

        return tape_main(argv[1:])
    args = build_parser().parse_args(argv)
    if args.install_desktop_entry or args.uninstall_desktop_entry:
        return _desktop_entry(install=args.install_desktop_entry)

    from pathlib import Path

    from .app import AppOptions
    from .app import main as run_app

    options = AppOptions(
        url=args.url, venue=args.venue, rest_url=args.rest_url,
        config_path=Path(args.config) if args.config else None, new_instance=args.new_instance,
    )
    if args.symbols:
        options.symbols = [s.strip() for s in args.symbols.split(",") if s.strip()]
    return run_app(options)


def _desktop_entry(install: bool) -> int:
    from .desktop_entry import desktop_entry_paths, install_desktop_entry, uninstall_desktop_entry

    if sys.platform in ("darwin", "win32"):
        print("tradedash: desktop entries are for Linux desktops; the README says what to do on macOS and Windows", file=sys.stderr)
        return 2
    paths = desktop_entry_paths()
    if install:
        for path in install_desktop_entry(paths):
            print(f"wrote {path}")
        return 0
    removed = uninstall_desktop_entry(paths)
    for path in removed:
        print(f"removed {path}")
    if not removed:
        print(f"no desktop entry to remove at {paths.entry}")
    return 0
