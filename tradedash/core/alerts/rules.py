"""Alert rules and firings: typed records, validated the same way whether typed in or loaded.

Every rule kind is a frozen msgspec Struct tagged by ``kind``; :data:`AlertRule`
is their union, so a list of rules round-trips through JSON unchanged.
Numbers carry their limits as ``msgspec.Meta`` constraints and
:func:`check_rule` applies them (plus the checks across fields) to a rule built
in Python, so the editor and the loader refuse exactly the same things.

Times: ``cooldown``, ``window`` and ``seconds`` are durations in seconds;
``expires_at`` and :attr:`Firing.at` are wall-clock times (seconds since the
Unix epoch), because they outlive the process.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal, Union

import msgspec

__all__ = [
    "RuleBase",
    "PriceCross",
    "PriceRange",
    "PercentChange",
    "SpreadWide",
    "TradeVolume",
    "LargeTrade",
    "FeedCondition",
    "AlertRule",
    "Firing",
    "check_rule",
    "new_rule_id",
    "EPOCH_MAX",
    "readable_error",
]

#: The latest wall-clock time a file may hold (9999-12-31 00:00 UTC): later ones cannot be shown as dates.
EPOCH_MAX = 253_402_214_400.0

Positive = Annotated[float, msgspec.Meta(gt=0)]
#: A wall-clock time, seconds since the Unix epoch, that a calendar can show.
WallTime = Annotated[float, msgspec.Meta(ge=0, le=EPOCH_MAX)]
NonNegative = Annotated[float, msgspec.Meta(ge=0)]
Symbol = Annotated[str, msgspec.Meta(min_length=1, max_length=40)]


def new_rule_id() -> str:
    """A fresh, unique rule id."""
    return uuid.uuid4().hex[:12]


class RuleBase(msgspec.Struct, frozen=True, kw_only=True, tag_field="kind"):
    """What every rule has: identity, switch, trigger mode, hysteresis and expiry.

    ``mode == "once"``: the rule fires at most once, then disables itself.
    ``mode == "every"``: it fires each time its condition becomes true, but not
    again within ``cooldown`` seconds of its last firing. ``hysteresis`` (in the
    rule's own unit) is how far the value must come back before the rule re-arms.
    A rule past ``expires_at`` never fires. ``feed`` names the feed whose data
    (and, for :class:`FeedCondition`, whose connection) the rule watches.
    """

    id: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    name: Annotated[str, msgspec.Meta(max_length=200)] = ""
    #: The name of the feed the rule watches ("" for the app's only or first feed).
    feed: Annotated[str, msgspec.Meta(max_length=100)] = ""
    enabled: bool = True
    mode: Literal["once", "every"] = "every"
    cooldown: NonNegative = 60.0
    hysteresis: NonNegative = 0.0
    expires_at: WallTime | None = None


class PriceCross(RuleBase, frozen=True, kw_only=True, tag="price_cross"):
    """Last price crosses ``level`` going ``above`` (from below) or ``below`` (from above)."""

    symbol: Symbol
    direction: Literal["above", "below"]
    level: Positive


class PriceRange(RuleBase, frozen=True, kw_only=True, tag="price_range"):
    """Last price ``enters`` or ``leaves`` the closed range ``[low, high]``."""

    symbol: Symbol
    event: Literal["enters", "leaves"]
    low: Positive
    high: Positive


class PercentChange(RuleBase, frozen=True, kw_only=True, tag="percent_change"):
    """Last price moved by more than ``percent`` % within the last ``window`` seconds.

    ``up``: the price is more than ``percent`` % above the lowest price in the
    window; ``down``: more than ``percent`` % below the highest; ``either``: one
    of the two. Hysteresis is in percentage points.
    """

    symbol: Symbol
    percent: Positive
    window: Positive
    direction: Literal["up", "down", "either"] = "either"


class SpreadWide(RuleBase, frozen=True, kw_only=True, tag="spread"):
    """Ask minus bid (price units) is wider than ``limit``."""

    symbol: Symbol
    limit: Positive


class TradeVolume(RuleBase, frozen=True, kw_only=True, tag="volume"):
    """The summed size of trades within the last ``window`` seconds is above ``limit``."""

    symbol: Symbol
    limit: Positive
    window: Positive


class LargeTrade(RuleBase, frozen=True, kw_only=True, tag="large_trade"):
    """A single trade larger than ``size``; each such trade is its own event (no hysteresis)."""

    symbol: Symbol
    size: Positive


class FeedCondition(RuleBase, frozen=True, kw_only=True, tag="feed"):
    """The feed has been ``stale``, ``disconnected`` or ``resyncing`` for longer than ``seconds``."""

    condition: Literal["stale", "disconnected", "resyncing"]
    seconds: NonNegative


AlertRule = Union[PriceCross, PriceRange, PercentChange, SpreadWide, TradeVolume, LargeTrade, FeedCondition]

class Firing(msgspec.Struct, frozen=True, kw_only=True):
    """One time a rule fired: when (wall clock), which rule, on what symbol, the value, and what it means."""

    at: WallTime
    rule_id: str
    rule_name: str
    feed: str = ""
    symbol: str | None
    value: float
    message: str
    #: The symbol's last price when the rule fired (where a chart marks it); None for feed rules.
    price: float | None = None


def check_rule(rule: RuleBase) -> AlertRule:
    """Validate a rule built in Python exactly as if it had been loaded from a file.

    Returns the rule; raises ``ValueError`` with a readable reason when a field
    is out of range or the fields contradict each other.
    """
    try:
        checked = msgspec.convert(msgspec.to_builtins(rule), AlertRule)
    except msgspec.ValidationError as exc:
        raise ValueError(readable_error(str(exc))) from None
    if isinstance(checked, PriceRange) and not checked.low < checked.high:
        raise ValueError("the range's low must be below its high")
    if isinstance(checked, PriceRange) and checked.event == "leaves" and 2 * checked.hysteresis >= checked.high - checked.low:
        raise ValueError("hysteresis must be less than half the range's width")
    if isinstance(checked, LargeTrade) and checked.hysteresis:
        raise ValueError("a large-trade rule has no hysteresis: each trade is its own event")
    return checked


def readable_error(reason: str) -> str:
    """msgspec's "Expected `float` >= 0.0 - at `$.cooldown`" as "cooldown: Expected float >= 0.0"."""
    reason = reason.replace(f"`float` <= {EPOCH_MAX}", "a time no later than the year 9999")
    if " - at `$" in reason:
        message, field = reason.rsplit(" - at `$", 1)
        return f"{field.rstrip('`').lstrip('.')}: {message.replace('`', '')}"
    return reason