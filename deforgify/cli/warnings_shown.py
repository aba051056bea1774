"""The library's logged warnings (an unreadable trust list, say) shown on stderr as the command's
own ``warning: ...`` lines: in the command's process and in its workers, which read the files'
provenance too (there they came out bare, through logging's last resort)."""

from __future__ import annotations

import logging
import sys


class _PlainFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"{record.levelname.lower()}: {record.getMessage()}"


def show_warnings() -> None:
    """Once per process: the ``deforgify`` loggers' records on stderr, one plain line each."""
    logger = logging.getLogger("deforgify")
    if not any(isinstance(handler.formatter, _PlainFormatter) for handler in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_PlainFormatter())
        logger.addHandler(handler)
