"""lagged-link (reliability scenario 7): a feed behind 500 ms +- 250 ms of latency for ten minutes.

    .venv/bin/python -m bench.lagged_link [--minutes 10] [--latency 0.5] [--jitter 0.25]

The mock exchange and the fault proxy (``mock-exchange proxy``'s ``FaultProxy``) run in this
process; the proxy holds every chunk ``latency`` +- ``jitter`` seconds (uniform, never overtaking
the chunk before it) in both directions. A feed with the app's default timeouts (ping every 5 s,
5 s to answer) reads ticker, trades and book for three symbols through it. Goal (reliability
guide): 0 reconnects, and the latency the feed shows (server stamp to applied of each read's newest
message, p50: what the feed health panel shows) within 10 % of the injected one. Since the proxy never lets a chunk overtake the one before it, what a stream
really suffers is more than the mean delay drawn; so "injected" is measured: a bare websockets
client reads tickers through the same proxy at the same time and takes the server stamp to
receipt on the same clock.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

from websockets.asyncio.client import connect

from bench.harness import report, wait_until
from mock_exchange.proxy import FaultProxy
from mock_exchange.server import ExchangeConfig, ExchangeServer
from tradedash.core import wire
from tradedash.core.feed.lifecycle import FeedState
from tradedash.core.market.state import MarketState
from tradedash.net.feed_client import FeedClient

SYMBOLS = ("BTC-USD", "ETH-USD", "SOL-USD")


async def run(args: argparse.Namespace) -> None:
    exchange = ExchangeServer(ExchangeConfig(port=0, rate=20.0, seed=7))
    await exchange.start()
    proxy = FaultProxy(("127.0.0.1", exchange.port), seed=7)
    await proxy.start()
    proxy.set_latency(args.latency, jitter=args.jitter)
    client = FeedClient(
        f"ws://127.0.0.1:{proxy.port}",
        market=MarketState(),
        subscriptions=wire.subscriptions_of(("ticker", "trades", "book"), SYMBOLS),
    )
    states: list[str] = []
    client.lifecycle.add_listener(lambda old, new: states.append(new.value))
    task = asyncio.create_task(client.run())
    p50s: list[float] = []
    bare: list[float] = []

    async def read_bare() -> None:
        async with connect(f"ws://127.0.0.1:{proxy.port}", ping_interval=None) as ws:
            await ws.send(json.dumps({"op": "subscribe", "id": 1, "channels": ["ticker"], "symbols": ["BTC-USD"]}))
            async for frame in ws:
                received = time.time_ns()
                message = json.loads(frame)
                if message.get("type") == "ticker":
                    bare.append((received - message["ts"]) / 1e9)

    bare_task = asyncio.create_task(read_bare())
    try:
        await wait_until(lambda: client.state is FeedState.LIVE, 30)
        end = time.monotonic() + args.minutes * 60
        while time.monotonic() < end:
            await asyncio.sleep(min(10.0, max(0.0, end - time.monotonic())))
            p50, p99 = client.stats.latencies((0.5, 0.99))
            if p50 is not None:
                p50s.append(p50)
            print(f"  {len(p50s) * 10:4d} s: latency p50 {p50 or 0:.3f} s, p99 {p99 or 0:.3f} s, "
                  f"reconnects {client.stats.reconnects}, state {client.state.value}", flush=True)
        p50, p99 = client.stats.latencies((0.5, 0.99))
    finally:
        bare_task.cancel()
        await asyncio.gather(bare_task, return_exceptions=True)
        await client.close()
        await task
        await proxy.stop()
        await exchange.stop()
    bare.sort()
    injected = bare[len(bare) // 2] if bare else float("nan")
    error = abs((p50 or 0.0) - injected) / injected
    left_live = [s for s in states[states.index("live") + 1 :]] if "live" in states else states
    report(
        "lagged_link",
        [
            ("minutes behind the lagged link", f"{args.minutes:g}", ""),
            ("injected latency each way", f"{args.latency:.3f} +- {args.jitter:.3f} s", ""),
            ("reconnects", str(client.stats.reconnects), "goal 0"),
            ("states after first live", " ".join(left_live) or "none", "goal none but resyncing/live"),
            ("latency a bare client saw, p50", f"{injected:.3f} s", ""),
            ("shown latency p50", f"{p50 or 0:.3f} s", "goal within 10 % of injected"),
            ("shown latency p99", f"{p99 or 0:.3f} s", ""),
            ("shown p50 off the bare client's", f"{error:.1%}", "goal <= 10 %"),
        ],
        {
            "minutes": args.minutes,
            "latency": args.latency,
            "jitter": args.jitter,
            "reconnects": client.stats.reconnects,
            "states": states,
            "bare_latency_p50": injected,
            "latency_p50": p50,
            "latency_p99": p99,
            "p50_error": error,
            "p50_every_10s": p50s,
        },
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--latency", type=float, default=0.5, help="seconds added each way (default 0.5)")
    parser.add_argument("--jitter", type=float, default=0.25, help="+- seconds, uniform (default 0.25)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
