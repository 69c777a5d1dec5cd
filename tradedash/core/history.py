"""Fixed-size numpy ring buffers a chart can read without copying."""

from __future__ import annotations

import numpy as np

__all__ = ["TimeSeriesRing"]


class TimeSeriesRing:
    """The last ``capacity`` (time, value) samples, oldest first, in preallocated arrays.

    Each sample is written twice, at ``i`` and ``i + capacity``, so the window of
    the latest samples is always one contiguous slice: :meth:`view` returns numpy
    views, never copies, and appending never allocates.
    """

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self._times = np.zeros(2 * capacity, dtype=np.float64)
        self._values = np.zeros(2 * capacity, dtype=np.float64)
        self._next = 0
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def append(self, t: float, value: float) -> None:
        i = self._next
        self._times[i] = self._times[i + self.capacity] = t
        self._values[i] = self._values[i + self.capacity] = value
        self._next = (i + 1) % self.capacity
        if self._count < self.capacity:
            self._count += 1

    def view(self) -> tuple[np.ndarray, np.ndarray]:
        """(times, values), oldest first; read-only views valid until the next append."""
        end = self._next + self.capacity if self._count == self.capacity else self._next
        start = end - self._count
        times, values = self._times[start:end], self._values[start:end]
        times.flags.writeable = values.flags.writeable = False
        return times, values
