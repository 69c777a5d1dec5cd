"""Binance REST requests and the request-weight budget: as documented, and never over the limit."""

from __future__ import annotations

import json
from urllib.parse import unquote

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.core.venues.binance.binance_docs import example
from tradedash.core.venues.binance import messages as m
from tradedash.core.venues.binance.rest import (
    DEFAULT_WEIGHT_LIMIT, RestQueue, RestRequest, WeightBudget, depth_request, depth_weight, exchange_info_request,
    klines_request, weight_limit,
)

#: "ENUM Definitions", "Rate limiters (rateLimitType)": the REQUEST_WEIGHT example, verbatim.
REQUEST_WEIGHT = """{
    "rateLimitType": "REQUEST_WEIGHT",
    "interval": "MINUTE",
    "intervalNum": 1,
    "limit": 6000
}"""


def test_requests_and_weights_as_documented():
    assert [depth_weight(limit) for limit in (1, 100, 101, 500, 501, 1000, 1001, 5000, 6000)] == [
        5, 5, 25, 25, 50, 50, 250, 250, 250]
    assert depth_request("BNBBTC", 5000) == RestRequest("/api/v3/depth?symbol=BNBBTC&limit=5000", 250)
    assert exchange_info_request() == RestRequest("/api/v3/exchangeInfo", 20)
    listed = exchange_info_request(["BNBBTC", "BTCUSDT"])
    assert unquote(listed.path) == '/api/v3/exchangeInfo?symbols=["BNBBTC","BTCUSDT"]' and listed.weight == 20
    assert klines_request("BNBBTC", "1m") == RestRequest("/api/v3/klines?symbol=BNBBTC&interval=1m&limit=500", 2)
    assert klines_request("BNBBTC", "1h", 5000).path.endswith("limit=1000")


def test_weight_limit_from_exchange_info():
    body = json.loads(example("rest exchangeInfo"))
    assert weight_limit(m.decode_exchange_info(json.dumps(body))) == DEFAULT_WEIGHT_LIMIT  # the example's {} says nothing
    body["rateLimits"] = [json.loads(REQUEST_WEIGHT) | {"limit": 1200}]
    assert weight_limit(m.decode_exchange_info(json.dumps(body))) == 1200
    body["rateLimits"][0]["intervalNum"] = 5
    assert weight_limit(m.decode_exchange_info(json.dumps(body))) == 240


def test_budget_waits_for_the_window_to_free():
    budget = WeightBudget(limit=100)
    budget.spend(50, 0.0)
    budget.spend(40, 10.0)
    assert budget.ready_at(10, 20.0) == 20.0
    assert budget.ready_at(11, 20.0) == 60.0  # when the 50 spent at 0 leaves the window
    assert budget.ready_at(11, 60.0) == 60.0 and budget.used(60.0) == 40


def test_the_servers_count_and_retry_after_win():
    budget = WeightBudget(limit=100)
    budget.observe(95, 5.0)  # others on this IP spent too
    assert budget.used(6.0) == 95 and budget.ready_at(5, 6.0) == 6.0
    assert budget.ready_at(6, 6.0) == 65.0
    assert budget.used(65.0) == 0
    budget.back_off(30.0, 70.0)  # a 429's Retry-After
    assert budget.ready_at(1, 80.0) == 100.0 and budget.ready_at(1, 100.0) == 100.0


@settings(max_examples=200, deadline=None)
@given(requests=st.lists(st.tuples(st.sampled_from([2, 5, 20, 50, 250]), st.floats(0.0, 5.0)), max_size=80))
def test_requests_sent_when_the_budget_says_never_exceed_the_limit_in_any_minute(requests):
    budget, now, sent = WeightBudget(limit=600), 0.0, []
    for weight, pause in requests:
        now = budget.ready_at(weight, now + pause)
        budget.spend(weight, now)
        sent.append((now, weight))
    for start, _ in sent:
        assert sum(w for t, w in sent if start <= t < start + 60.0) <= 600


def test_what_this_budget_spent_since_the_servers_count_adds_to_it():
    budget = WeightBudget(limit=100)
    budget.observe(80, 0.0)  # the address had spent 80 (others too) when this answer came
    budget.spend(10, 1.0)
    assert budget.used(2.0) == 90
    assert budget.ready_at(10, 2.0) == 2.0 and budget.ready_at(11, 2.0) == 60.0  # the count holds for a minute
    assert budget.used(60.5) == 10  # then only what this budget spent in the last minute


def _queue(limit: int = 100) -> RestQueue:
    return RestQueue(WeightBudget(limit=limit))


def test_queue_releases_in_order_within_the_weight_and_holds_the_rest():
    queue = _queue(100)
    queue.submit("info", 20)
    assert queue.release(0.0) == ["info"]
    assert queue.answered(200, {"x-mbx-used-weight-1m": "20"}, 0.0) is None
    for name in ("a", "b", "c"):
        queue.submit(name, 30)
    queue.submit("klines", 2)  # light, but never before an earlier request
    assert queue.release(1.0) == ["a", "b"]  # 20 + 30 + 30 = 80; c would make 110
    assert queue.next_release() == 60.0  # when the 20 spent at 0 leaves the window
    for _ in "ab":
        queue.answered(200, {"x-mbx-used-weight-1m": "80"}, 2.0)
    assert queue.next_release() == 62.0  # the server's count of 80 holds for a minute
    assert queue.release(61.9) == []
    assert queue.release(62.0) == ["c"]  # (the count is a minute old: one at a time again)
    queue.answered(200, {"x-mbx-used-weight-1m": "30"}, 62.5)
    assert queue.release(62.5) == ["klines"]
    assert queue.next_release() is None and len(queue) == 0


def test_queue_sends_one_at_a_time_until_an_answer_says_what_the_address_spent():
    queue = _queue(100)
    for name in ("a", "b"):
        queue.submit(name, 5)
    assert queue.release(0.0) == ["a"]
    assert queue.release(0.5) == [] and queue.next_release() is None  # waiting for a's answer
    queue.answered(200, {"x-mbx-used-weight-1m": "97"}, 1.0)  # others spent 92
    assert queue.release(1.0) == []  # 97 + 5 > 100
    assert queue.next_release() == 61.0  # when the count of 97 is a minute old
    assert queue.release(61.0) == ["b"]


def test_at_most_max_in_flight_requests_are_under_way_at_once_however_much_weight_is_left():
    queue = RestQueue(WeightBudget(limit=6000, max_in_flight=3))
    queue.submit("info", 20)
    assert queue.release(0.0) == ["info"]
    queue.answered(200, {"x-mbx-used-weight-1m": "20"}, 0.1)
    for n in range(10):
        queue.submit(f"depth {n}", 50)
    assert queue.release(0.2) == ["depth 0", "depth 1", "depth 2"]  # 170 of 6000 spent, but three under way
    assert queue.release(0.3) == [] and queue.next_release() is None  # an answer wakes the pump
    queue.answered(200, {"x-mbx-used-weight-1m": "70"}, 0.4)
    assert queue.next_release() <= 0.4 and queue.release(0.4) == ["depth 3"]  # (due at once)
    for _ in range(3):
        queue.answered(429, {"retry-after": "30"}, 0.5)  # another program's spending: the answers under way
    assert queue.release(0.6) == []  # nothing more went after the 429: only the three under way arrived late
    assert queue.next_release() == 30.5


def test_a_429_holds_every_request_back_for_its_retry_after():
    queue = _queue(100)
    queue.submit("a", 5)
    queue.submit("b", 5)
    assert queue.release(0.0) == ["a"]
    said = queue.answered(429, {"x-mbx-used-weight-1m": "105", "retry-after": "17"}, 1.0)
    assert said is not None and "429" in said and "17 s" in said
    assert queue.next_release() == 61.0  # the count of 105 outlasts the Retry-After here
    assert queue.release(18.0) == [] and queue.release(61.0) == ["b"]


def test_a_418_stops_requests_until_the_ban_ends_and_says_so():
    queue = _queue(6000)
    queue.submit("a", 5)
    queue.submit("b", 5)
    assert queue.release(0.0) == ["a"]
    said = queue.answered(418, {"x-mbx-used-weight-1m": "10", "retry-after": "120"}, 1.0)
    assert said is not None and "banned" in said and "418" in said and "120 s" in said
    assert queue.budget.blocked_until == 121.0
    assert queue.release(120.9) == [] and queue.next_release() == 121.0
    assert queue.release(121.0) == ["b"]


def test_a_failed_request_is_no_longer_in_flight():
    queue = _queue(100)
    queue.submit("a", 5)
    queue.submit("b", 5)
    assert queue.release(0.0) == ["a"]
    assert queue.answered(None, {}, 0.5) is None  # a network error: no answer, no count
    assert queue.release(0.5) == ["b"]
