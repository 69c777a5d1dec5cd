"""Tokens are never logged, at any level; the bearer scheme is case-insensitive."""

from __future__ import annotations

import json
import logging

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from mock_exchange.server.redact import redact
from tests.mock_exchange.raw_client import recv_json, request

TOKEN = "SeCrEtToKeN-1234567890"
ADMIN_TOKEN = "AdMiNsEcReT-0987654321"


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
async def test_the_bearer_scheme_is_case_insensitive(make_exchange, scheme):
    exchange = await make_exchange(token=TOKEN)
    async with connect(exchange.url, additional_headers={"Authorization": f"{scheme} {TOKEN}"}) as ws:
        assert (await recv_json(ws))["type"] == "hello"
    with pytest.raises(InvalidStatus):
        await connect(exchange.url, additional_headers={"Authorization": f"{scheme} wrong"})


async def test_no_token_reaches_the_log_at_debug(make_exchange, caplog):
    caplog.set_level(logging.DEBUG)
    exchange = await make_exchange(token=TOKEN, admin_token=ADMIN_TOKEN)
    async with connect(exchange.url + f"/?token={TOKEN}") as ws:
        await recv_json(ws)
        for padding in ("", "x" * 300):  # short frames are logged whole, long ones cut in the middle
            admin = {"op": "admin", "id": 1, "fault": "delay", "token": ADMIN_TOKEN, "args": {"seconds": 0}}
            if padding:
                admin = {"op": "admin", "id": 1, "token": "x" * 20 + ADMIN_TOKEN + padding, "fault": "delay"}
            await request(ws, admin)
        escaped_key = '{"op": "admin", "id": 2, "\\u0074oken": "%s", "fault": "delay"}' % ADMIN_TOKEN
        assert json.loads(escaped_key)["token"] == ADMIN_TOKEN
        await request(ws, escaped_key)
        await request(ws, {"op": "admin", "id": 3, "token": "wrong" + ADMIN_TOKEN[5:], "fault": "delay", "args": {"seconds": 0}})
    async with connect(exchange.url, additional_headers={"Authorization": f"bearer {TOKEN}"}) as ws:
        await recv_json(ws)
    with pytest.raises(InvalidStatus):
        await connect(exchange.url, additional_headers={"Authorization": f"Bearer {TOKEN}-wrong"})
    server_records = [r for r in caplog.records if not r.name.startswith("websockets.client")]
    assert any("token=***" in r.getMessage() for r in server_records)  # the request line was logged, blanked
    for record in server_records:
        message = record.getMessage()
        for secret in (TOKEN, ADMIN_TOKEN, TOKEN[:12], ADMIN_TOKEN[:12], ADMIN_TOKEN[-10:]):
            assert secret not in message, message


def test_redact_blanks_query_header_and_json_tokens():
    assert redact("GET /feed?a=1&token=abc&b=2 HTTP/1.1") == "GET /feed?a=1&token=***&b=2 HTTP/1.1"
    assert redact("Authorization: Bearer abc") == "Authorization: ***"
    assert redact('{"op": "admin", "token": "a\\"bc", "id": 1}') == '{"op": "admin", "token": "***", "id": 1}'
