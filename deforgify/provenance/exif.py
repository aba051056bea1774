"""EXIF ``Make``, ``Model`` and ``Software``, parsed by Pillow. Camera EXIF is claim ``camera``,
which never changes a verdict: anyone can write it. The ``UserComment`` is read too: AUTOMATIC1111
and Forge write their generation settings there in the JPEGs and WebPs they save."""

from __future__ import annotations

from deforgify.provenance import limits
from deforgify.provenance.containers import Blocks
from deforgify.provenance.contract import AI_GENERATED, CAMERA, NONE, Evidence
from deforgify.provenance.png_text import settings_generator
from deforgify.quiet import pillow_warnings_ignored

MAKE, MODEL, SOFTWARE = 0x010F, 0x0110, 0x0131
EXIF_IFD, USER_COMMENT = 0x8769, 0x9286


def read(blocks: Blocks) -> list[Evidence]:
    if blocks.exif is None:
        return []
    if len(blocks.exif) > limits.MAX_EXIF_BYTES:
        return [Evidence("exif", f"The EXIF block ({len(blocks.exif) // 1000} KB) is larger than "
                                 f"{limits.MAX_EXIF_BYTES // 1000} KB: not read.")]
    try:
        make, model, software, comment = _tags(blocks.exif)
    except Exception as error:  # noqa: BLE001  Pillow raises several kinds on corrupt EXIF
        return [Evidence("exif", f"The EXIF block is corrupt ({type(error).__name__}): not read.")]
    generator = settings_generator(comment) if comment else None
    settings = [Evidence("exif", f"The EXIF user comment carries the generation settings of {generator}: "
                                 "it was made by an AI image generator.", AI_GENERATED,
                         {"generator": generator, "keys": ["UserComment"]})] if generator else []
    return settings + _camera(make, model, software)


def _camera(make: str | None, model: str | None, software: str | None) -> list[Evidence]:
    details = {"make": make, "model": model, "software": software}
    if make or model:
        camera = model if make and model and model.lower().startswith(make.lower()) else " ".join(filter(None, (make, model)))
        also = f"; software: {software}" if software else ""
        article = "an" if camera[:1].lower() in "aeio" else "a"  # "an Apple iPhone", "a Canon", "a Unihertz"
        return [Evidence("exif", f"EXIF says it was taken with {article} {camera} camera{also}.", CAMERA, details)]
    if software:
        return [Evidence("exif", f"EXIF names the software that last saved it: {software}.", NONE, details)]
    return []


def _tags(data: bytes) -> tuple[str | None, str | None, str | None, str | None]:
    from PIL import Image

    exif = Image.Exif()
    with pillow_warnings_ignored():
        exif.load(data)
        comment = exif.get_ifd(EXIF_IFD).get(USER_COMMENT)
        make, model, software = (_text(exif.get(tag)) for tag in (MAKE, MODEL, SOFTWARE))
        return make, model, software, _comment(comment)


def _comment(value: object) -> str | None:
    """An EXIF UserComment: an 8-byte character code, then the text (UTF-16 for UNICODE, in
    either byte order), cut to the PNG text limit."""
    if isinstance(value, str):
        return value[: limits.MAX_TEXT_BYTES]
    if not isinstance(value, bytes) or len(value) <= 8:
        return None
    code, text = value[:8], value[8 : 8 + limits.MAX_TEXT_BYTES]
    if code.startswith(b"UNICODE"):
        big_endian = text[:64:2].count(0) >= text[1:64:2].count(0)
        return text.decode("utf-16-be" if big_endian else "utf-16-le", "replace")
    return text.decode("utf-8" if not code.startswith(b"ASCII") else "ascii", "replace")


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("latin-1", "replace")
    if not isinstance(value, str):
        return None
    value = value.replace("\x00", "").strip()
    return value[: limits.MAX_VALUE_CHARS] or None
