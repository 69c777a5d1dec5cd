"""Shared fixtures: a real mock exchange on port 0, and a qasync loop that fails on stray exceptions."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import asyncio  # noqa: E402
import sys  # noqa: E402
from collections.abc import AsyncIterator, Iterator  # noqa: E402

import pytest  # noqa: E402

from mock_exchange.server import ExchangeConfig, ExchangeServer  # noqa: E402
from tests.support.builders import restart_numbering  # noqa: E402


@pytest.fixture
async def exchange() -> AsyncIterator[ExchangeServer]:
    """A running mock exchange on a free port, fast enough that tests see data at once."""
    server = ExchangeServer(ExchangeConfig(port=0, rate=50.0, heartbeat_interval=0.2))
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


class QtAsyncRunner:
    """Runs coroutines on a qasync loop inside the test's QApplication and records every
    exception that reaches ``sys.excepthook`` or the loop's exception handler."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.errors: list[str] = []

    def run(self, coroutine, timeout: float = 30.0):
        return self.loop.run_until_complete(asyncio.wait_for(coroutine, timeout))


@pytest.fixture
def qt_async(qapp) -> Iterator[QtAsyncRunner]:
    import qasync

    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    runner = QtAsyncRunner(loop)

    def loop_handler(_loop, context):
        runner.errors.append(f"loop: {context.get('message')}: {context.get('exception')!r}")

    def excepthook(exc_type, exc, tb):
        runner.errors.append(f"excepthook: {exc_type.__name__}: {exc}")

    loop.set_exception_handler(loop_handler)
    old_hook, sys.excepthook = sys.excepthook, excepthook
    try:
        yield runner
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        assert not pending, f"test left tasks running: {pending}"
    finally:
        sys.excepthook = old_hook
        asyncio.set_event_loop(None)
        loop.close()
    assert not runner.errors, "exceptions escaped: " + "; ".join(runner.errors)


@pytest.fixture(autouse=True)
def _numbering_from_1() -> None:
    """Messages built with tests.support.builders are numbered from 1 in every test."""
    restart_numbering()


@pytest.fixture(autouse=True)
def _isolated_config_home(tmp_path_factory, monkeypatch) -> None:
    """Keep the app's config and alert files out of the real home directory (Qt reads XDG_CONFIG_HOME)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config-home")))
