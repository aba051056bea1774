"""Where the metadata is: one bounded walk over a JPEG's segments, a PNG's chunks or a WebP's
chunks, collecting XMP packets, the EXIF block, PNG text chunks and where a C2PA manifest store
(JUMBF) is embedded. Pixel data is skipped, never decoded. Other formats get a generic search for
an XMP packet, HEIC and AVIF their EXIF item as Pillow finds it; the C2PA library detects their
manifests itself.
"""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass, field
from typing import Iterator, Optional

from PIL import Image

import deforgify.decode.heif  # noqa: F401  Pillow reads HEIC from here on
from deforgify.decode.formats import image_format
from deforgify.provenance import limits
from deforgify.quiet import pillow_warnings_ignored

XMP_JPEG_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
EXIF_HEADER = b"Exif\x00\x00"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
XMP_PNG_KEY = "XML:com.adobe.xmp"
MIME_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WebP": "image/webp", "TIFF": "image/tiff",
              "GIF": "image/gif", "HEIF": "image/heif", "AVIF": "image/avif"}


@dataclass
class Blocks:
    """The metadata blocks of one file, and what was left unread (with why)."""

    format: Optional[str] = None
    xmp: list[bytes] = field(default_factory=list)
    exif: Optional[bytes] = None
    texts: list[tuple[str, str]] = field(default_factory=list)
    """PNG text chunks (key, text), decompressed, within the limits."""
    c2pa_bytes: int = 0
    """Bytes of embedded C2PA manifest store (JUMBF) found by the walk; 0 when none."""
    skipped: dict[str, list[str]] = field(default_factory=dict)
    """By evidence kind ("xmp", "png_text", "exif", "c2pa"): what was not read, and why."""
    text_budget: int = limits.MAX_TOTAL_TEXT_BYTES

    @property
    def mime_type(self) -> Optional[str]:
        return MIME_TYPES.get(self.format or "")

    def skip(self, kind: str, why: str) -> None:
        notes = self.skipped.setdefault(kind, [])
        if why not in notes and len(notes) < limits.MAX_VALUES:
            notes.append(why)


def find_blocks(data: bytes) -> Blocks:
    """The metadata blocks of ``data`` (the file's bytes); never raises."""
    if data.startswith(b"\xff\xd8\xff"):
        blocks = Blocks("JPEG")
        _walk_jpeg(data, blocks)
    elif data.startswith(PNG_SIGNATURE):
        blocks = Blocks("PNG")
        _walk_png(data, blocks)
    elif data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        blocks = Blocks("WebP")
        _walk_webp(data, blocks)
    else:
        blocks = Blocks(_other_format(data))
        _search_xmp(data, blocks)
        if blocks.format in ("HEIF", "AVIF"):
            _add_item_exif(data, blocks)
    return blocks


OTHER_FORMATS = {"TIFF": "TIFF", "GIF": "GIF", "HEIC": "HEIF", "HEIF": "HEIF", "HEIF sequence": "HEIF",
                 "AVIF": "AVIF", "AVIF sequence": "AVIF"}
"""The formats (of :func:`deforgify.decode.formats.image_format`) the C2PA library is told of by MIME type."""


def _other_format(data: bytes) -> Optional[str]:
    return OTHER_FORMATS.get(image_format(data) or "")


def _too_many(blocks: Blocks, count: int, kind: str, what: str) -> bool:
    """Whether the walk has reached its limit (and then say so, under ``kind``)."""
    if count <= limits.MAX_CONTAINER_BLOCKS:
        return False
    blocks.skip(kind, f"the file has more than {limits.MAX_CONTAINER_BLOCKS} {what}; the rest was not read")
    return True


def _walk_jpeg(data: bytes, blocks: Blocks) -> None:
    position, count = 2, 0
    while position + 4 <= len(data):
        count += 1
        if _too_many(blocks, count, "xmp", "JPEG segments"):
            return
        if data[position] != 0xFF:
            return  # not at a marker: a malformed file; the decoder says what it makes of it
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            position += 2
            continue
        if marker in (0xDA, 0xD9):  # start of scan, end of image: metadata comes before
            return
        length = struct.unpack_from(">H", data, position + 2)[0]
        segment = data[position + 4 : position + 2 + length]
        position += 2 + length
        if marker == 0xE1 and segment.startswith(EXIF_HEADER) and blocks.exif is None:
            blocks.exif = segment[len(EXIF_HEADER):]
        elif marker == 0xE1 and segment.startswith(XMP_JPEG_HEADER):
            _add_xmp(blocks, segment[len(XMP_JPEG_HEADER):])
        elif marker == 0xEB and segment.startswith(b"JP"):  # JUMBF (C2PA) in APP11
            blocks.c2pa_bytes += len(segment)


def _counted(chunks: Iterator[tuple[bytes, bytes]], blocks: Blocks, kind: str, what: str
             ) -> Iterator[tuple[bytes, bytes]]:
    """``chunks`` up to the walk's limit (then said so, under ``kind``)."""
    for count, chunk in enumerate(chunks, 1):
        if _too_many(blocks, count, kind, what):
            return
        yield chunk


def _png_chunks(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    """(type, body) of each chunk: length, type, body, CRC."""
    position = len(PNG_SIGNATURE)
    while position + 8 <= len(data):
        length, kind = struct.unpack_from(">I4s", data, position)
        yield kind, data[position + 8 : position + 8 + length]
        position += 12 + length


def _webp_chunks(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    """(type, body) of each RIFF chunk: type, length, body padded to an even size."""
    position = 12
    while position + 8 <= len(data):
        kind, length = struct.unpack_from("<4sI", data, position)
        yield kind, data[position + 8 : position + 8 + length]
        position += 8 + length + (length & 1)


def _walk_png(data: bytes, blocks: Blocks) -> None:
    texts = 0
    for kind, body in _counted(_png_chunks(data), blocks, "png_text", "PNG chunks"):
        if kind == b"IEND":
            return
        if kind == b"caBX":
            blocks.c2pa_bytes += len(body)
        elif kind == b"eXIf" and blocks.exif is None:
            blocks.exif = body
        elif kind in (b"tEXt", b"zTXt", b"iTXt"):
            texts += 1
            if texts > limits.MAX_TEXT_CHUNKS:
                blocks.skip("png_text", f"more than {limits.MAX_TEXT_CHUNKS} text chunks; the rest were not read")
                continue
            _add_png_text(blocks, kind, body)


def _add_png_text(blocks: Blocks, kind: bytes, body: bytes) -> None:
    key, separator, rest = body.partition(b"\x00")
    name = key[:79].decode("latin-1", "replace")
    if not separator or not key:
        blocks.skip("png_text", f"a malformed {kind.decode()} chunk")
        return
    try:
        if kind == b"tEXt":
            text = _bounded(blocks, name, rest).decode("latin-1")
        elif kind == b"zTXt":
            text = _inflate(blocks, name, rest[1:]).decode("latin-1")
        else:  # iTXt: compressed flag, method, language\0, translated key\0, UTF-8 text
            compressed = rest[:1] == b"\x01"
            _language, _, rest = rest[2:].partition(b"\x00")
            _translated, _, rest = rest.partition(b"\x00")
            raw = _inflate(blocks, name, rest) if compressed else _bounded(blocks, name, rest)
            text = raw.decode("utf-8", "replace")
    except _Skipped:
        return
    if name == XMP_PNG_KEY:
        _add_xmp(blocks, text.encode("utf-8"))
    else:
        blocks.texts.append((name, text))


class _Skipped(Exception):
    pass


def _bounded(blocks: Blocks, name: str, raw: bytes) -> bytes:
    if len(raw) > min(limits.MAX_TEXT_BYTES, blocks.text_budget):
        blocks.skip("png_text", f"the text chunk {name!r} is larger than {limits.MAX_TEXT_BYTES // 1000} KB: not read")
        raise _Skipped
    blocks.text_budget -= len(raw)
    return raw


def _inflate(blocks: Blocks, name: str, compressed: bytes) -> bytes:
    """Decompress at most the text budget: a zlib bomb stops at the limit, unread."""
    limit = min(limits.MAX_TEXT_BYTES, blocks.text_budget)
    inflater = zlib.decompressobj()
    try:
        text = inflater.decompress(compressed, limit + 1)
    except zlib.error:
        blocks.skip("png_text", f"the compressed text chunk {name!r} is corrupt: not read")
        raise _Skipped from None
    if len(text) > limit:
        blocks.skip("png_text", f"the compressed text chunk {name!r} inflates to more than "
                                f"{limits.MAX_TEXT_BYTES // 1000} KB: not read")
        raise _Skipped
    blocks.text_budget -= len(text)
    return text


def _walk_webp(data: bytes, blocks: Blocks) -> None:
    for kind, body in _counted(_webp_chunks(data), blocks, "xmp", "WebP chunks"):
        if kind == b"EXIF" and blocks.exif is None:
            blocks.exif = body[len(EXIF_HEADER):] if body.startswith(EXIF_HEADER) else body
        elif kind == b"XMP ":
            _add_xmp(blocks, body)
        elif kind == b"C2PA":
            blocks.c2pa_bytes += len(body)


def _add_item_exif(data: bytes, blocks: Blocks) -> None:
    """A HEIF's or AVIF's EXIF item (where a phone writes its make and model), read by Pillow from
    the file's boxes without decoding its pixels."""
    try:
        with pillow_warnings_ignored():
            exif = Image.open(io.BytesIO(data)).info.get("exif")
    except Exception:  # noqa: BLE001  a file its reader cannot open has no EXIF to give
        return
    if exif:
        blocks.exif = exif[len(EXIF_HEADER):] if exif.startswith(EXIF_HEADER) else exif


def _search_xmp(data: bytes, blocks: Blocks) -> None:
    """An XMP packet anywhere in a file of another format (TIFF, GIF, HEIF...)."""
    start = data.find(b"<x:xmpmeta")
    if start < 0:
        return
    end = data.find(b"</x:xmpmeta>", start, start + limits.MAX_XMP_BYTES + 16)
    if end < 0:
        blocks.skip("xmp", f"an XMP packet without its end within {limits.MAX_XMP_BYTES // 1000} KB: not read")
        return
    _add_xmp(blocks, data[start : end + len(b"</x:xmpmeta>")])


def _add_xmp(blocks: Blocks, packet: bytes) -> None:
    if len(blocks.xmp) >= limits.MAX_XMP_PACKETS:
        blocks.skip("xmp", f"more than {limits.MAX_XMP_PACKETS} XMP packets; the rest were not read")
    elif len(packet) > min(limits.MAX_XMP_BYTES, blocks.text_budget):
        blocks.skip("xmp", f"an XMP packet of {len(packet) // 1000} KB, over the {limits.MAX_XMP_BYTES // 1000} KB "
                           "limit: not read")
    else:
        blocks.text_budget -= len(packet)
        blocks.xmp.append(packet)
