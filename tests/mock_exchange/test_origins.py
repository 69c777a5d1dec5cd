"""Browser pages: local ones and clients without Origin pass; others only if allowed, refused with 403, logged, counted."""

from __future__ import annotations

import logging

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from mock_exchange.server.origins import OriginPolicy, normalise_origin
from tests.mock_exchange.raw_client import recv_json


@pytest.mark.parametrize(
    "origin", [None, "null", "http://localhost:8000", "https://LOCALHOST", "http://127.0.0.1", "http://127.0.0.1:5173", "http://[::1]:3000"]
)
def test_by_default_local_pages_and_clients_without_origin_pass(origin):
    assert OriginPolicy().allows(origin)


@pytest.mark.parametrize(
    "origin", ["https://evil.example", "http://localhost.evil.example", "http://127.0.0.2", "http://[::2]", "not an origin", ""]
)
def test_by_default_other_origins_are_refused(origin):
    assert not OriginPolicy().allows(origin)
    assert OriginPolicy(["*"]).allows(origin)


def test_the_allow_list_is_normalised():
    policy = OriginPolicy(["https://Dash.example/", "http://app.example:80", "http://127.0.0.1:3000/"])
    assert policy.allows("https://dash.example") and policy.allows("https://dash.example:443")
    assert policy.allows("http://app.example") and not policy.allows("http://app.example:8080")
    assert not policy.allows("https://dash.example.evil")
    assert normalise_origin("http://127.0.0.1:3000/") == normalise_origin("http://localhost:3000") == "http://localhost:3000"


@pytest.mark.parametrize("entry", ["dash.example", "https://dash.example/path", "ftp://dash.example", "https://a.example:99999"])
def test_an_entry_that_is_not_an_origin_is_refused_up_front(entry):
    with pytest.raises(ValueError, match="origin"):
        OriginPolicy([entry])


async def test_a_foreign_page_gets_403_logged_with_peer_and_origin_and_counted(make_exchange, caplog):
    exchange = await make_exchange()
    for origin in (None, "http://localhost:8000", "null"):
        async with connect(exchange.url, origin=origin) as ws:
            assert (await recv_json(ws))["type"] == "hello"
    with caplog.at_level(logging.WARNING, "mock_exchange"), pytest.raises(InvalidStatus) as info:
        await connect(exchange.url, origin="https://evil.example")
    assert info.value.response.status_code == 403
    assert exchange.counters.handshakes_refused == 1
    assert "refused handshake from 127.0.0.1: 403 Forbidden (Origin https://evil.example)" in caplog.text


async def test_origin_star_opens_the_exchange_to_every_page(make_exchange):
    exchange = await make_exchange(origins=["*"])
    async with connect(exchange.url, origin="https://anything.example") as ws:
        assert (await recv_json(ws))["type"] == "hello"
