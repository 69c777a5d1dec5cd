"""A venue's symbol list read before any feed connects (the Subscriptions dialog's exchangeInfo), against
the mock exchange's Binance dialect on port 0: it spends from the feeds' shared REST weight budget, and
is not sent at all while a 429 or 418 holds that budget back."""

from __future__ import annotations

import pytest

from mock_exchange.server import ExchangeServer
from tradedash.core.market.state import MarketState
from tradedash.core.venues.binance.rest import WeightBudget
from tradedash.core.venues.registry import venue_of
from tradedash.net.symbol_list import SymbolListError, fetch_symbol_list


def _rest(exchange: ExchangeServer) -> str:
    return venue_of("binance").mock_urls(exchange.url)[1]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_the_read_spends_its_weight_from_the_hosts_shared_budget(exchange: ExchangeServer):
    budgets: dict[tuple[str, str], object] = {}
    clock = Clock()
    symbols = await fetch_symbol_list("binance", _rest(exchange), budgets=budgets, clock=clock)
    assert "BTCUSD" in {info.symbol for info in symbols}
    [budget] = budgets.values()
    assert isinstance(budget, WeightBudget) and budget.in_flight == 0
    assert budget.used(clock.now) >= 20  # exchangeInfo's weight, as the server's X-MBX-USED-WEIGHT-1M says too
    assert budget.knows_the_address(clock.now)
    session = venue_of("binance").session(MarketState(), rest_url=_rest(exchange), budgets=budgets)  # a feed of that host
    assert session.rest.budget is budget


async def test_while_a_429_holds_the_host_back_the_read_is_not_sent_and_says_so(exchange: ExchangeServer):
    budgets: dict[tuple[str, str], object] = {}
    clock = Clock()
    budget = venue_of("binance").rest_budget(_rest(exchange), budgets)
    budget.back_off(120.0, clock.now)  # a feed of this host got a 429 with Retry-After: 120
    served = dict(exchange.binance.rest._spent)  # the weight each address spent at the server
    with pytest.raises(SymbolListError, match=r"not asked: .*holds every request from this address back for 120 s"):
        await fetch_symbol_list("binance", _rest(exchange), budgets=budgets, clock=clock)
    assert budget.in_flight == 0 and budget.used(clock.now) == 0  # nothing went
    assert exchange.binance.rest._spent == served


async def test_an_unreachable_host_is_said_in_plain_words_and_frees_the_budget():
    from mock_exchange.process import reusable_port

    budgets: dict[tuple[str, str], object] = {}
    url = f"http://127.0.0.1:{reusable_port()}/binance"
    with pytest.raises(SymbolListError) as error:
        await fetch_symbol_list("binance", url, budgets=budgets)
    assert str(error.value) == f"{url}/api/v3/exchangeInfo: Connection refused"
    [budget] = budgets.values()
    assert budget.in_flight == 0


async def test_https_at_a_plain_server_asks_whether_it_speaks_tls(exchange: ExchangeServer):
    url = _rest(exchange).replace("http://", "https://")
    with pytest.raises(SymbolListError) as error:
        await fetch_symbol_list("binance", url)
    assert str(error.value).startswith(f"{url}/api/v3/exchangeInfo: ")
    assert str(error.value).endswith("(an https:// URL: does the server speak TLS?)")


async def test_a_rest_url_that_is_no_rest_api_is_said_in_one_line(exchange: ExchangeServer):
    """The exchange's root (its WebSocket server, not /binance) answers 426 with a text of several lines."""
    url = exchange.url.replace("ws://", "http://")
    with pytest.raises(SymbolListError) as error:
        await fetch_symbol_list("binance", url)
    said = str(error.value)
    assert said.startswith(f"{url}/api/v3/exchangeInfo: HTTP Error 426: Upgrade Required: ")
    assert "\n" not in said and len(said) < 300


async def test_the_read_brings_the_feeds_token_and_trusts_its_ca_file(tmp_path):
    """An exchange that wants a token and serves TLS from a private CA lists its symbols to a read that
    sends the feed's token and trusts the feed's CA file, and says why to one that does not."""
    from mock_exchange.config import ExchangeConfig
    from tests.support.certificates import server_certificate

    certfile, keyfile, ca = server_certificate(tmp_path)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(ca_file)
    server = ExchangeServer(ExchangeConfig(port=0, token="s3cret", certfile=certfile, keyfile=keyfile))
    await server.start()
    try:
        rest = _rest(server)
        symbols = await fetch_symbol_list("binance", rest, token="s3cret", ca_file=str(ca_file))
        assert "BTCUSD" in {info.symbol for info in symbols}
        with pytest.raises(SymbolListError, match="HTTP Error 401"):
            await fetch_symbol_list("binance", rest, ca_file=str(ca_file))
        with pytest.raises(SymbolListError, match="certificate verify failed"):
            await fetch_symbol_list("binance", rest, token="s3cret")
        with pytest.raises(SymbolListError, match="cannot use the CA file"):
            await fetch_symbol_list("binance", rest, token="s3cret", ca_file=str(tmp_path / "none.pem"))
    finally:
        await server.stop()
