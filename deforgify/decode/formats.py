"""The format a file's first bytes announce, whatever its name says: an image format Deforgify
decodes, or a video or sound container. A JPEG named ``.mp4`` is a photo, an MP4 named ``.jpg`` a
clip, known before any decoding."""

from __future__ import annotations

from typing import Optional

SIGNATURES = {b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG", b"GIF8": "GIF",
              b"II*\x00": "TIFF", b"MM\x00*": "TIFF", b"BM": "BMP"}


HEIF_BRANDS = {b"heic": "HEIC", b"heix": "HEIC", b"heim": "HEIC", b"heis": "HEIC", b"mif1": "HEIF",
               b"avif": "AVIF", b"msf1": "HEIF sequence", b"hevc": "HEIF sequence", b"hevx": "HEIF sequence",
               b"avis": "AVIF sequence"}
"""The major brands of a HEIF picture's ``ftyp`` box (an image sequence may be animated); any
other ``ftyp`` file is a video or sound container (see :func:`media_container`)."""


def image_format(data: bytes) -> str | None:
    """The image format that the first bytes announce, if any."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WebP"
    if data[4:8] == b"ftyp":
        return HEIF_BRANDS.get(data[8:12])
    return next((kind for magic, kind in SIGNATURES.items() if data.startswith(magic)), None)


def media_container(head: bytes) -> Optional[str]:
    """The video or sound container the first bytes announce: "audio" for audio-only formats."""
    if head[4:8] == b"ftyp":
        return "audio" if head[8:11] in (b"M4A", b"M4B") else "MP4/MOV"
    if head[:2] in (b"\xff\xf1", b"\xff\xf9"):  # ADTS AAC
        return "audio"
    if head[:4] == b"\x1aE\xdf\xa3":
        return "WebM/Matroska"
    if head[:4] == b"RIFF":
        return "audio" if head[8:12] == b"WAVE" else "AVI" if head[8:12] == b"AVI " else None
    if head[:3] == b"ID3" or head[:4] in (b"fLaC", b"OggS") or head[:2] in (b"\xff\xfb", b"\xff\xf3"):
        return "audio" if head[:4] != b"OggS" else "Ogg"
    return None
