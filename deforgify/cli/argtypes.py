"""For commands: number types for options (a value that is not a number, not finite or out of
range is a usage error that says why, exit 2, never a traceback or a silently odd run), a
command's description from its module's docstring, and a command run so that bad input ends it
with its reason in one line (:func:`run_command`)."""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
from typing import Callable, NoReturn, Optional, Union

from deforgify.cli.interrupts import INTERRUPTED, stop_on_signals

OWN_PACKAGES = ("deforgify", "training")
"""Exceptions of these packages' own classes carry a message meant for the user."""


def run_command(main: Callable[[], Union[int, None]]) -> NoReturn:
    """Exit with ``main()``'s status; an exception of Deforgify's own (a model that cannot be
    loaded, an unreadable photo, a dataset folder that is not one) ends it with ``error: ...`` and
    status 2, not a traceback; any other exception is a bug, and keeps its traceback. Ctrl-C and
    SIGTERM end it as "interrupted", status 130 (:func:`deforgify.cli.interrupts.stop_on_signals`:
    SIGTERM, which ``timeout``, Docker and Slurm send, ended a training run silently, its
    half-written folder left behind)."""
    stop_on_signals()
    try:
        status = main()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr, flush=True)
        if "tensorflow" in sys.modules:  # its threads make a normal shutdown abort (SIGABRT, not 130)
            sys.stdout.flush()
            os._exit(INTERRUPTED)
        raise SystemExit(INTERRUPTED) from None
    except Exception as error:  # noqa: BLE001  told in words when it is one of ours, else raised again
        if type(error).__module__.split(".")[0] not in OWN_PACKAGES:
            raise
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    raise SystemExit(status or 0)


class DefaultsShown(argparse.ArgumentDefaultsHelpFormatter):
    """argparse's help with defaults, but for options that have none (None, off, an empty list)
    and those whose help says it already (a developer read ``--architecture``, ``--seed`` and
    ``--patience`` without them)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        words = action.help or ""
        unset = action.default is None or action.default is False or action.default == []  # a 0 is shown
        return words if unset or "default" in words else super()._get_help_string(action) or ""


def number(kind: type = float, *, above: Optional[float] = None, at_least: Optional[float] = None,
           below: Optional[float] = None) -> Callable[[str], float]:
    """An argparse ``type`` reading a finite ``kind`` (``float`` or ``int``) within the bounds."""

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            whole = "a whole number" if kind is int else "a number"
            raise argparse.ArgumentTypeError(f"must be {whole}, not {text!r}") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"must be a finite number, not {text}")
        if above is not None and not value > above:
            raise argparse.ArgumentTypeError(f"must be more than {above:g}, not {text}")
        if at_least is not None and not value >= at_least:
            raise argparse.ArgumentTypeError(f"must be {at_least:g} or more, not {text}")
        if below is not None and not value < below:
            raise argparse.ArgumentTypeError(f"must be under {below:g}, not {text}")
        return value

    return parse


def model_reference(text: str) -> str:
    """An argparse ``type`` for ``--model``: an empty name (``--model "$MODEL"``, the variable
    unset) is a usage error; the bundled model answered it, unsaid."""
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty name: give a model folder or OWNER/NAME[@REVISION], or leave "
                                         "--model out for the bundled model")
    return text


def first_paragraph(doc: Optional[str]) -> str:
    """A docstring's first paragraph as one line, without reST markup: a command's description
    (its first line alone stopped mid-sentence: "... in one commit: the files a training run")."""
    paragraph = (doc or "").strip().split("\n\n", 1)[0]
    return " ".join(re.sub(r":\w+:`([^`]+)`", r"\1", paragraph).replace("``", "").split())
