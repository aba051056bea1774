"""Turn anything a user can hand us into one RGB uint8 array.

Every entry point (training, CLI, app) decodes through :func:`load_image` (or :func:`load_rgb`,
its pixels alone), so colour order, EXIF orientation, transparency and odd pixel formats are
handled in exactly one place.
"""

from __future__ import annotations

import inspect
import io
import os
import re
import stat
import threading
from pathlib import Path
from typing import IO, TYPE_CHECKING, BinaryIO, NamedTuple, Optional, Union, cast, overload

import numpy as np
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

import deforgify.decode.heif  # noqa: F401  Pillow reads HEIC from here on
from deforgify.decode.formats import image_format, media_container
from deforgify.quiet import pillow_warnings_ignored
from deforgify.refusals import Coded

if TYPE_CHECKING:
    from PIL.JpegImagePlugin import JpegImageFile

ImageInput = Union[str, os.PathLike, bytes, bytearray, memoryview, BinaryIO, Image.Image, np.ndarray]

MAX_PIXELS = 40_000_000
"""Images with more pixels than this are refused before decoding (decompression bombs). A PNG
or TIFF is decoded whole: at 4 bytes a pixel (RGBA, CMYK) the largest accepted one peaks at
about 320 MB before it is reduced (see :data:`WORKING_MAX_SIDE`); measured 395 MB at 49 MP.
WebP and JPEGs get their own limits (:func:`_pixel_limit`)."""
MAX_JPEG_PIXELS = 150_000_000
"""Baseline JPEGs in one scan are decoded straight at a reduced scale (draft mode), so a 150 MP
photo costs about as much as a 10 MP one; Pillow itself refuses anything over 179 MP. A JPEG in
several scans (progressive, or a baseline one with a scan per channel) holds its whole picture's
coefficients while it decodes (a 1.7 MB progressive 149 MP JPEG peaked at 889 MB, in one scan
161 MB): it gets MAX_PIXELS (see :func:`_in_one_scan`)."""
MAX_WEBP_PIXELS = 20_000_000
"""libwebp decodes with copies beside Pillow's: a 40 MP lossless WebP of 1.7 KB peaked at 630 MB,
so WebP gets less than MAX_PIXELS (309 MB measured at this limit)."""
MAX_HEIF_PIXELS = 50_000_000
"""Phones store their largest photos as HEIF: an iPhone's 48 MP (8064x6048) and a 50 MP one
(8160x6120) were refused at MAX_PIXELS; decoded whole, the 50 MP one added 348 MB."""
MAX_FILE_BYTES = 100_000_000
"""Files larger than this are refused before they are read."""
MAX_ASPECT_RATIO = 20.0
"""Images longer than this many times their width (or the reverse) are refused: no photo of a
face is a 20:1 strip, and reduced for the model such a strip would be a few pixels thin."""
MIN_SIDE = 32
"""Images smaller than this on either side carry too little detail to judge."""
WORKING_MAX_SIDE = 2048
"""Larger images are reduced to this on the longer side; the model looks at a small face crop."""


class InvalidImageError(Coded, ValueError):
    """The input cannot be read as a single still image we can judge (``code``: why, for programs)."""


class NotAnImageSourceError(InvalidImageError, TypeError):
    """The input is of no type an image is read from (an int, a list, a generator): a TypeError, as
    Python raises for a wrong argument, and a refusal like the others for whoever catches those
    (a dataset's odd cell is a row's error, not a crash)."""


class AnimatedImageError(InvalidImageError):
    """The input is an animated picture (a GIF, APNG, WebP or AVIF of several frames): checked
    as a video (:func:`deforgify.video.judge.score_video`), not as a photo."""

    def __init__(self, frames: int) -> None:
        super().__init__(f"animated image with {frames} frames: only a still photo can be checked as a photo; "
                         "check it as a video")
        self.frames = frames

    def __reduce__(self) -> tuple[type, tuple[int]]:  # made again from its frame count, as a pool's worker sends it
        return AnimatedImageError, (self.frames,)


def load_rgb(source: ImageInput) -> np.ndarray:
    """Decode ``source`` to an RGB ``uint8`` array of shape (H, W, 3), upright, and reduced as
    every photo is judged: a longer side over :data:`WORKING_MAX_SIDE` (2048 px) is brought down
    to it, so what is found in the array (``Detector.predict_rgb``'s boxes) is in the reduced
    copy's pixels. :func:`load_image` gives the scale and the photo's own size with the pixels
    (``Detector.predict`` gives boxes in the photo's pixels).

    Accepts a path, encoded bytes, a PIL image or a numpy array (arrays are taken as RGB or
    RGBA, grey if 2-D). Raises :class:`InvalidImageError` with a message meant for the user.
    """
    return load_image(source)[0]


class Decoded(NamedTuple):
    """A decoded photo (:func:`load_image`)."""

    rgb: np.ndarray
    scale: float
    """The array's pixels per pixel of the photo: 1.0 unless it was reduced (longer side over
    WORKING_MAX_SIDE), so that what is found in the array can be told in the photo's pixels."""
    size: tuple[int, int]
    """The photo's own width and height, upright (the frame its boxes are given in)."""
    opacity: Optional[np.ndarray] = None
    """The photo's alpha channel in the array's pixels (uint8, 255 opaque), where any of it is
    see-through (then ``rgb`` shows it over white); None for an opaque photo. A face seen
    through it is not judged (:mod:`deforgify.faces.transparency`)."""


def load_image(source: ImageInput) -> Decoded:
    """:func:`load_rgb`, with the photo's own size and the scale from its pixels to the array's."""
    return _load(source, draft=True)


def load_pixels(source: ImageInput) -> np.ndarray:
    """The pixels :func:`load_image` judges, before any transparency is shown over white: RGB, or
    RGBA where some of it is see-through (what a report keeps, so that it is judged again alike)."""
    pixels, _ = _decoded_pixels(source, draft=True)
    return np.ascontiguousarray(pixels[:, :, :3]) if _opaque(pixels) else pixels


def _load(source: ImageInput, draft: bool) -> Decoded:
    """:func:`load_image`; ``draft`` lets a large JPEG file be decoded at a reduced scale (never
    a caller's PIL image: drafting changes the image it is done on)."""
    pixels, size = _decoded_pixels(source, draft)
    rgb, opacity = _over_white(pixels)
    return Decoded(rgb, max(rgb.shape[:2]) / max(*size, 1), size, opacity)


def _decoded_pixels(source: ImageInput, draft: bool) -> tuple[np.ndarray, tuple[int, int]]:
    """The pixels of ``source`` (RGB or RGBA, upright, checked and reduced to be judged) and the
    photo's own size (see :func:`_load`)."""
    if source is None:
        raise InvalidImageError("no image (the upload or dataset cell is empty)")
    source = _read_stream(source)
    if isinstance(source, np.ndarray):
        pixels = _array_to_pixels(source)
        size = (pixels.shape[1], pixels.shape[0])
    elif isinstance(source, Image.Image):
        pixels, size = _callers_pil_to_pixels(source)
    elif isinstance(source, (bytes, bytearray, memoryview, str, os.PathLike)):
        data = _read_file(_path(source)) if isinstance(source, (str, os.PathLike)) else bytes(source)
        pixels, size = _pil_to_pixels(_open_bytes(data), draft)
    else:
        kind = type(source).__name__
        raise NotAnImageSourceError(f"cannot read an image from {'an' if kind[0] in 'aeiouAEIOU' else 'a'} {kind}: "
                                    "give a file's path, its bytes, a binary file object, a PIL image or an array")
    return _limit_side(_check_size(pixels)), size


@overload
def read_bytes(source: Union[str, os.PathLike, bytes, bytearray, memoryview]) -> bytes: ...


@overload
def read_bytes(source: ImageInput) -> bytes | None: ...


def read_bytes(source: ImageInput) -> bytes | None:
    """The encoded bytes of a path or of bytes, as stored (with every refusal :func:`load_rgb`
    makes of a path: missing, a folder, a pipe, too large); None for a decoded image (a PIL image
    or an array), which has no file behind it. Read once, they can be both decoded and searched
    for provenance."""
    source = _read_stream(source)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    if isinstance(source, (str, os.PathLike)):
        return _read_file(_path(source))
    return None


def file_behind(image: ImageInput, rgb: np.ndarray) -> bytes | None:
    """The stored bytes of the file a PIL image was opened from by its path (``Image.open(path)``
    keeps the name), when that file decodes to ``rgb``, the pixels judged of the image: what it
    declares of its origin is then the image's own (a Stable Diffusion PNG handed over as a PIL
    image was answered by its pixels alone). None for anything else: an array, a PIL image made
    in memory, converted, resized or edited, one opened from a file object, a file since
    replaced, torn or gone."""
    if not isinstance(image, Image.Image):
        return None
    name = getattr(image, "filename", None)
    if not name or not isinstance(name, (str, os.PathLike)):
        return None
    try:
        data = _read_file(_path(name))
        return data if np.array_equal(_load(data, draft=False)[0], rgb) else None  # decoded as the image was
    except InvalidImageError:  # a file that cannot be read back declares nothing for the image
        return None


def _read_stream(source: ImageInput) -> ImageInput:
    """The bytes of a file object opened for reading in binary (an upload a web framework hands
    over, ``io.BytesIO``, an open file, a pipe), from where it stands to its end, at most the file
    size limit and one byte more (so that a larger one is refused as such); anything else as it is."""
    if not callable(getattr(source, "read", None)) or isinstance(source, Image.Image):
        return source
    stream = cast(BinaryIO, source)  # it has a read(): a file object
    start = _position(stream)
    data = _read_to_end(stream, MAX_FILE_BYTES + 1)
    if not data and start:  # "the file is empty" said of a file read before
        raise InvalidImageError("the file object is at its end (read before?): seek(0) first, or give the "
                                "file's path")
    if start and not _identified(data):
        raise InvalidImageError(f"the file object was read from byte {start}, not from its start, and what "
                                "follows is no image: seek(0) first, or give the file's path")
    return data


def _identified(data: bytes) -> bool:
    """Whether ``data`` begins as a file Pillow (or a video container) knows, by its header only."""
    if media_container(data[:512]) is not None:
        return True  # refused later, as a video or a sound
    try:
        with pillow_warnings_ignored():
            Image.open(io.BytesIO(data)).close()
    except Exception:  # noqa: BLE001  Pillow's parsers raise many kinds on what is not theirs
        return False
    return True


TEXT_STREAM = "the file object gives text: open the file in binary mode ('rb')"


def _read_to_end(stream: BinaryIO, limit: int) -> bytes:
    """Up to ``limit`` bytes: an unbuffered stream (a pipe, a socket) gives what it has at each
    read, so it is read until it ends."""
    if isinstance(stream, io.TextIOBase):  # its read decoded a photo's bytes as UTF-8 and said so
        raise InvalidImageError(TEXT_STREAM)
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        try:
            chunk = stream.read(limit - size)
        except (OSError, ValueError) as error:  # closed, or not open for reading
            raise InvalidImageError(f"cannot read the file object: {error}") from None
        if inspect.isawaitable(chunk):
            getattr(chunk, "close", lambda: None)()  # not awaited: closed, so that Python does not warn of it
            raise InvalidImageError("the file object reads asynchronously (a Starlette or FastAPI UploadFile?): "
                                    "give its .file, or the bytes of await upload.read()")
        if chunk is None:
            raise InvalidImageError("the file object has no data to give now (a non-blocking stream): read its "
                                    "bytes first")
        if not isinstance(chunk, (bytes, bytearray, memoryview)):
            raise InvalidImageError(TEXT_STREAM)
        if not chunk:
            break
        chunks.append(bytes(chunk))
        size += len(chunk)
    return b"".join(chunks)


def _position(stream: BinaryIO) -> int:
    """Where a file object stands (0 when it cannot tell)."""
    try:
        return stream.tell()
    except (OSError, ValueError, AttributeError):
        return 0


URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://|^(https?|ftp|s3|gs|hf):/")
"""A URL given for a file's name (the second form a URL made into a Path, which keeps one slash)."""


def _path(source: str | os.PathLike) -> Path:
    """A file's path, refused in words when it cannot be one: a URL (nothing is fetched) or a
    name holding a NUL character (a bare ValueError escaped ``except InvalidImageError``)."""
    name = os.fspath(source)
    if not str(name).strip():
        raise InvalidImageError("an empty file name: give the photo's path")  # Path("") is the folder "."
    if isinstance(name, str) and URL.match(name):
        raise InvalidImageError(f"{name} is a URL: nothing is fetched; download the file and give its path or bytes")
    if "\0" in str(name):
        raise InvalidImageError(f"{name!r} cannot be a file's name: it holds a NUL character")
    return Path(name)


def _hint(name: str) -> str:
    """Why a name that is no file may have been given: standard input is not read (a pipe could
    hold anything), and a pattern no file matched reaches the program as it was typed."""
    if name == "-":
        return " (standard input is not read: give the photo's path; a list of paths: deforgify scan --files-from -)"
    if any(character in name for character in "*?["):
        return " (a pattern no file matches: the shell passed it on as typed)"
    return ""


def regular_file_size(path: Path, error: type[Exception] = InvalidImageError, kind: str = "an image") -> int:
    """The size of ``path`` if it is a regular file; anything else (missing, a folder, a pipe,
    device or socket) raises ``error`` with the reason, unopened: reading a pipe could wait
    forever."""
    try:
        status = path.stat()
    except FileNotFoundError:
        raise error(f"no such file: {path}{_hint(str(path))}") from None
    except OSError as problem:
        raise error(f"cannot read {path}: {problem.strerror or problem}") from None
    if stat.S_ISDIR(status.st_mode):
        raise error(f"{path} is a folder, not {kind} file")
    if not stat.S_ISREG(status.st_mode):
        raise error(f"{path} is not a regular file (a pipe, device or socket)")
    return status.st_size


def _read_file(path: Path) -> bytes:
    """The bytes of a regular file (:func:`regular_file_size`)."""
    _check_file_size(regular_file_size(path))
    try:
        return path.read_bytes()
    except OSError as error:
        raise InvalidImageError(f"cannot read {path}: {error.strerror or error}") from None


def _check_file_size(size: int) -> None:
    if size > MAX_FILE_BYTES:
        raise InvalidImageError(f"file too large: {size / 1e6:.0f} MB (limit {MAX_FILE_BYTES // 1_000_000} MB)")


def _open_bytes(data: bytes) -> Image.Image:
    if not data:
        raise InvalidImageError("the file is empty")
    _check_file_size(len(data))
    try:
        with pillow_warnings_ignored():
            return Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        kind = image_format(data)
        if kind:
            raise InvalidImageError(f"the {kind} file is corrupt (its header cannot be read)") from None
        container = media_container(data[:512])
        if container == "audio":
            raise InvalidImageError("not an image file: it is a sound file") from None
        if container:
            raise InvalidImageError(f"not an image file: it is a video ({container}); check it as a video") from None
        raise InvalidImageError("not an image file (or an image format we cannot read)") from None
    except Image.DecompressionBombError as error:
        pixels = re.search(r"\d+", str(error))  # Pillow: "Image size (N pixels) exceeds ..."
        size = f"{int(pixels.group()) // 1_000_000} megapixels" if pixels else "too many pixels"
        raise InvalidImageError(
            f"image too large: {size} (limit {MAX_PIXELS // 1_000_000} megapixels)"
        ) from None
    except Exception as error:  # noqa: BLE001  Pillow's parsers raise many kinds on bad headers
        raise _corrupt(error) from None


def _describe(error: Exception) -> str:
    return str(error).split("\n")[0][:200] or type(error).__name__


def _corrupt(error: Exception) -> InvalidImageError:
    """The decoder's complaint in words: Pillow's "image file is truncated (2 bytes not processed)"
    counts only the bytes of the last block, however much of the file is missing."""
    detail = _describe(error)
    if detail.startswith(("image file is truncated", "Truncated File Read")):  # Pillow's two wordings
        detail = "its data ends before the picture does"
    elif detail == "could not create decoder object":  # libwebp's, on a cut or damaged WebP
        detail = "its picture data cannot be decoded"
    return InvalidImageError(f"the image file is truncated or corrupt: {detail}")


JPEG_FORMATS = ("JPEG", "MPO")
"""Pillow's names for a JPEG file: an MPO is a JPEG whose primary image is followed by others."""
PRIMARY_IMAGE_FORMATS = ("HEIF", "MPO")
"""Files whose other images are extras, read as their primary image, the one viewers show: a
HEIF's (a burst, a depth map), an MPO's (a camera's JPEG with a stereo pair's other image or a
large preview after it; such photos were refused as "multi-page")."""


def _pixel_limit(image: Image.Image, draft: bool) -> tuple[int, str]:
    """The most pixels this kind of file may have, and its kind's words for the message; a JPEG
    decoded whole (a caller's PIL image) has MAX_PIXELS."""
    if image.format in JPEG_FORMATS and not draft:
        return MAX_PIXELS, " for a JPEG given as a PIL image: its path or bytes is read reduced"
    if image.format in JPEG_FORMATS and _in_one_scan(image):
        return MAX_JPEG_PIXELS, " for a JPEG"
    if image.format in JPEG_FORMATS:
        return MAX_PIXELS, " for a JPEG in several scans"
    if image.format == "WEBP":
        return MAX_WEBP_PIXELS, " for a WebP"
    if image.format == "HEIF":
        return MAX_HEIF_PIXELS, " for a HEIC or HEIF"
    return MAX_PIXELS, ""


def _in_one_scan(image: Image.Image) -> bool:
    """Whether a JPEG's first scan carries all its channels: only then does libjpeg decode it a
    strip at a time. A progressive JPEG, or a baseline one whose channels come in scans of their
    own, holds every coefficient of the picture first (1.7 MB at 144-149 MP peaked at 860-889 MB).
    Reads the header's segments up to the first scan; anything unexpected counts as several."""
    if image.info.get("progressive"):
        return False
    jpeg = cast("JpegImageFile", image)  # its format is JPEG: Pillow's JPEG reader made it
    file: Optional[IO[bytes]] = jpeg.fp  # an image opened here, from bytes or a path, has its file
    if file is None:
        return False
    where = file.tell()
    try:
        file.seek(2)
        while True:
            marker = file.read(2)
            if len(marker) < 2 or marker[0] != 0xFF:
                return False
            if marker[1] == 0xFF:  # fill byte
                file.seek(-1, os.SEEK_CUR)
            elif not (marker[1] == 0x01 or 0xD0 <= marker[1] <= 0xD7):  # those have no length
                length = int.from_bytes(file.read(2), "big")
                if marker[1] == 0xDA:  # start of scan: its channel count first
                    return file.read(1) == bytes([jpeg.layers])
                file.seek(length - 2, os.SEEK_CUR)
    except (OSError, ValueError, AttributeError):
        return False
    finally:
        file.seek(where)


_CALLERS_IMAGES = threading.Lock()
"""Held while a PIL image given by a caller is decoded: one shared by threads was read by each
at once from its one file, and came out "corrupt" or as a picture without a face."""


def _callers_pil_to_pixels(image: Image.Image) -> tuple[np.ndarray, tuple[int, int]]:
    """A caller's PIL image decoded, by one thread at a time, and left as it was given (no draft)."""
    with _CALLERS_IMAGES:
        if _closed_unread(image):
            raise InvalidImageError("the PIL image's file was closed before its pixels were read: call "
                                    "image.load() before closing it, or give the file's path")
        return _pil_to_pixels(image, draft=False)


def _closed_unread(image: Image.Image) -> bool:
    """Whether a PIL image has no pixels (not loaded, or closed) and no open file to read them
    from: closed by ``with``, ``close()``, or the file object it was opened from closed."""
    file = getattr(image, "fp", None)
    pixels = getattr(image, "_im", None)  # None until loaded; close() leaves a DeferredError in its place
    loaded = pixels is not None and type(pixels).__name__ != "DeferredError"
    return not loaded and (file is None or getattr(file, "closed", False))


def _pil_to_pixels(image: Image.Image, draft: bool) -> tuple[np.ndarray, tuple[int, int]]:
    """The image's pixels, upright, as RGB or RGBA (:func:`_to_eight_bit_mode`; reduced when
    large), and its own size upright."""
    width, height = image.size
    from_file = image.format is not None  # before it is reduced or turned: copies have no format
    limit, kind = _pixel_limit(image, draft)
    if width * height > limit:
        raise InvalidImageError(
            f"image too large: {width}x{height} pixels, {width * height // 1_000_000} megapixels "
            f"(limit {limit // 1_000_000} megapixels{kind})"
        )
    check_shape(width, height)
    frames = getattr(image, "n_frames", 1)
    if frames > 1 and image.format not in PRIMARY_IMAGE_FORMATS:
        if image.format == "TIFF":
            raise InvalidImageError(f"multi-page TIFF with {frames} pages: only a still photo can be checked; save "
                                    "the page with the face as a file of its own, then check that")
        raise AnimatedImageError(frames)
    if image.format in JPEG_FORMATS and draft:
        # Decode large JPEGs at a reduced scale straight away: cheap, and all we use.
        image.draft("RGB", (WORKING_MAX_SIDE, WORKING_MAX_SIDE))
    try:
        image.load()
        image = _reduce(image)
        with pillow_warnings_ignored():  # reading the orientation warns of a corrupt EXIF block
            image, sideways = _upright(image)
        pixels = np.asarray(_to_eight_bit_mode(image, from_file), dtype=np.uint8)
        return pixels, (height, width) if sideways else (width, height)
    except InvalidImageError:
        raise
    except Exception as error:  # noqa: BLE001  decoders raise many kinds on bad data
        raise _corrupt(error) from None


def _reduce(image: Image.Image) -> Image.Image:
    """Shrink a decoded image whose longer side exceeds WORKING_MAX_SIDE by an integer factor,
    before any copy is made of it (keeps a request's memory bounded). Box-averaged where
    Pillow can; palette, 1-bit and 16-bit images take every n-th pixel instead."""
    factor = max(image.size) // WORKING_MAX_SIDE
    if factor < 2:
        return image
    try:
        return image.reduce(factor)
    except ValueError:  # "image has wrong mode"
        size = (max(1, image.width // factor), max(1, image.height // factor))
        return image.resize(size, Image.Resampling.NEAREST)


SIDEWAYS = (5, 6, 7, 8)
"""EXIF orientations that turn the stored picture by a quarter: its width becomes its height."""


def _upright(image: Image.Image) -> tuple[Image.Image, bool]:
    """Apply the EXIF orientation, and whether that turned it sideways; a corrupt EXIF block
    leaves the image as stored."""
    try:
        sideways = image.getexif().get(ExifTags.Base.Orientation, 1) in SIDEWAYS  # as exif_transpose reads it
        return ImageOps.exif_transpose(image), sideways
    except Exception:  # noqa: BLE001  a broken EXIF block must not lose the picture
        return image, False


def _to_eight_bit_mode(image: Image.Image, from_file: bool) -> Image.Image:
    """Convert any PIL mode to RGB, or RGBA where it has transparency (:func:`_has_alpha`; a
    colour key only ``from_file``): 16/32-bit scaled to 8-bit."""
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):  # scaled as an array's values are
        grey = np.clip(_to_eight_bit_scale(np.asarray(image)), 0, 255).round().astype(np.uint8)
        return Image.fromarray(grey, mode="L").convert("RGB")
    if _has_alpha(image, from_file):
        return (image.convert("LA") if image.mode == "La" else image).convert("RGBA")  # Pillow has no La to RGBA
    return image.convert("RGB")


def shown_over_white(image: Image.Image) -> tuple[np.ndarray, Optional[np.ndarray]]:
    """A PIL image's pixels as RGB uint8, any transparency shown over white, and its alpha channel
    where some of it is see-through (an animated picture's frame, as a photo's: see :class:`Decoded`)."""
    return _over_white(np.asarray(_to_eight_bit_mode(image, image.format is not None), dtype=np.uint8))


def _over_white(pixels: np.ndarray) -> tuple[np.ndarray, Optional[np.ndarray]]:
    """RGB pixels, those of an RGBA array shown over white, and its alpha channel where any of
    it is see-through (see :attr:`Decoded.opacity`)."""
    if _opaque(pixels):
        return np.ascontiguousarray(pixels[:, :, :3]), None
    background = Image.new("RGBA", (pixels.shape[1], pixels.shape[0]), (255, 255, 255, 255))
    shown = Image.alpha_composite(background, Image.fromarray(pixels, mode="RGBA")).convert("RGB")
    return np.asarray(shown, dtype=np.uint8), np.ascontiguousarray(pixels[:, :, 3])


def _opaque(pixels: np.ndarray) -> bool:
    """Whether RGB or RGBA pixels are see-through nowhere."""
    return pixels.shape[2] == 3 or bool(pixels[:, :, 3].min() == 255)


def _has_alpha(image: Image.Image, from_file: bool) -> bool:
    """Whether the image can be see-through: an alpha channel, a palette entry marked transparent
    (a GIF's transparent index, a PNG's tRNS chunk), or an 8-bit colour or grey level the tRNS
    chunk of the file it was read ``from_file`` marks so. Not a colour key an image converted in
    memory carries: Pillow's P to RGB keeps the transparent entry's colour as one, and opaque
    pixels of that colour were shown white."""
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        return True
    keyed = image.mode == "P" or (image.mode in ("RGB", "L") and from_file)
    return keyed and "transparency" in image.info


def _array_to_pixels(array: np.ndarray) -> np.ndarray:
    """An array given as an image, as RGB or RGBA uint8 (refused in words when it is not one)."""
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
        raise InvalidImageError(
            f"an image array must be HxW, HxWx3 or HxWx4; got shape {array.shape}"
        )
    array = np.clip(_to_eight_bit_scale(array), 0, 255).astype(np.uint8)
    if array.ndim == 2:
        return np.repeat(array[:, :, None], 3, axis=2)
    return np.ascontiguousarray(array)


FLOAT_UNIT_MAX = 1.5
"""Float arrays whose values reach at most this are taken as 0 to 1: resizing (cubic, Lanczos)
overshoots 1 a little, and such an array read as 0 to 255 was a black photo, "no face". Read as
0 to 1, a 0-255 array this dark is black either way."""
EIGHT_BIT_MAX = 306
"""Integer arrays whose values reach at most this (255 and a fifth) are 8-bit, overshoot clipped;
beyond, 16-bit (an 8-bit photo brightened in int32 was read as 16-bit, black). Floats beyond it
are refused."""
UNDERSHOOT = 0.25
"""How far below 0 values may dip, as a share of the largest (resizing dips as it overshoots);
a normalised tensor (-1 to 1, or ImageNet's -2.1 to 2.6) goes further and is refused."""
ARRAY_VALUES = "give RGB(A) uint8 values, floats from 0 to 1 or from 0 to 255, or 16-bit integers"


def _to_eight_bit_scale(array: np.ndarray) -> np.ndarray:
    """The array's values on the 0-255 scale (not yet clipped nor cast): floats from 0 to 1
    (see :data:`FLOAT_UNIT_MAX`) or 0 to 255, integers from 0 to 255 (:data:`EIGHT_BIT_MAX`) or
    0 to 65535 whatever their type, booleans black and white; anything else is refused, never
    guessed into a wrong picture."""
    if array.dtype == np.bool_:  # a 1-bit picture, as Pillow's mode "1" (it was read as 0 and 1 of 255: black)
        return array * np.uint8(255)
    floating = np.issubdtype(array.dtype, np.floating)
    if not (floating or np.issubdtype(array.dtype, np.integer)):
        raise InvalidImageError(f"an image array of {array.dtype} values: {ARRAY_VALUES}")
    if floating and not np.isfinite(array).all():
        raise InvalidImageError(f"an image array holding NaN or infinite values: {ARRAY_VALUES}")
    low, high = (array.min().item(), array.max().item()) if array.size else (0, 0)
    if low < -UNDERSHOOT * high or low < 0 and high <= 0:
        raise InvalidImageError(f"an image array with values from {_number(low)} to {_number(high)} (a normalised "
                                f"tensor?): {ARRAY_VALUES}")
    if floating and high > EIGHT_BIT_MAX or not floating and high > 65535:
        raise InvalidImageError(f"an image array with values up to {_number(high)}: {ARRAY_VALUES}")
    if floating:
        return array * 255.0 if high <= FLOAT_UNIT_MAX else array
    return (array.astype(np.float64) / 257.0).round() if high > EIGHT_BIT_MAX else array


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _limit_side(pixels: np.ndarray) -> np.ndarray:
    """RGB or RGBA pixels reduced to WORKING_MAX_SIDE (Pillow weighs RGBA's colours by their alpha)."""
    height, width = pixels.shape[:2]
    longest = max(height, width)
    if longest <= WORKING_MAX_SIDE:
        return pixels
    scale = WORKING_MAX_SIDE / longest
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return np.asarray(Image.fromarray(pixels).resize(size, Image.Resampling.BOX), dtype=np.uint8)


def _check_size(pixels: np.ndarray) -> np.ndarray:
    height, width = pixels.shape[:2]
    check_shape(width, height)
    return pixels


def check_shape(width: int, height: int) -> None:
    """Refuse a picture too small to hold a face we can judge, or a strip (InvalidImageError)."""
    if min(height, width) < MIN_SIDE:
        raise InvalidImageError(
            f"image too small: {width}x{height} pixels (need at least {MIN_SIDE}x{MIN_SIDE})"
        )
    if max(width, height) > MAX_ASPECT_RATIO * min(width, height):
        raise InvalidImageError(
            f"wrong aspect ratio: {width}x{height} pixels is a strip, not a photo "
            f"(at most {MAX_ASPECT_RATIO:.0f}:1)"
        )
