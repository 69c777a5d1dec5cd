"""Tokens never reach a log, at any level: a logging filter that blanks them.

It blanks ``token=...`` in URLs, the value of ``Authorization`` headers, and the
``token`` of JSON requests (the admin op), in the message and in websockets' frame
arguments before they are shortened for the log (so no piece of a token shows at
the cut either).
"""

from __future__ import annotations

import dataclasses
import logging
import re
from typing import Any

import msgspec
from websockets.frames import Frame

__all__ = ["redact", "TokenRedactor", "install_token_redactor"]

_HIDDEN = "***"
_QUERY_TOKEN = re.compile(r"(?i)([?&]token=)[^&\s#'\"\\]*")
_AUTHORIZATION = re.compile(r"(?i)(authorization\s*:\s*)[^\r\n'\"\\]*")
_JSON_TOKEN = re.compile(r'(?i)("token"\s*:\s*")(?:[^"\\]|\\.)*')


def redact(text: str) -> str:
    """``text`` with every token it shows replaced by ``***``."""
    text = _QUERY_TOKEN.sub(r"\g<1>" + _HIDDEN, text)
    text = _AUTHORIZATION.sub(r"\g<1>" + _HIDDEN, text)
    return _JSON_TOKEN.sub(r"\g<1>" + _HIDDEN, text)


def _redact_payload(data: bytes) -> bytes:
    try:
        value = msgspec.json.decode(data)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return redact(data.decode(errors="replace")).encode()
    if isinstance(value, dict) and "token" in value:
        return msgspec.json.encode({**value, "token": _HIDDEN})
    return redact(data.decode(errors="replace")).encode()


def _redact_arg(arg: Any) -> Any:
    if isinstance(arg, Frame) and arg.data:
        return dataclasses.replace(arg, data=_redact_payload(bytes(arg.data)))
    return arg


class TokenRedactor(logging.Filter):
    """Rewrites each record so that no token shows in it; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(isinstance(arg, Frame) for arg in record.args):
            record.args = tuple(_redact_arg(arg) for arg in record.args)
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


_REDACTOR = TokenRedactor()


def install_token_redactor(*loggers: logging.Logger | logging.Handler) -> None:
    """Add the redacting filter to ``loggers`` (default: the ones the exchange and websockets' server log to); idempotent."""
    targets = loggers or (logging.getLogger("websockets.server"), logging.getLogger("mock_exchange"))
    for target in targets:
        if _REDACTOR not in target.filters:
            target.addFilter(_REDACTOR)
