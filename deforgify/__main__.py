"""``python -m deforgify`` and the ``deforgify`` command."""

import signal
import sys

if "--multiprocessing-fork" in sys.argv:
    # A worker the command spawned imports this module first, as its main one: Ctrl-C is the
    # command's to handle, and the terminal sends it to the workers too, so one that came while a
    # worker was still starting (about a second of imports) printed that worker's traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def run() -> None:
    """The command line, its imports included in what Ctrl-C ends quietly: a Ctrl-C while they
    load (the first third of a second) waits until they are done, blocked, then ends the command
    with one line. Raised inside an import, it printed a traceback, or NumPy's "bad install"
    message (it takes any error in its C extensions' import for one)."""
    # deforgify.cli.interrupts.interrupts_held, written out: importing it (and multiprocessing) takes
    # 12 ms, during which a Ctrl-C would still print a traceback
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        try:
            from deforgify.cli.main import main
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        raise SystemExit(130) from None  # deforgify.cli.interrupts.INTERRUPTED, not imported before this
    raise SystemExit(main())


if __name__ == "__main__":
    run()
