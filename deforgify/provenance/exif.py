"""EXIF ``Make``, ``Model`` and ``Software``, parsed by Pillow. Camera EXIF is claim ``camera``,
which never changes a verdict: anyone can write it."""

from __future__ import annotations

import warnings

from deforgify.provenance import limits
from deforgify.provenance.containers import Blocks
from deforgify.provenance.contract import CAMERA, NONE, Evidence

MAKE, MODEL, SOFTWARE = 0x010F, 0x0110, 0x0131


def read(blocks: Blocks) -> list[Evidence]:
    if blocks.exif is None:
        return []
    if len(blocks.exif) > limits.MAX_EXIF_BYTES:
        return [Evidence("exif", f"The EXIF block ({len(blocks.exif) // 1000} KB) is larger than "
                                 f"{limits.MAX_EXIF_BYTES // 1000} KB: not read.")]
    try:
        make, model, software = _tags(blocks.exif)
    except Exception as error:  # noqa: BLE001  Pillow raises several kinds on corrupt EXIF
        return [Evidence("exif", f"The EXIF block is corrupt ({type(error).__name__}): not read.")]
    details = {"make": make, "model": model, "software": software}
    if make or model:
        camera = model if make and model and model.lower().startswith(make.lower()) else " ".join(filter(None, (make, model)))
        also = f"; software: {software}" if software else ""
        return [Evidence("exif", f"EXIF says it was taken with a {camera} camera{also}.", CAMERA, details)]
    if software:
        return [Evidence("exif", f"EXIF names the software that last saved it: {software}.", NONE, details)]
    return []


def _tags(data: bytes) -> tuple[str | None, str | None, str | None]:
    from PIL import Image

    exif = Image.Exif()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exif.load(data)
        return tuple(_text(exif.get(tag)) for tag in (MAKE, MODEL, SOFTWARE))


def _text(value) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("latin-1", "replace")
    if not isinstance(value, str):
        return None
    value = value.replace("\x00", "").strip()
    return value[: limits.MAX_VALUE_CHARS] or None
