"""The exchange misbehaving on command: the injector, faults planned at start-up, and the admin op.

The injector acts on the server through the small :class:`FaultTarget` protocol, so
nothing here imports the server.
"""

from .injector import FAULTS, OVERSIZED_DEFAULT, FaultInjector, FaultRecord, FaultTarget, check_fault_args
from .schedule import ScheduledFault, parse_fault, run_schedule

__all__ = [
    "FAULTS",
    "OVERSIZED_DEFAULT",
    "FaultInjector",
    "FaultRecord",
    "FaultTarget",
    "check_fault_args",
    "ScheduledFault",
    "parse_fault",
    "run_schedule",
]
