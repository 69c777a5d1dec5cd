"""``mock-exchange proxy``: the fault proxy from the command line, switched at run time by commands on stdin."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import stat
import sys

from .fault_proxy import FaultProxy

__all__ = ["COMMANDS", "build_parser", "main"]

log = logging.getLogger("mock_exchange.proxy")


def _address(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit():
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {text!r}")
    return host.strip("[]") or "127.0.0.1", int(port)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mock-exchange proxy",
        description="A TCP proxy that injects network faults between a client and a server.",
        epilog="While it runs, one command per line on stdin switches faults: " + COMMANDS,
    )
    parser.add_argument(
        "--listen",
        type=_address,
        default=("127.0.0.1", 0),
        metavar="HOST:PORT",
        help="where to listen (default 127.0.0.1:0, a free port of this machine only; the log names it)",
    )
    parser.add_argument("--upstream", type=_address, required=True, metavar="HOST:PORT", help="where to forward to")
    faults = parser.add_argument_group("faults (all off by default)")
    faults.add_argument("--latency", type=float, default=0.0, metavar="SECONDS", help="delay added to each chunk")
    faults.add_argument("--jitter", type=float, default=0.0, metavar="SECONDS", help="latency varies uniformly by +- this")
    faults.add_argument("--bandwidth", type=float, metavar="BYTES_PER_S", help="throughput limit per connection and direction")
    faults.add_argument(
        "--direction",
        choices=("both", "up", "down"),
        default="both",
        help="where latency and bandwidth apply: up is client to server, down server to client (default both)",
    )
    faults.add_argument("--slice", type=int, metavar="N", help="write the stream in pieces of 1..N bytes")
    faults.add_argument("--half-open", action="store_true", help="forward nothing but keep every socket open")
    faults.add_argument("--close-after", type=int, metavar="BYTES", help="close each connection after this many bytes")
    faults.add_argument("--reset-after", type=float, metavar="SECONDS", help="reset (RST) each connection after this long")
    faults.add_argument("--down", action="store_true", help="refuse connections until the command 'up'")
    parser.add_argument("--seed", type=int, default=0, help="seed of jitter and slice sizes")
    return parser


COMMANDS = (
    "latency SECONDS [JITTER [up|down|both]] | bandwidth BYTES_PER_S|off [up|down|both] | slice N|off | "
    "half-open | resume | reset | reset-after SECONDS|off | close-after BYTES|off | down | up | clear | stats"
)


def _optional(word: str, kind: type[int] | type[float]) -> int | float | None:
    return None if word == "off" else kind(word)


async def _run_command(proxy: FaultProxy, words: list[str]) -> None:
    name, args = words[0], words[1:]
    switches = {
        "half-open": proxy.half_open,
        "resume": proxy.resume,
        "reset": proxy.reset_all,
        "down": proxy.down,
        "clear": proxy.clear_faults,
    }
    if name == "latency":
        proxy.set_latency(float(args[0]), float(args[1]) if len(args) > 1 else 0.0, *args[2:3])
    elif name == "bandwidth":
        proxy.set_bandwidth(_optional(args[0], float), *args[1:2])
    elif name == "slice":
        proxy.set_slicing(_optional(args[0], int))  # type: ignore[arg-type]
    elif name == "reset-after":
        proxy.reset_after(_optional(args[0], float))
    elif name == "close-after":
        proxy.close_after(_optional(args[0], int))  # type: ignore[arg-type]
    elif name == "up":
        await proxy.up()
    elif name == "stats":
        log.info("stats: %s", proxy.stats)
    elif name in switches and not args:
        switches[name]()
    else:
        raise ValueError("unknown command")


async def _read_commands(proxy: FaultProxy) -> None:
    """Apply the commands typed on stdin, one per line, until stdin ends."""
    mode = os.fstat(sys.stdin.fileno()).st_mode
    if not (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or sys.stdin.isatty()):
        return  # a file or /dev/null: nothing to wait for
    reader = asyncio.StreamReader()
    stdin = os.fdopen(os.dup(sys.stdin.fileno()), "rb")  # the pipe transport closes this, not fd 0
    transport, _ = await asyncio.get_running_loop().connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), stdin
    )
    try:
        while line := await reader.readline():
            words = line.decode(errors="replace").split()
            try:
                if words:
                    await _run_command(proxy, words)
            except (ValueError, IndexError) as exc:
                log.error("command %r not understood (%s); commands: %s", " ".join(words), exc, COMMANDS)
    finally:
        transport.close()
        os.set_blocking(sys.stdin.fileno(), True)  # the non-blocking flag is shared with the shell's terminal


def _apply_flags(proxy: FaultProxy, args: argparse.Namespace) -> None:
    if args.latency or args.jitter:
        proxy.set_latency(args.latency, args.jitter, args.direction)
    if args.bandwidth is not None:
        proxy.set_bandwidth(args.bandwidth, args.direction)
    if args.slice is not None:
        proxy.set_slicing(args.slice)
    if args.half_open:
        proxy.half_open()
    if args.close_after is not None:
        proxy.close_after(args.close_after)
    if args.reset_after is not None:
        proxy.reset_after(args.reset_after)


def main(argv: list[str] | None = None) -> int:
    """Run ``mock-exchange proxy`` until interrupted."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    host, port = args.listen

    async def run() -> None:
        proxy = FaultProxy(args.upstream, host=host, port=port, seed=args.seed)
        try:
            _apply_flags(proxy, args)
        except ValueError as exc:
            raise SystemExit(f"mock-exchange proxy: {exc}") from None
        await proxy.start()
        if args.down:
            proxy.down()
        try:
            await _read_commands(proxy)
            await asyncio.Future()
        finally:
            await proxy.stop()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        log.info("interrupted, bye")
    except OSError as exc:
        print(f"mock-exchange proxy: cannot listen on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    return 0
