"""``python -m deforgify`` and the ``deforgify`` command."""

import sys

from deforgify.interrupts import INTERRUPTED


def run() -> None:
    """The command line, its imports included in what Ctrl-C ends quietly (a Ctrl-C while they
    load, in the first third of a second, printed a traceback)."""
    try:
        from deforgify.cli import main
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        raise SystemExit(INTERRUPTED) from None
    raise SystemExit(main())


if __name__ == "__main__":
    run()
