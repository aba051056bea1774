"""Scanning a collection (``deforgify scan``): what is read (:mod:`.collection`), how it is
scored here or on a Dask cluster (:mod:`.run`, :mod:`.cluster`), where the rows go
(:mod:`.results_file`); the command is :mod:`deforgify.cli.scan`.

Nothing is imported here: ``deforgify --help`` and the predict command load only what they use.
"""
