"""A logging filter that keeps link tokens out of the logs.

The token has to travel in the link's URL, and Django logs the path of every 4xx/5xx response
(``Not Found: /q/<token>/``). The filter sits on the log handlers (settings.LOGGING), so it
rewrites every record whichever logger it came from.
"""

from __future__ import annotations

import logging
import re

_TOKEN_PATH = re.compile(r"/q/[^/\s\"']+")
REDACTED = "/q/[redacted]"


def redact(text: str) -> str:
    return _TOKEN_PATH.sub(REDACTED, text)


class RedactLinkTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
