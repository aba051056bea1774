"""The ``deforgify`` command: ``predict`` (:mod:`.main`) and ``scan`` (:mod:`.scan`, a collection
into a results file, run by :mod:`deforgify.scan`), their video options (:mod:`.video_options`),
and what commands share: progress lines (:mod:`.progress`), warnings on stderr
(:mod:`.warnings_shown`), Ctrl-C and SIGTERM (:mod:`.interrupts`) and argument types
(:mod:`.argtypes`, also used by ``training/`` and ``benchmarks/``)."""
