"""Secrets out of everything shown or logged: one redaction, used by the tools, the feed and the app's log."""

from __future__ import annotations

import logging
import re

__all__ = ["redact", "RedactingFilter"]

#: A secret's value in a URL query (``?token=...``, ``&access_token=...``, ``api_key``, ``secret``,
#: ``password``) or after an HTTP auth scheme (``Bearer ...``, ``Basic ...``).
_SECRET = re.compile(
    r"(?P<key>(?:[?&;]|\b)(?:token|access_token|api_key|apikey|key|secret|password|signature)=)[^&#\s'\"<>]+?(?=[:,;.)\]]*(?:[&#\s'\"<>]|$))"
    r"|(?P<scheme>\b(?:Bearer|Basic)\s+)[A-Za-z0-9._~+/=-]+",
    re.IGNORECASE,
)
REDACTED = "***"


def redact(text: str) -> str:
    """``text`` with every secret it carries replaced by ``***``: URL query values of
    ``token`` (and the usual other names of secrets) and bearer or basic credentials."""
    if "=" not in text and "earer" not in text and "asic" not in text:
        return text
    return _SECRET.sub(lambda m: (m.group("key") or m.group("scheme")) + REDACTED, text)


class RedactingFilter(logging.Filter):
    """A logging filter (put it on a handler) that redacts every record's message and exception text."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
