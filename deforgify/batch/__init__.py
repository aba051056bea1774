"""Scoring many photos and videos at once, the library's way for a collection: worker processes
decode, find faces and crop, the model judges in batched calls, one bad file costs only its own row
(:mod:`.scoring`), over streams of any length with a bounded number in flight (:mod:`.streams`).
The ``deforgify`` command and ``deforgify scan`` both use it."""
