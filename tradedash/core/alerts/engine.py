"""The alert engine: evaluates every rule on every relevant update. Pure: no Qt, no sockets, clocks injected.

How a rule fires (the same for every kind but :class:`~.alert_rules.LargeTrade`; what
each kind reads is its watch, :mod:`.alert_watches`, named in :mod:`.alert_kinds`):
each evaluation yields the rule's value, whether its condition holds, and
whether the value is back far enough (by the hysteresis) to re-arm. An armed
rule whose condition holds fires and disarms; a disarmed rule re-arms when the
value is back. Crossing and range rules start on the side of the last price
known when they are put (``last_price``, if their symbol's data is trusted
then), so the first price past the level fires; with no such price they start
disarmed and the first price only tells which side the market is on. The
others start armed. A firing is suppressed (but still disarms) within
``cooldown`` of the rule's last firing; a ``once`` rule disables itself after
firing. A large trade is an event: every trade larger than the size fires,
cooldown permitting.

Trust: rules on market data are suspended while the feed is not live (stale,
resyncing, disconnected), while their symbol's book is resyncing, while their
symbol has had no update for longer than ``staleness_limit``, and while its
messages arrive more than ``staleness_limit`` later than usual (a backlog, judged
from the exchange's timestamps by :class:`~.data_age.DataAge`). Updates that
arrive while suspended are not evaluated at all (they neither fire nor count in
windows), so no firing is ever based on data the app does not trust.
:meth:`AlertEngine.status` says why a rule is suspended.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable

import msgspec

from tradedash.core.alerts.kinds import ALERT_KINDS, SymbolLabel, kind_of, symbol_as_is
from tradedash.core.alerts.rules import AlertRule, Firing, check_rule
from tradedash.core.alerts.watches import Reading, Watch
from tradedash.core.feed.data_age import DataAge
from tradedash.core.feed.lifecycle import FeedState
from tradedash.core.wire import MarketMessage, Ticker

__all__ = ["AlertEngine", "ALERT_MESSAGE_TYPES", "HISTORY_LIMIT", "LastPrice", "STALENESS_LIMIT"]

HISTORY_LIMIT = 1000
STALENESS_LIMIT = 10.0

Clock = Callable[[], float]
#: ``last_price(feed, symbol)``: the symbol's last price as the user sees it, or None when there is none.
LastPrice = Callable[[str, str], "float | None"]

_FEED_CONDITIONS: dict[str, Callable[[FeedState, bool], bool]] = {
    "stale": lambda state, _resyncing: state is FeedState.STALE,
    "disconnected": lambda state, _resyncing: state in (FeedState.CONNECTING, FeedState.BACKING_OFF),
    "resyncing": lambda state, resyncing: state is FeedState.RESYNCING or resyncing,
}


#: The market messages some rule looks at; a feed need not pass on the others.
ALERT_MESSAGE_TYPES: tuple[type, ...] = tuple({kind: None for spec in ALERT_KINDS.values() for kind in spec.watch.messages})


# --- The engine -----------------------------------------------------------------------------


def _feed_reason(status: _FeedStatus, symbol: str) -> str | None:
    """Why the feed's state makes ``symbol``'s data untrusted, or None."""
    state = status.state
    if state is FeedState.LIVE or state is None:
        return f"{symbol} book resyncing" if symbol in status.resyncing else None
    if state is FeedState.STALE:
        return "feed stale"
    if state is FeedState.RESYNCING:
        return "feed resyncing"
    return "feed disconnected"


class _FeedStatus:
    """What the engine knows about one feed: its state, its resyncing books, and its data's age."""

    def __init__(self) -> None:
        self.state: FeedState | None = None
        self.resyncing: frozenset[str] = frozenset()
        self.condition_since: dict[str, float | None] = dict.fromkeys(_FEED_CONDITIONS)
        self.last_update: dict[str, float] = {}
        self.last_price: dict[str, float] = {}
        self.data_age = DataAge()
        #: symbol -> how late its last message was, while that was more than the staleness limit.
        self.late: dict[str, float] = {}


class AlertEngine:
    """Holds the rules and the bounded history of firings, and evaluates rules as data arrives.

    Contract: call :meth:`on_message` with every market message as it is applied,
    :meth:`set_feed_state` / :meth:`set_resyncing` when a feed's state or its set
    of resyncing books changes, and :meth:`tick` now and then (a few times a
    second) for the rules that depend on time passing. ``feed`` names the feed
    (matching :attr:`~.alert_rules.RuleBase.feed`; "" for a single feed). Each
    call returns the firings it caused, which are also appended to
    :attr:`history` (newest last, at most ``history_limit``) and passed to every
    listener. ``clock`` is monotonic seconds (windows, cooldowns, staleness);
    ``wall_clock`` is epoch seconds (firing times, expiry). ``last_price`` is the
    price a rule put now is judged against (the one the user saw when making it).
    ``label`` writes a symbol in a firing's rule name and message as the window shows it (rules and
    firings keep the venue's own name in ``symbol``).
    :attr:`rules_version` and :attr:`fired_count` go up whenever the rules or the
    history change, so a view can repaint cheaply.
    """

    def __init__(
        self,
        rules: Iterable[AlertRule] = (),
        history: Iterable[Firing] = (),
        *,
        clock: Clock = time.monotonic,
        wall_clock: Clock = time.time,
        staleness_limit: float = STALENESS_LIMIT,
        history_limit: int = HISTORY_LIMIT,
        last_price: LastPrice = lambda _feed, _symbol: None,
        label: SymbolLabel = symbol_as_is,
    ) -> None:
        self._clock = clock
        self.label = label
        self._wall_clock = wall_clock
        self._last_price = last_price
        self.staleness_limit = staleness_limit
        self.history: deque[Firing] = deque(history, maxlen=history_limit)
        self.fired_count = 0
        self.rules_version = 0
        self._watches: dict[str, Watch] = {}
        #: feed -> (symbol, message type) -> the watches such a message concerns
        self._by_feed: dict[str, dict[tuple[str | None, type], list[Watch]]] = {}
        self._timed: list[Watch] = []
        self._listeners: list[Callable[[Firing], None]] = []
        self._feeds: dict[str, _FeedStatus] = {}
        for rule in rules:
            self.put(rule)

    # --- Rules ----------------------------------------------------------------------------

    @property
    def rules(self) -> list[AlertRule]:
        return [watch.rule for watch in self._watches.values()]

    def rule(self, rule_id: str) -> AlertRule:
        return self._watches[rule_id].rule

    def put(self, rule: AlertRule) -> None:
        """Add a rule, or replace the one with the same id (keeping its place); its state starts afresh,
        from its symbol's last price if that is known and trusted now (see the module's docstring).

        Raises ``ValueError`` (see :func:`~.alert_rules.check_rule`) for an invalid rule.
        """
        rule = check_rule(rule)
        watch = kind_of(rule).watch(rule, lambda condition, feed=rule.feed: self._condition_since(feed, condition))
        symbol = getattr(rule, "symbol", None)
        if symbol is not None and self.suspension(symbol, rule.feed) is None:
            price = self._last_price(rule.feed, symbol)
            if price is not None:
                watch.start_at(price)
        self._watches[rule.id] = watch
        self._reindex()

    def remove(self, rule_id: str) -> None:
        del self._watches[rule_id]
        self._reindex()

    def set_enabled(self, rule_id: str, enabled: bool) -> None:
        self.put(msgspec.structs.replace(self.rule(rule_id), enabled=enabled))

    def _reindex(self) -> None:
        self._by_feed = {}
        self._timed = []
        for watch in self._watches.values():
            symbol = getattr(watch.rule, "symbol", None)
            for kind in watch.messages:
                self._by_feed.setdefault(watch.rule.feed, {}).setdefault((symbol, kind), []).append(watch)
            if kind_of(watch.rule).timed:
                self._timed.append(watch)
        self.rules_version += 1

    def add_listener(self, listener: Callable[[Firing], None]) -> None:
        self._listeners.append(listener)

    def _condition_since(self, feed: str, condition: str) -> float | None:
        status = self._feeds.get(feed)
        return None if status is None else status.condition_since[condition]

    def _feed(self, feed: str) -> _FeedStatus:
        status = self._feeds.get(feed)
        if status is None:
            status = self._feeds[feed] = _FeedStatus()
        return status

    # --- Inputs ---------------------------------------------------------------------------

    def on_message(self, message: MarketMessage, feed: str = "") -> list[Firing]:
        """Evaluate the rules on ``message``'s symbol that this kind of message concerns.

        A (symbol, kind) that no rule watches costs one lookup and nothing is noted
        about it: a rule added later waits for its symbol's next update.
        """
        # The hot path: one call per market message, mostly for symbols no rule watches.
        watched = self._by_feed.get(feed)
        if watched is None:  # no rule on this feed: the usual case, one lookup
            return []
        kind = type(message)
        symbol = message.symbol
        watches = watched.get((symbol, kind))
        if not watches:
            return []
        price = message.last if kind is Ticker else message.price  # type: ignore[union-attr]
        now = self._clock()
        status = self._feeds.get(feed) or self._feed(feed)
        wall = self._wall_clock()
        age = status.data_age.observe(now, wall, message.ts * 1e-9)
        if age > self.staleness_limit:  # a backlog of old data: not evaluated, and not counted as fresh
            status.late[symbol] = age
            return []
        if status.late:
            status.late.pop(symbol, None)
        status.last_update[symbol] = now
        status.last_price[symbol] = price
        if _feed_reason(status, symbol) is not None:  # just updated: never too old
            return []
        fired: list[Firing] = []
        for watch in watches:
            rule = watch.rule
            if not rule.enabled or (rule.expires_at is not None and wall >= rule.expires_at):
                continue
            reading = watch.on_ticker(message, now) if kind is Ticker else watch.on_trade(message, now)
            self._judge(watch, reading, now, fired)
        return fired

    def set_feed_state(self, state: FeedState, feed: str = "") -> list[Firing]:
        self._feed(feed).state = state
        return self._feed_changed(feed)

    def set_resyncing(self, symbols: Iterable[str], feed: str = "") -> list[Firing]:
        self._feed(feed).resyncing = frozenset(symbols)
        return self._feed_changed(feed)

    def _feed_changed(self, feed: str) -> list[Firing]:
        now = self._clock()
        status = self._feed(feed)
        for name, holds in _FEED_CONDITIONS.items():
            if status.state is not None and holds(status.state, bool(status.resyncing)):
                if status.condition_since[name] is None:
                    status.condition_since[name] = now
            else:
                status.condition_since[name] = None
        return self.tick()

    def tick(self) -> list[Firing]:
        """Evaluate the rules that change with time alone: trade volume windows and feed conditions."""
        now = self._clock()
        fired: list[Firing] = []
        for watch in self._timed:
            if not self._active(watch):
                continue
            symbol = getattr(watch.rule, "symbol", None)
            if symbol is not None and self.suspension(symbol, watch.rule.feed) is not None:
                continue
            self._judge(watch, watch.on_tick(now), now, fired)
        return fired

    # --- Judging --------------------------------------------------------------------------

    def _active(self, watch: Watch) -> bool:
        rule = watch.rule
        return rule.enabled and (rule.expires_at is None or self._wall_clock() < rule.expires_at)

    def _judge(self, watch: Watch, reading: Reading, now: float, fired: list[Firing]) -> None:
        if reading is None:
            return
        watch.seen = True
        value, condition, rearm = reading
        if watch.armed and condition:
            watch.armed = watch.events
            rule = watch.rule
            if watch.last_fired is not None and now - watch.last_fired < rule.cooldown:
                return
            watch.last_fired = now
            symbol = getattr(rule, "symbol", None)
            shown = "" if symbol is None else self.label(rule.feed, symbol)
            description = kind_of(rule).describe(rule, shown)
            firing = Firing(
                at=self._wall_clock(),
                rule_id=rule.id,
                rule_name=rule.name or description,
                feed=rule.feed,
                symbol=symbol,
                value=value,
                message=watch.message(value, description, shown),
                price=None if symbol is None else self._feed(rule.feed).last_price.get(symbol),
            )
            self.history.append(firing)
            self.fired_count += 1
            fired.append(firing)
            if rule.mode == "once":
                watch.rule = msgspec.structs.replace(rule, enabled=False)
                self.rules_version += 1
            for listener in self._listeners:
                listener(firing)
        elif not watch.armed and rearm:
            watch.armed = True

    # --- What the user is told ------------------------------------------------------------

    def suspension(self, symbol: str, feed: str = "") -> str | None:
        """Why rules on ``symbol`` are suspended right now, or None when its data is trusted."""
        status = self._feeds.get(feed)
        if status is None:
            return None
        reason = _feed_reason(status, symbol)
        if reason is not None:
            return reason
        late = status.late.get(symbol)
        if late is not None:
            return f"{symbol} data arriving {late:.0f} s late"
        last = status.last_update.get(symbol)
        if last is not None and self._clock() - last > self.staleness_limit:
            return f"no {symbol} data for {self._clock() - last:.0f} s"
        return None

    def status(self, rule_id: str) -> str:
        """What the rule is doing, in words: disabled, expired, suspended (and why), waiting, armed."""
        watch = self._watches[rule_id]
        rule = watch.rule
        if not rule.enabled:
            return "fired once, now off" if rule.mode == "once" and watch.last_fired is not None else "disabled"
        if rule.expires_at is not None and self._wall_clock() >= rule.expires_at:
            return "expired"
        if self._feeds and rule.feed not in self._feeds:
            return f"waiting for a feed named {rule.feed!r}"
        symbol = getattr(rule, "symbol", None)
        if symbol is not None:
            reason = self.suspension(symbol, rule.feed)
            if reason is not None:
                return f"suspended: {reason}"
            if not watch.seen:
                return "waiting for data"
        if watch.last_fired is not None and self._clock() - watch.last_fired < rule.cooldown:
            return "cooling down"
        return "armed" if watch.armed else watch.waiting()
