"""The mock exchange in a child process that can be killed and started again on the same port.

For tests and benchmarks of reconnection: ``kill()`` is a real SIGKILL of a real
server process, and ``start()`` returns once the new process listens.
"""

from __future__ import annotations

import asyncio
import random
import re
import socket
import sys
import time
from pathlib import Path

__all__ = ["ExchangeProcess", "reusable_port"]

_LISTENING = re.compile(rb"listening on ws://127\.0\.0\.1:(\d+)")


def reusable_port() -> int:
    """A free port a server can leave and take again.

    It lies below the kernel's ephemeral range, so no outgoing connection (a
    client's own retries included, which could otherwise connect to themselves)
    and no server on port 0 is handed it while the server is down.
    """
    ranges = Path("/proc/sys/net/ipv4/ip_local_port_range")
    low = int(ranges.read_text().split()[0]) if ranges.exists() else 32768
    for port in random.sample(range(max(1024, low - 12_000), low), 200):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below the ephemeral range")


class ExchangeProcess:
    """``python -m mock_exchange --port PORT ARGS...`` as a child process, its log in ``log_path``.

    Contract: :meth:`start` spawns the server and returns the monotonic time at
    which its "listening" log line was first seen (polled every 5 ms, so at most
    that much after it listened); with port 0 the port it got is in :attr:`port`
    afterwards. :meth:`kill` sends SIGKILL and waits for the process to end.
    """

    def __init__(self, log_path: Path, port: int = 0, *args: str, cwd: Path | None = None) -> None:
        self.log_path = log_path
        self.port = port
        self.args = args
        self.cwd = cwd
        self.process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    async def start(self, timeout: float = 20.0) -> float:
        self.log_path.write_bytes(b"")
        with open(self.log_path, "ab") as log_file:  # the child keeps its own handle
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "mock_exchange", "--port", str(self.port), *self.args,
                cwd=self.cwd, stdout=asyncio.subprocess.DEVNULL, stderr=log_file,
            )
        deadline = time.monotonic() + timeout
        while True:
            ports = [int(p) for p in _LISTENING.findall(self.log_path.read_bytes())]
            if ports and (self.port == 0 or self.port in ports):
                self.port = ports[-1]
                return time.monotonic()
            if self.process.returncode is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the exchange did not start: {self.log_path.read_text(errors='replace')[-500:]}")
            await asyncio.sleep(0.005)

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
