"""One running TradeDash per config file: a second start brings the first window to the front and exits.

The first start takes a lock file (``QLockFile``, which a crashed holder does not keep) and, once its
window is up, listens on a local socket (``QLocalServer``); both are named after the config file's
resolved path, so another config is another instance. A later start finds the lock taken, connects,
asks for the window and exits 0.
"""

from __future__ import annotations

import hashlib
import logging
import sys
import time
from pathlib import Path

import shiboken6
from PySide6.QtCore import QDir, QLockFile, QObject, Qt, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket
from PySide6.QtWidgets import QWidget

__all__ = ["SingleInstance", "bring_to_front"]

log = logging.getLogger("tradedash")

_RAISE, _DONE = b"raise\n", b"raised\n"


class SingleInstance(QObject):
    """The claim of one process on one config file.

    - :meth:`claim` takes the lock: True means this process is the instance for the config.
    - :meth:`listen` (after the window is shown) accepts later starts: each one emits
      :attr:`activation_requested` and is answered once the signal's slots have run.
    - :meth:`hand_over` (in a process whose :meth:`claim` failed) asks the running instance to
      come to the front, waiting up to ``timeout`` seconds for it to listen (it may be starting
      up), says on stderr what happened and returns this process's exit status: 0 once the
      running instance answered, 1 if it never did.
    - :meth:`release` stops listening and drops the lock (a process that dies drops it too).
    """

    activation_requested = Signal()

    def __init__(self, config_path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        key = hashlib.sha256(f"{Path.home()}\0{config_path.expanduser().resolve()}".encode()).hexdigest()[:20]
        self.server_name = f"tradedash-{key}"
        self._lock = QLockFile(str(Path(QDir.tempPath()) / f"{self.server_name}.lock"))
        self._lock.setStaleLockTime(0)  # stale only when its process is gone, never by age
        self._server: QLocalServer | None = None

    def claim(self) -> bool:
        return self._lock.tryLock(0)

    def listen(self) -> None:
        QLocalServer.removeServer(self.server_name)  # a socket left by a crashed run: we hold the lock
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.server_name):
            log.warning("single instance: cannot listen (%s); a second start will wait and give up", server.errorString())
            return
        server.newConnection.connect(self._accept)
        self._server = server
        log.info("single instance: a second start with this config will bring this window to the front")

    def hand_over(self, timeout: float = 10.0) -> int:
        if self._ask_to_raise(timeout):
            print(
                "tradedash: already running with this config; brought its window to the front"
                " (for a second window: --new-instance --config OTHER.toml)",
                file=sys.stderr,
            )
            return 0
        print(
            "tradedash: another TradeDash holds this config but does not answer; close it,"
            " or start with --new-instance --config OTHER.toml",
            file=sys.stderr,
        )
        return 1

    def _ask_to_raise(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            socket = QLocalSocket()
            socket.connectToServer(self.server_name)
            if socket.waitForConnected(500):
                socket.write(_RAISE)
                socket.waitForBytesWritten(1000)
                answered = b""
                while _DONE not in answered and socket.waitForReadyRead(2000):
                    answered += bytes(socket.readAll().data())
                socket.disconnectFromServer()
                return _DONE in answered
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)

    def release(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        self._lock.unlock()

    def _accept(self) -> None:
        while self._server is not None and (connection := self._server.nextPendingConnection()) is not None:
            connection.readyRead.connect(lambda c=connection: self._read(c))
            connection.disconnected.connect(connection.deleteLater)

    def _read(self, connection: QLocalSocket) -> None:
        if bytes(connection.readAll().data()).endswith(_RAISE):
            self.activation_requested.emit()
            connection.write(_DONE)
            connection.flush()


def bring_to_front(window: QWidget | None) -> None:
    """Show ``window`` (restored if minimized), raise it and ask for focus; logs that it did.
    Nothing happens if there is no window (any more)."""
    if window is None or not shiboken6.isValid(window):
        return
    window.setWindowState(window.windowState() & ~Qt.WindowState.WindowMinimized)
    window.show()
    window.raise_()
    window.activateWindow()
    log.info("single instance: a second start brought the window to the front")
