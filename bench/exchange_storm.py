"""How much of a storm the mock exchange delivers: asked-for vs delivered market messages per second.

The exchange runs in a child process (``python -m mock_exchange``) at each ``--rate`` for five
symbols; one client in this process subscribes to every symbol and counts what arrives for a few
seconds. The ratio is delivered / asked for (rate x symbols x channels), measured in the same run,
unbatched and with ``--batch``.

    .venv/bin/python -m bench.exchange_storm            # about 1 minute
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import time
from pathlib import Path

from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parents[1]
SYMBOLS = ["BTC-USD", "ETH-USD", "SOL-USD", "DOGE-USD", "ADA-USD"]
CASES = [
    (["ticker", "trades"], 1000),
    (["ticker", "trades"], 3000),
    (["ticker", "trades", "book", "candles:1s"], 1000),
    (["ticker", "trades", "book", "candles:1s"], 3000),
]


async def measure(channels: list[str], rate: int, batch: bool, seconds: float) -> dict:
    command = [sys.executable, "-m", "mock_exchange", "--port", "0", "--rate", str(rate), "--symbols", ",".join(SYMBOLS)]
    process = await asyncio.create_subprocess_exec(*command, *(["--batch"] if batch else []), cwd=ROOT, stderr=asyncio.subprocess.PIPE)
    try:
        url = None
        while url is None:
            line = (await asyncio.wait_for(process.stderr.readline(), 30)).decode()
            if not line:
                raise RuntimeError("the exchange exited")
            match = re.search(r"listening on (ws://\S+)", line)
            url = match and match.group(1)
        drain = asyncio.create_task(_drain(process.stderr))
        async with connect(url, max_size=2**24, max_queue=4096, compression=None) as ws:
            await ws.recv()
            await ws.send(json.dumps({"op": "subscribe", "id": 1, "channels": channels, "symbols": SYMBOLS}))
            await asyncio.sleep(0.5)  # warm up
            messages = frames = 0
            first = await ws.recv(decode=False)
            while b'"ts"' not in first:  # the ack
                first = await ws.recv(decode=False)
            started = time.monotonic()
            while time.monotonic() - started < seconds:
                last = await ws.recv(decode=False)
                frames += 1
                messages += last.count(b'"symbol"') if last.startswith(b"[") else 1
            lag = time.time_ns() - _ts(last)
            # Server time between the first and last frame read: buffers before the first do not count.
            elapsed = (_ts(last) - _ts(first)) / 1e9
        drain.cancel()
    finally:
        process.terminate()
        await process.wait()
    asked = rate * len(SYMBOLS) * len(channels)
    return {
        "channels": channels, "rate": rate, "batch": batch, "asked_per_s": asked,
        "delivered_per_s": messages / elapsed, "frames_per_s": frames / elapsed, "ratio": messages / elapsed / asked,
        "client_lag_s": lag / 1e9,
    }


def _ts(frame: bytes) -> int:
    message = json.loads(frame)
    return (message[-1] if isinstance(message, list) else message)["ts"]


async def _drain(stream: asyncio.StreamReader) -> None:
    while await stream.readline():
        pass


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="measuring time per case (default 4)")
    args = parser.parse_args()
    started = time.monotonic()
    results = [await measure(channels, rate, batch, args.seconds) for channels, rate in CASES for batch in (False, True)]
    print(f"{'channels':<34} {'rate':>5} {'batch':>5} {'asked/s':>9} {'delivered/s':>12} {'frames/s':>9} {'ratio':>6} {'lag s':>6}")
    for r in results:
        print(
            f"{','.join(r['channels']):<34} {r['rate']:>5} {str(r['batch']):>5} {r['asked_per_s']:>9,} "
            f"{r['delivered_per_s']:>12,.0f} {r['frames_per_s']:>9,.0f} {r['ratio']:>6.2f} {r['client_lag_s']:>6.2f}"
        )
    out = ROOT / "bench" / "results" / "exchange_storm.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"ratio: delivered / asked for, one client, {len(SYMBOLS)} symbols; wrote {out.relative_to(ROOT)} in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    asyncio.run(main())
