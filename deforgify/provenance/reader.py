"""Reading one file's provenance from its original bytes, never from a re-encoded copy."""

from __future__ import annotations

import os
from typing import Union

from deforgify.decode.images import read_bytes
from deforgify.provenance import content_credentials, exif, png_text, xmp
from deforgify.provenance.containers import find_blocks
from deforgify.provenance.contract import NO_PROVENANCE, Evidence, Provenance


def read_provenance(data: Union[bytes, bytearray, memoryview, str, os.PathLike, None]) -> Provenance:
    """What ``data`` (a file's bytes, as uploaded or stored, or its path) says about its origin:
    a metadata block that cannot be read becomes an evidence item saying so. None (a decoded
    image, which has lost its metadata) has no provenance. Raises only for a path that is no
    readable file (InvalidImageError, as :func:`deforgify.decode.images.load_rgb` does) and for
    anything else given (TypeError: ``bytes()`` of a Path read its name)."""
    if isinstance(data, (str, os.PathLike)):
        data = read_bytes(data)
    elif data is not None and not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"read_provenance takes a file's bytes or its path, not {type(data).__name__}")
    if not data:
        return NO_PROVENANCE
    data = bytes(data)
    try:
        blocks = find_blocks(data)
    except Exception as error:  # noqa: BLE001  the walk is bounded; this is a last resort
        return Provenance((Evidence("xmp", f"The file's metadata could not be walked ({type(error).__name__})."),))
    evidence: list[Evidence] = []
    valid = trusted = None
    if content_credentials.wanted(data, blocks):
        item, valid, trusted = content_credentials.read(data, blocks)
        evidence += [item] if item else []
    for kind, read in (("xmp", xmp.read), ("png_text", png_text.read), ("exif", exif.read)):
        try:
            evidence += read(blocks)
        except Exception as error:  # noqa: BLE001  one bad block costs only its own evidence
            evidence.append(Evidence(kind, f"This metadata could not be read ({type(error).__name__})."))
    return Provenance(tuple(evidence), valid, trusted)
