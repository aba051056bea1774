"""Provenance beside pixels: what a file says about its own origin, read from its original bytes.

- :mod:`.contract` the result every output carries (claim, evidence, valid, trusted);
- :mod:`.rules` which claims decide a verdict, and the words a person reads;
- :mod:`.reader` reads one file: :mod:`.containers` finds the metadata blocks of a JPEG, PNG or
  WebP, then :mod:`.content_credentials` (C2PA, through ``c2pa-python``), :mod:`.xmp`,
  :mod:`.png_text` and :mod:`.exif` each read theirs, within :mod:`.limits`.

Nothing here touches the network: no remote manifests, no OCSP, no timestamp look-ups.
"""

from deforgify.provenance.contract import NO_PROVENANCE, Evidence, Provenance
from deforgify.provenance.reader import read_provenance
from deforgify.provenance.rules import apply_to_row, deciding_claim, headline

__all__ = ["NO_PROVENANCE", "Evidence", "Provenance", "apply_to_row", "deciding_claim", "headline", "read_provenance"]
