"""Faults planned at start-up: ``--fault NAME[:key=value,...]@WHEN``.

WHEN is ``5`` (once, 5 seconds after start), ``every=10`` (every 10 seconds, first
after 10) or ``p=0.05`` (each second, with probability 0.05, from a generator seeded
by the exchange's seed). Values are read as int, then float, else kept as text.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass, field
from typing import Any

from .injector import FaultInjector, check_fault_args

__all__ = ["ScheduledFault", "parse_fault", "run_schedule"]

log = logging.getLogger("mock_exchange.faults")


@dataclass(frozen=True)
class ScheduledFault:
    """One planned fault: at ``at`` seconds, every ``every`` seconds, or with ``probability`` per second."""

    name: str
    args: dict[str, Any] = field(default_factory=dict)
    at: float | None = None
    every: float | None = None
    probability: float | None = None


def parse_fault(text: str) -> ScheduledFault:
    """Parse ``NAME[:k=v,...]@WHEN``; raises ValueError with a message naming what is wrong."""
    what, sep, when = text.rpartition("@")
    if not sep or not what or not when:
        raise ValueError(f"fault {text!r}: expected NAME[:key=value,...]@WHEN, e.g. drop_all@5 or skip_book_seq@every=10")
    name, _, arg_text = what.partition(":")
    args: dict[str, Any] = {}
    for item in filter(None, arg_text.split(",")):
        key, eq, value = item.partition("=")
        if not eq:
            raise ValueError(f"fault {text!r}: argument {item!r} is not key=value")
        args[key.strip()] = _value(value.strip())
    try:
        check_fault_args(name, args)
    except ValueError as exc:
        raise ValueError(f"fault {text!r}: {exc}") from None
    try:
        if when.startswith("every="):
            every = float(when[6:])
            if every <= 0:
                raise ValueError
            return ScheduledFault(name, args, every=every)
        if when.startswith("p="):
            probability = float(when[2:])
            if not 0 < probability <= 1:
                raise ValueError
            return ScheduledFault(name, args, probability=probability)
        at = float(when.removesuffix("s"))
        if at < 0:
            raise ValueError
        return ScheduledFault(name, args, at=at)
    except ValueError:
        raise ValueError(f"fault {text!r}: WHEN must be SECONDS, every=SECONDS (> 0) or p=PROBABILITY (0..1]") from None


async def run_schedule(injector: FaultInjector, plan: list[ScheduledFault], seed: int) -> None:
    """Apply every planned fault when due; runs until cancelled."""
    await asyncio.gather(*(_run_one(injector, fault, random.Random(seed * 7919 + i)) for i, fault in enumerate(plan)))


async def _run_one(injector: FaultInjector, fault: ScheduledFault, rng: random.Random) -> None:
    if fault.at is not None:
        await asyncio.sleep(fault.at)
        await _apply(injector, fault)
        return
    while True:
        await asyncio.sleep(fault.every or 1.0)
        if fault.probability is None or rng.random() < fault.probability:
            await _apply(injector, fault)


async def _apply(injector: FaultInjector, fault: ScheduledFault) -> None:
    try:
        await getattr(injector, fault.name)(**fault.args)
    except (TypeError, ValueError) as exc:
        log.error("scheduled fault %s failed: %s", fault.name, exc)


def _value(text: str) -> Any:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text
