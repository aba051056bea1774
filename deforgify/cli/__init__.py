"""The ``deforgify`` command (:mod:`.main`) and what commands share: photos judged in worker
processes (:mod:`.batch`, over bounded :mod:`.streams`), progress lines (:mod:`.progress`), warnings
on stderr (:mod:`.warnings_shown`), Ctrl-C and SIGTERM (:mod:`.interrupts`) and argument types
(:mod:`.argtypes`, also used by ``training/`` and ``benchmarks/``)."""
