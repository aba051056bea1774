"""A corpus of odd and hostile inputs, made on the spot: each with the words its error must
contain, or None where a still photo that must be accepted hides behind the oddity."""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path
from typing import Callable, Optional

import numpy as np
from PIL import Image, PngImagePlugin

import deforgify.decode.heif  # noqa: F401  Pillow writes HEIC from here on

Maker = Callable[[Path], Path]


def _save(name: str, image: Image.Image, **options) -> Maker:
    def make(folder: Path) -> Path:
        image.save(folder / name, **options)
        return folder / name
    return make


def _bytes(name: str, data: bytes) -> Maker:
    def make(folder: Path) -> Path:
        (folder / name).write_bytes(data)
        return folder / name
    return make


def _encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def _corrupt_exif_avif() -> bytes:
    """An AVIF whose EXIF item's TIFF header is broken after it was written."""
    exif = Image.Exif()
    exif[0x010F] = "Canon"
    data = _encoded(_photo(), "AVIF", exif=exif.tobytes())
    at = data.index(b"MM\x00*")
    return data[:at] + b"XX\x00*" + data[at + 4 :]


def _photo(size: tuple[int, int] = (120, 90)) -> Image.Image:
    rng = np.random.default_rng(0)
    return Image.fromarray((rng.random((size[1], size[0], 3)) * 255).astype(np.uint8))


def _frames(count: int) -> list[Image.Image]:
    return [_photo((64, 64)).rotate(90 * i) for i in range(count)]


def _text_bomb_png() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "x" * 2_000_000, zip=True)
    return _encoded(_photo(), "PNG", pnginfo=info)


def _bad_crc_png() -> bytes:
    data = bytearray(_encoded(_photo(), "PNG"))
    data[29] ^= 0xFF  # inside the IHDR chunk's CRC
    return bytes(data)


def _empty_idat_png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    header = struct.pack(">IIBBBBB", 64, 64, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"") + chunk(b"IEND", b"")


def _corrupt_exif_jpeg() -> bytes:
    data = _encoded(_photo(), "JPEG", exif=b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x05\xff\xff")
    return data


def _fifo(folder: Path) -> Path:
    path = folder / "pipe.jpg"
    os.mkfifo(path)
    return path


def _sparse(folder: Path) -> Path:
    path = folder / "sparse.jpg"
    with path.open("wb") as handle:
        handle.truncate(101_000_000)
    return path


def _symlink_to_folder(folder: Path) -> Path:
    (folder / "a-folder").mkdir(exist_ok=True)
    (folder / "link.jpg").symlink_to(folder / "a-folder")
    return folder / "link.jpg"


def _device(folder: Path) -> Path:
    return Path("/dev/null")


def _missing(folder: Path) -> Path:
    return folder / "missing.jpg"


def _exif_rotated() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 8
    return _encoded(_photo(), "JPEG", exif=exif)


photo = _photo()
jpeg = _encoded(photo, "JPEG", quality=90)
png = _encoded(photo, "PNG")

CORPUS: dict[str, tuple[Maker, Optional[str]]] = {
    "empty file": (_bytes("empty.jpg", b""), "the file is empty"),
    "text file": (_bytes("notes.jpg", b"this is not an image"), "not an image file"),
    "random bytes": (_bytes("noise.png", np.random.default_rng(1).bytes(5000)), "not an image file"),
    "pdf": (_bytes("doc.jpg", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"), "not an image file"),
    "svg": (_bytes("drawing.png", b'<svg xmlns="http://www.w3.org/2000/svg"/>'), "not an image file"),
    "html": (_bytes("page.jpg", b"<html><body>hello</body></html>"), "not an image file"),
    "truncated jpeg": (_bytes("cut.jpg", jpeg[: len(jpeg) // 3]), "truncated or corrupt"),
    "jpeg header only": (_bytes("head.jpg", jpeg[:200]), "truncated or corrupt"),
    "truncated png": (_bytes("cut.png", png[: len(png) // 2]), "truncated or corrupt"),
    "png with a bad checksum": (_bytes("crc.png", _bad_crc_png()), "corrupt"),
    "png with empty image data": (_bytes("idat.png", _empty_idat_png()), "corrupt"),
    "png text-chunk bomb": (_bytes("comment.png", _text_bomb_png()), "corrupt"),
    "40000x32 strip": (_save("wide.png", Image.new("RGB", (40000, 32))), "wrong aspect ratio"),
    "32x4000 strip": (_save("tall.png", Image.new("RGB", (32, 4000))), "wrong aspect ratio"),
    "10x10": (_save("tiny.png", Image.new("RGB", (10, 10))), "image too small"),
    "1x1": (_save("pixel.png", Image.new("RGB", (1, 1))), "image too small"),
    "over the pixel limit": (_save("bomb.png", Image.new("1", (9000, 9000))), "image too large"),
    "pixel bomb (Pillow's limit)": (_save("bomb2.png", Image.new("1", (20000, 20000))), "image too large"),
    "file over the size limit": (_sparse, "file too large"),
    "animated gif": (_save("anim.gif", _frames(2)[0], save_all=True, append_images=_frames(2)[1:]),
                     "animated image with 2 frames"),
    "animated webp": (_save("anim.webp", _frames(3)[0], save_all=True, append_images=_frames(3)[1:]),
                      "animated image with 3 frames"),
    "animated png": (_save("anim.png", _frames(2)[0], save_all=True, append_images=_frames(2)[1:]),
                     "animated image with 2 frames"),
    "animated avif": (_save("anim.avif", _frames(2)[0], save_all=True, append_images=_frames(2)[1:]),
                      "animated image with 2 frames"),
    "video named .jpg": (_bytes("clip.jpg", b"\x00\x00\x00\x1cftypisom\x00\x00\x02\x00isomiso2mp41" + bytes(300)),
                         "check it as a video"),
    "sound named .png": (_bytes("song.png", b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(300)), "it is a sound file"),
    # libavif checks the EXIF block as it decodes: a corrupt one loses the picture
    "avif with a corrupt exif block": (_bytes("exif.avif", _corrupt_exif_avif()), "truncated or corrupt"),
    "heic with a corrupt header": (_bytes("broken.heic", _encoded(photo, "HEIF")[:64]), "the HEIC file is corrupt"),
    "multi-page tiff": (_save("pages.tif", _frames(2)[0], save_all=True, append_images=_frames(2)[1:]),
                        "multi-page TIFF with 2 pages"),
    "named pipe": (_fifo, "not a regular file"),
    "device file": (_device, "not a regular file"),
    "folder": (lambda folder: folder, "is a folder"),
    "link to a folder": (_symlink_to_folder, "is a folder"),
    "missing file": (_missing, "no such file"),
    # Odd but valid: a picture must come out.
    "corrupt exif": (_bytes("exif.jpg", _corrupt_exif_jpeg()), None),
    "exif rotated": (_bytes("rotated.jpg", _exif_rotated()), None),
    "still gif": (_save("still.gif", photo), None),
    "bmp": (_save("photo.bmp", photo), None),
    "tiff": (_save("photo.tif", photo), None),
    "webp": (_save("photo.webp", photo), None),
    "heic": (_save("photo.heic", photo, format="HEIF", quality=90), None),
    "avif": (_save("photo.avif", photo, quality=80), None),
    "ico": (_save("photo.ico", photo.resize((64, 64))), None),
    "jpeg named .png": (_bytes("really-a-jpeg.png", jpeg), None),
    "cmyk jpeg": (_save("cmyk.jpg", photo.convert("CMYK")), None),
    "16-bit grey png": (_save("grey16.png", Image.fromarray((np.asarray(photo.convert("L"), np.uint16) * 257))), None),
    "transparent png": (_save("clear.png", Image.new("RGBA", (80, 80), (0, 0, 0, 0))), None),
    "palette png with transparency": (_save("palette.png", photo.convert("P"), transparency=0), None),
    "grey with alpha": (_save("la.png", photo.convert("LA")), None),
    "20:1 panorama": (_save("panorama.jpg", Image.new("RGB", (1280, 64), (90, 90, 90))), None),
    "large jpeg": (_save("large.jpg", photo.resize((6000, 4500))), None),
}

CODES = {"empty file": "empty_file", "40000x32 strip": "wrong_aspect_ratio", "32x4000 strip": "wrong_aspect_ratio",
         "10x10": "too_small", "1x1": "too_small", "over the pixel limit": "too_large",
         "pixel bomb (Pillow's limit)": "too_large", "file over the size limit": "too_large",
         "video named .jpg": "video_not_photo", "missing file": "not_found",
         **{kind: "animated_image" for kind in CORPUS if kind.startswith("animated")}}
"""The error code a refused file of the corpus gets (written out, not derived from its message);
any other refused one is "unreadable"."""


def expected_code(kind: str) -> str:
    return CODES.get(kind, "unreadable")
