"""Alert rules, settings and the history of firings on disk, as JSON in a directory the caller gives.

Two files: ``alerts.json`` (settings and rules) and ``alert_history.json`` (the
newest firings, bounded). Writes are atomic (a temporary file, then
``os.replace``), so a crash never leaves half a file. A file that cannot be read
is moved aside to ``<name>.bad-<time>`` (kept, never overwritten) and reported
in :attr:`LoadedAlerts.problems` with its path and, for broken JSON, its line;
whatever could be read is used. A single invalid rule is skipped and reported,
the others load.
"""

from __future__ import annotations

import csv
import os
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import msgspec

from tradedash.core.alerts.rules import AlertRule, Firing, check_rule, readable_error
from tradedash.core.alerts.engine import HISTORY_LIMIT

__all__ = ["AlertSettings", "LoadedAlerts", "AlertStore", "RULES_FILE", "HISTORY_FILE", "CSV_COLUMNS", "export_csv"]

RULES_FILE = "alerts.json"
HISTORY_FILE = "alert_history.json"
FORMAT_VERSION = 1


class AlertSettings(msgspec.Struct, kw_only=True):
    """User choices about notifications."""

    sound: bool = True


class _RulesFile(msgspec.Struct, kw_only=True):
    version: int = FORMAT_VERSION
    settings: AlertSettings = msgspec.field(default_factory=AlertSettings)
    rules: list[msgspec.Raw] = msgspec.field(default_factory=list)


class _HistoryFile(msgspec.Struct, kw_only=True):
    version: int = FORMAT_VERSION
    firings: list[Firing] = msgspec.field(default_factory=list)


@dataclass
class LoadedAlerts:
    """What :meth:`AlertStore.load` found: usable rules, settings and history, and every problem met."""

    rules: list[AlertRule] = field(default_factory=list)
    settings: AlertSettings = field(default_factory=AlertSettings)
    history: list[Firing] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


class AlertStore:
    """Reads and writes the alert files in ``directory`` (created on the first save)."""

    def __init__(self, directory: str | os.PathLike[str], *, history_limit: int = HISTORY_LIMIT) -> None:
        self.directory = Path(directory)
        self.history_limit = history_limit

    @property
    def rules_path(self) -> Path:
        return self.directory / RULES_FILE

    @property
    def history_path(self) -> Path:
        return self.directory / HISTORY_FILE

    def load(self) -> LoadedAlerts:
        """Read both files; missing files give defaults, broken ones are moved aside and reported."""
        loaded = LoadedAlerts()
        rules_file = self._read(self.rules_path, _RulesFile, loaded.problems)
        if rules_file is not None:
            loaded.settings = rules_file.settings
            bad_rules = False
            for index, raw in enumerate(rules_file.rules):
                try:
                    loaded.rules.append(check_rule(msgspec.json.decode(raw, type=AlertRule)))
                except (msgspec.ValidationError, ValueError, RecursionError) as exc:
                    bad_rules = True
                    loaded.problems.append(f"{self.rules_path}: rule {index + 1} skipped: {readable_error(str(exc))}")
            if bad_rules:
                loaded.problems.append(self._set_aside(self.rules_path))
        history_file = self._read(self.history_path, _HistoryFile, loaded.problems)
        if history_file is not None:
            loaded.history = history_file.firings[-self.history_limit :]
        return loaded

    def save_rules(self, rules: Iterable[AlertRule], settings: AlertSettings) -> None:
        raws = [msgspec.Raw(msgspec.json.encode(rule)) for rule in rules]
        self._write(self.rules_path, _RulesFile(settings=settings, rules=raws))

    def save_history(self, history: Iterable[Firing]) -> None:
        firings = list(history)[-self.history_limit :]
        self._write(self.history_path, _HistoryFile(firings=firings))

    # --- Files ----------------------------------------------------------------------------

    def _read(self, path: Path, schema: type, problems: list[str]):
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            problems.append(f"{path}: cannot be read ({exc.strerror or exc}); using defaults")
            return None
        try:
            return msgspec.json.decode(data, type=schema)
        except (msgspec.DecodeError, RecursionError) as exc:
            reason = "nested too deeply to read" if isinstance(exc, RecursionError) else _where(data, str(exc))
            problems.append(f"{path}: {reason}; using defaults. {self._set_aside(path)}")
            return None

    def _set_aside(self, path: Path) -> str:
        kept = path.with_name(f"{path.name}.bad-{time.strftime('%Y%m%d-%H%M%S')}")
        counter = 1
        while kept.exists():
            kept = kept.with_name(f"{path.name}.bad-{time.strftime('%Y%m%d-%H%M%S')}-{counter}")
            counter += 1
        try:
            path.replace(kept)
        except OSError as exc:
            return f"The bad file could not be moved aside ({exc.strerror or exc}); it is left as it is."
        return f"The bad file is kept as {kept}."

    def _write(self, path: Path, content: msgspec.Struct) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        data = msgspec.json.format(msgspec.json.encode(content), indent=2)
        fd, temporary = tempfile.mkstemp(dir=self.directory, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


CSV_COLUMNS = ("time", "feed", "rule", "symbol", "value", "price", "message")


def export_csv(firings: Iterable[Firing], path: str | os.PathLike[str]) -> int:
    """Write firings to a CSV file (UTF-8, header first, local time in ISO 8601); returns the row count."""
    count = 0
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(CSV_COLUMNS)
        for firing in firings:
            when = datetime.fromtimestamp(firing.at).astimezone().isoformat(timespec="milliseconds")
            price = "" if firing.price is None else repr(firing.price)
            writer.writerow((when, firing.feed, firing.rule_name, firing.symbol or "", repr(firing.value), price, firing.message))
            count += 1
    return count


def _where(data: bytes, reason: str) -> str:
    """Turn msgspec's "... (byte 123)" into "line 4: ..."; schema errors keep their JSON path."""
    marker = "(byte "
    if reason.endswith(")") and marker in reason:
        head, _, byte = reason.rpartition(marker)
        if byte[:-1].isdigit():
            line = data[: int(byte[:-1])].count(b"\n") + 1
            return f"line {line}: {head.strip()}"
    return readable_error(reason)
