"""Fixed-size numpy ring buffers a chart can read without copying."""

from __future__ import annotations

import numpy as np

__all__ = ["TimeSeriesRing"]

#: Appended samples wait in plain lists until a reader asks or this many are pending.
_PENDING_MAX = 256


class TimeSeriesRing:
    """The last ``capacity`` (time, value) samples, oldest first, in preallocated arrays.

    Each sample is written twice, at ``i`` and ``i + capacity``, so the window of
    the latest samples is always one contiguous slice: :meth:`view` returns numpy
    views, never copies, and the arrays never grow. :meth:`append` only adds to
    two short Python lists; they are written into the arrays in one block when
    :meth:`view` is called or ``_PENDING_MAX`` samples are waiting.
    """

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self._times = np.zeros(2 * capacity, dtype=np.float64)
        self._values = np.zeros(2 * capacity, dtype=np.float64)
        self._next = 0  # where the first pending sample goes
        self._count = 0  # samples written into the arrays
        self._pending_times: list[float] = []
        self._pending_values: list[float] = []

    def __len__(self) -> int:
        return min(self.capacity, self._count + len(self._pending_times))

    def append(self, t: float, value: float) -> None:
        pending = self._pending_times
        pending.append(t)
        self._pending_values.append(value)
        if len(pending) >= _PENDING_MAX:
            self._flush()

    def _flush(self) -> None:
        """Write the pending samples into both halves of the arrays."""
        times, values = self._pending_times, self._pending_values
        n = len(times)
        if not n:
            return
        capacity = self.capacity
        if n > capacity:  # only the newest capacity samples can be kept
            skipped = n - capacity
            self._next = (self._next + skipped) % capacity
            times, values, n = times[skipped:], values[skipped:], capacity
        i = self._next
        first = min(n, capacity - i)  # samples that fit before the ring wraps
        for array, new in ((self._times, times), (self._values, values)):
            block = np.asarray(new, dtype=np.float64)
            array[i : i + first] = array[i + capacity : i + capacity + first] = block[:first]
            if first < n:
                rest = n - first
                array[:rest] = array[capacity : capacity + rest] = block[first:]
        self._next = (i + n) % capacity
        self._count = min(capacity, self._count + n)
        self._pending_times = []
        self._pending_values = []

    def view(self) -> tuple[np.ndarray, np.ndarray]:
        """(times, values), oldest first; read-only views valid until the next append."""
        self._flush()
        end = self._next + self.capacity if self._count == self.capacity else self._next
        start = end - self._count
        times, values = self._times[start:end], self._values[start:end]
        times.flags.writeable = values.flags.writeable = False
        return times, values
