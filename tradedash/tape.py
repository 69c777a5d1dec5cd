"""``tradedash tape``: the feed engine without a window, printing what it receives.

Prints one line per market message (text, or JSON with ``--json``), or with
``--stats N`` one JSON line of feed statistics every N seconds. Warnings (a
refused symbol, malformed data) go to stderr as they happen; ``--verbose`` adds
every connection event. Exit status: 0 at the end of ``--duration`` (or on
Ctrl+C), 2 on a usage error, 3 when a feed fails fatally, 4 when a feed was
never live (the reason goes to stderr, secrets redacted). Never imports Qt.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import TextIO

from tradedash.core import wire
from tradedash.core.feed.backoff import ReconnectPolicy
from tradedash.core.feed.lifecycle import FeedState
from tradedash.core.market.state import MarketState
from tradedash.core.feed.redact import RedactingFilter, redact
from tradedash.core.venues.registry import DEFAULT_VENUE, VENUES, venue_of
from tradedash.net.feed_client import FatalFeedError, FeedClient
from tradedash.net.feed_group import FeedGroup
from tradedash.net.recorder import FrameRecorder
from tradedash.net.sharded_feed import ShardedFeed

__all__ = ["main", "build_parser", "format_event", "stats_line"]

EXIT_OK, EXIT_USAGE, EXIT_FATAL, EXIT_NEVER_LIVE = 0, 2, 3, 4
DEFAULT_CHANNELS = "ticker,trades"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tradedash tape",
        description="Connect to one or more exchanges with the TradeDash feed engine and print what arrives.",
        epilog="Exit status: 0 when stopped by --duration or Ctrl+C, 2 on a usage error, 3 when a feed fails "
        "for good (e.g. HTTP 401), 4 when a feed was never live (refused symbols, no server, wrong scheme).",
    )
    parser.add_argument(
        "--venue", default=DEFAULT_VENUE, choices=sorted(VENUES),
        help=f"the exchange's protocol (default: {DEFAULT_VENUE}); binance reads Binance Spot's public streams",
    )
    parser.add_argument(
        "--url", action="append",
        help="exchange WebSocket URL (repeat for several feeds; default: the venue's public endpoint, "
        "e.g. wss://stream.binance.com:9443)",
    )
    parser.add_argument("--rest-url", help="the venue's REST base for snapshots and symbols (default: the venue's, e.g. https://api.binance.com)")
    parser.add_argument("--compression", action="store_true", help="offer permessage-deflate in the handshake")
    parser.add_argument("--symbols", required=True, help="comma-separated symbols, e.g. BTC-USD,ETH-USD")
    parser.add_argument(
        "--channels", default=DEFAULT_CHANNELS,
        help=f"comma-separated channels (default: {DEFAULT_CHANNELS}; known: {','.join(wire.CHANNELS)})",
    )
    parser.add_argument("--json", action="store_true", help="print each message as one JSON line")
    parser.add_argument("--stats", type=float, metavar="SECONDS", help="print one JSON line of feed statistics every SECONDS instead of messages")
    parser.add_argument("--duration", type=float, metavar="SECONDS", help="stop after SECONDS (default: run until Ctrl+C)")
    parser.add_argument("--record", metavar="FILE", help="write every received frame with its receive time to FILE (JSON lines, for mock-exchange --replay)")
    parser.add_argument("--token", help="bearer token for the handshake")
    parser.add_argument("--ca-file", help="CA certificate file to verify a wss:// server with")
    parser.add_argument("--verbose", action="store_true", help="log connection events to stderr")
    return parser


def _split(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def _check(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse what cannot work, as argparse does: message on stderr, exit 2."""
    if not _split(args.symbols):
        parser.error("--symbols needs at least one symbol")
    if not args.url:
        default = venue_of(args.venue).ws_url
        if not default:
            parser.error(f"--url is needed for the {args.venue} venue")
        args.url = [default]
    if args.rest_url and not args.rest_url.startswith(("http://", "https://")):
        parser.error(f"--rest-url must start with http:// or https://, not {args.rest_url!r}")
    unknown = [c for c in _split(args.channels) if c not in wire.CHANNELS]
    if unknown or not _split(args.channels):
        parser.error(f"unknown channels {unknown}; known: {','.join(wire.CHANNELS)}")
    for url in args.url:
        if not url.startswith(("ws://", "wss://")):
            parser.error(f"--url must start with ws:// or wss://, not {url!r}")
        if args.ca_file and not url.startswith("wss://"):
            parser.error("--ca-file needs wss:// URLs")
    for name in ("stats", "duration"):
        value = getattr(args, name)
        if value is not None and not value > 0:
            parser.error(f"--{name} must be a positive number of seconds")


def format_event(message: wire.MarketMessage) -> str:
    """One human-readable line for a market message, normalized across channels."""
    stamp = time.strftime("%H:%M:%S", time.gmtime(message.ts / 1e9)) + f".{message.ts // 1_000_000 % 1000:03d}"
    head = f"{stamp} {message.symbol:<8} "
    if isinstance(message, wire.Ticker):
        return head + f"ticker  bid {message.bid} x {message.bid_size}  ask {message.ask} x {message.ask_size}  last {message.last}"
    if isinstance(message, wire.Trade):
        return head + f"trade   {message.side:<4} {message.size} @ {message.price}  #{message.trade_id}"
    if isinstance(message, wire.Book):
        if message.kind == "update":
            return head + f"book    update seq {message.seq}  {len(message.bids)} bid / {len(message.asks)} ask levels changed"
        best_bid = message.bids[0] if message.bids else None
        best_ask = message.asks[0] if message.asks else None
        return head + f"book    snapshot seq {message.seq}  {len(message.bids)} bids {len(message.asks)} asks  best {best_bid} / {best_ask}"
    return head + (
        f"candle  {message.interval} o {message.open} h {message.high} l {message.low} c {message.close}"
        f" v {message.volume}{' closed' if message.closed else ''}"
    )


def stats_line(feed: FeedClient | ShardedFeed) -> str:
    """One JSON line of a feed's statistics: its state and every feed-wide figure of :class:`FeedStats`."""
    figures = feed.stats.as_dict()
    del figures["subscriptions"], figures["last_errors"]
    return json.dumps({"url": redact(feed.url), "state": feed.state.value, **figures})


class _Printer:
    """Writes lines to stdout; once the reader has gone (broken pipe) it stops the tape quietly."""

    def __init__(self, out: TextIO, on_gone: Callable[[], None]) -> None:
        self._out = out
        self._on_gone = on_gone
        self.gone = False

    def line(self, text: str) -> None:
        if self.gone:
            return
        try:
            self._out.write(text + "\n")
        except BrokenPipeError:
            self.gone = True
            self._on_gone()

    def flush(self) -> None:
        with contextlib.suppress(BrokenPipeError):
            if not self.gone:
                self._out.flush()


async def run_tape(args: argparse.Namespace, recorder: FrameRecorder | None = None) -> int:
    venue = venue_of(args.venue)
    symbols, channels = [venue.symbol(s) for s in _split(args.symbols)], _split(args.channels)
    market = MarketState()
    stop = asyncio.Event()
    printer = _Printer(sys.stdout, stop.set)
    if args.stats:
        on_message = None
    elif args.json:
        on_message = lambda message: printer.line(wire.encode(message).decode())  # noqa: E731
    else:
        on_message = lambda message: printer.line(format_event(message))  # noqa: E731
    feeds: list[FeedClient | ShardedFeed] = []
    budgets: dict[tuple[str, str], object] = {}  # one REST weight budget per host, for every connection
    for url in args.url:
        make_session = partial(
            venue.session, rest_url=args.rest_url or "", budgets=budgets, on_message=on_message, recorder=recorder,
            name=redact(url),
        )
        wanted = wire.subscriptions_of(channels, symbols)
        options = dict(token=args.token, ca_file=args.ca_file, policy=ReconnectPolicy(), compression=args.compression)
        if venue.max_streams is not None:  # as many connections as the streams need
            feeds.append(ShardedFeed(
                url, market=market, make_session=make_session, subscriptions=wanted, max_streams=venue.max_streams, **options
            ))
        else:
            feeds.append(FeedClient(url, session=make_session(market, subscriptions=wanted), **options))
    ever_live: set[FeedClient | ShardedFeed] = set()
    for feed in feeds:
        feed.lifecycle.add_listener(lambda old, new, feed=feed: new is FeedState.LIVE and ever_live.add(feed))
        feed.lifecycle.add_listener(_RetryNotice(feed))
    group = FeedGroup(feeds)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    group_task = asyncio.create_task(group.run(), name="tape feeds")
    stop_task = asyncio.create_task(stop.wait(), name="tape stop")
    stats_task = asyncio.create_task(_print_stats(feeds, args.stats, printer), name="tape stats") if args.stats else None
    try:
        await asyncio.wait([group_task, stop_task], timeout=args.duration, return_when=asyncio.FIRST_COMPLETED)
    finally:
        if stats_task is not None:
            stats_task.cancel()
        stop_task.cancel()
        await group.close()
        with contextlib.suppress(FatalFeedError):
            await group_task
        if recorder is not None:
            recorder.close()
        printer.flush()
    failed = [feed for feed in feeds if feed.fatal_reason is not None]
    for feed in failed:
        print(redact(f"tradedash tape: {feed.url}: {feed.fatal_reason}"), file=sys.stderr)
    never_live = [feed for feed in feeds if feed not in ever_live and feed not in failed]
    for feed in never_live:
        print(redact(f"tradedash tape: {feed.url}: {_never_live_reason(feed, args.duration)}"), file=sys.stderr)
    return EXIT_FATAL if failed else EXIT_NEVER_LIVE if never_live else EXIT_OK


class _RetryNotice:
    """Says on stderr, in one line, why a feed is retrying: at its first retry and whenever the reason
    changes (the same failure again is quiet; ``--verbose`` logs every attempt)."""

    def __init__(self, feed: FeedClient | ShardedFeed) -> None:
        self._feed = feed
        self._said: str | None = None

    def __call__(self, old: FeedState, new: FeedState) -> None:
        error = self._feed.stats.last_error
        if new is not FeedState.BACKING_OFF or error is None or error == self._said:
            return
        self._said = error
        print(redact(f"tradedash tape: {self._feed.url}: {self._said}; retrying"), file=sys.stderr, flush=True)


def _never_live_reason(feed: FeedClient | ShardedFeed, duration: float | None) -> str:
    """Why a feed never went live, as one line: its last error, and a hint for symbols in the wrong case."""
    text = f"never live in {duration:g} s" if duration else "never live"
    errors = feed.stats.last_errors
    text += f": {errors[-1]}" if errors else f": still {feed.state.value}"
    lowercase = sorted({s.symbol for s in feed.refused if s.symbol != s.symbol.upper()})
    if lowercase:
        text += f" (symbols are case-sensitive: {lowercase[0].upper()}, not {lowercase[0]})"
    return text


async def _print_stats(feeds: list[FeedClient], period: float, printer: _Printer) -> None:
    loop = asyncio.get_running_loop()
    next_at = loop.time() + period
    while True:
        await asyncio.sleep(max(0.0, next_at - loop.time()))
        next_at += period
        for feed in feeds:
            printer.line(stats_line(feed))
        printer.flush()


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _check(parser, args)
    try:
        recorder = FrameRecorder(args.record) if args.record else None
    except OSError as exc:
        print(f"tradedash tape: error: --record: cannot write {args.record}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactingFilter())
    try:
        return asyncio.run(run_tape(args, recorder))
    except KeyboardInterrupt:
        return EXIT_OK
