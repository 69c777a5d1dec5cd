"""Recording: every frame a feed receives, with its receive time, as JSON lines.

The format (docs/protocol.md, "Recording file") is what ``mock-exchange --replay`` reads:
one line per frame, ``{"ts": <receive time, integer ns since the Unix epoch>, "frame": <the
frame's JSON value as received>}``.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

__all__ = ["FrameRecorder"]


class FrameRecorder:
    """Appends received frames to a JSON-lines file.

    Contract: ``write(ts_ns, frame)`` takes a frame that has already been decoded as
    valid JSON and writes it verbatim inside one line (line breaks in a valid JSON
    text are whitespace, so they are replaced by spaces and the value is unchanged).
    Writes are buffered; ``close()`` flushes and closes the file. Usable as a context
    manager.
    """

    def __init__(self, path: str | Path, *, buffering: int = 1 << 16) -> None:
        self.path = Path(path)
        self._file: BinaryIO = open(self.path, "wb", buffering=buffering)  # noqa: SIM115 - closed by close()
        self.frames = 0

    def write(self, ts_ns: int, frame: bytes) -> None:
        if b"\n" in frame or b"\r" in frame:
            frame = frame.replace(b"\r", b" ").replace(b"\n", b" ")
        self._file.write(b'{"ts":%d,"frame":%s}\n' % (ts_ns, frame))
        self.frames += 1

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()

    def __enter__(self) -> FrameRecorder:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
