"""Decoding every kind of input a user can hand us into one RGB uint8 array."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from deforgify.decode.images import MIN_SIDE, WORKING_MAX_SIDE, InvalidImageError, load_image, load_rgb

from bad_inputs import CORPUS as BAD_CORPUS, expected_code

RED = (200, 30, 40)


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def assert_rgb(array: np.ndarray, shape: tuple[int, int]) -> None:
    assert array.dtype == np.uint8
    assert array.shape == (*shape, 3)


@pytest.fixture()
def red_png(tmp_path: Path) -> Path:
    path = tmp_path / "red.png"
    Image.new("RGB", (64, 48), RED).save(path)
    return path


def test_path_bytes_pil_and_array_give_the_same_pixels(red_png: Path) -> None:
    from_path = load_rgb(red_png)
    assert_rgb(from_path, (48, 64))
    assert tuple(from_path[0, 0]) == RED  # RGB order, not OpenCV's BGR
    for source in (str(red_png), red_png.read_bytes(), Image.open(red_png), from_path.copy()):
        np.testing.assert_array_equal(load_rgb(source), from_path)


def test_a_jpeg_pil_image_loaded_before_is_read_too(tmp_path: Path) -> None:
    """Pillow closes a JPEG's file once its pixels are loaded: reading the scan layout from it
    raised AttributeError ('NoneType' object has no attribute 'tell')."""
    path = tmp_path / "red.jpg"
    Image.new("RGB", (64, 48), RED).save(path, quality=95)
    loaded = Image.open(path)
    loaded.load()
    np.testing.assert_array_equal(load_rgb(loaded), load_rgb(path))


def test_exif_orientation_is_applied() -> None:
    image = Image.new("RGB", (80, 40), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 40, 40))  # left half red
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    rgb, scale, size, _ = load_image(encoded(image, "JPEG", exif=exif, quality=95))
    assert_rgb(rgb, (80, 40))  # portrait after rotation
    assert (scale, size) == (1.0, (40, 80))  # the photo's own size, upright as shown
    assert rgb[5, 20, 0] > 200 and rgb[5, 20, 2] < 60  # the red half is now on top


@pytest.mark.parametrize("fmt", ["HEIF", "AVIF"])
def test_heic_and_avif_photos_are_read_upright(fmt: str, astronaut: np.ndarray) -> None:
    """An iPhone's HEIC (and an AVIF), stored sideways with an EXIF orientation, read as the
    photo it shows, as a JPEG of it is."""
    upright = Image.fromarray(astronaut)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    sideways = upright.transpose(Image.Transpose.ROTATE_90)
    rgb = load_rgb(encoded(sideways, fmt, exif=exif.tobytes(), quality=90))
    assert_rgb(rgb, astronaut.shape[:2])
    assert np.abs(rgb.astype(int) - astronaut).mean() < 4


def test_a_heic_holding_several_images_is_read_as_its_primary_one(astronaut: np.ndarray) -> None:
    """A HEIF file may hold other images beside the photo (viewers show its primary one)."""
    import pillow_heif
    from skimage import data

    heif = pillow_heif.from_pillow(Image.fromarray(data.chelsea()))
    heif.add_from_pillow(Image.fromarray(astronaut))
    buffer = io.BytesIO()
    heif.save(buffer, quality=90, primary_index=1)
    rgb = load_rgb(buffer.getvalue())
    assert_rgb(rgb, astronaut.shape[:2])
    assert np.abs(rgb.astype(int) - astronaut).mean() < 4


def test_a_cameras_mpo_photo_is_read_as_its_primary_image(astronaut: np.ndarray) -> None:
    """A JPEG with a Multi-Picture index (a stereo camera's other eye, or a camera's large
    preview after the photo) is read as the photo every viewer shows; it was refused as a
    "multi-page MPO"."""
    buffer = io.BytesIO()
    Image.fromarray(astronaut).save(buffer, "MPO", save_all=True, quality=95,
                                    append_images=[Image.fromarray(astronaut[:, ::-1])])
    assert Image.open(io.BytesIO(buffer.getvalue())).n_frames == 2
    rgb = load_rgb(buffer.getvalue())
    assert_rgb(rgb, astronaut.shape[:2])
    assert np.abs(rgb.astype(int) - astronaut).mean() < 4  # the first image, not the mirrored second
    large = Image.fromarray(astronaut).resize((4096, 4096))
    buffer = io.BytesIO()
    large.save(buffer, "MPO", save_all=True, quality=90,
               append_images=[large.transpose(Image.Transpose.FLIP_LEFT_RIGHT)])
    rgb, scale, size, _ = load_image(buffer.getvalue())
    assert rgb.shape == (2048, 2048, 3) and scale == 0.5 and size == (4096, 4096)  # read reduced, as a JPEG is


@pytest.mark.parametrize(
    "image, expected",
    [
        (Image.new("L", (40, 40), 128), (128, 128, 128)),
        (Image.new("RGBA", (40, 40), (0, 0, 0, 0)), (255, 255, 255)),  # transparent: white
        (Image.new("RGBA", (40, 40), (*RED, 255)), RED),
        (Image.new("LA", (40, 40), (60, 255)), (60, 60, 60)),
        (Image.new("I;16", (40, 40), 65535), (255, 255, 255)),
        (Image.new("I", (40, 40), 32896), (128, 128, 128)),
        (Image.new("F", (40, 40), 77.0), (77, 77, 77)),
    ],
    ids=["grey", "rgba-transparent", "rgba-opaque", "la", "16-bit", "32-bit-int", "float"],
)
def test_odd_modes_become_rgb(image: Image.Image, expected: tuple[int, int, int]) -> None:
    rgb = load_rgb(image)
    assert_rgb(rgb, (40, 40))
    assert tuple(int(v) for v in rgb[10, 10]) == expected


def test_palette_image_with_transparency_goes_over_white() -> None:
    image = Image.new("P", (40, 40), 0)
    image.putpalette([*RED, 0, 0, 0] + [0] * 762)
    image.info["transparency"] = 1
    image.paste(1, (0, 0, 20, 40))
    rgb = load_rgb(encoded(image, "PNG", transparency=1))
    assert tuple(rgb[10, 5]) == (255, 255, 255)
    assert tuple(rgb[10, 30]) == RED


def test_sixteen_bit_png_file_is_scaled_to_eight_bits() -> None:
    ramp = (np.arange(64, dtype=np.uint16)[None, :] * 1024).repeat(64, axis=0)
    data = encoded(Image.fromarray(ramp), "PNG")
    rgb = load_rgb(data)
    assert_rgb(rgb, (64, 64))
    assert rgb[0, 0, 0] == 0 and rgb[0, 63, 0] == round(63 * 1024 / 257)


def test_cmyk_jpeg_becomes_rgb() -> None:
    cmyk = Image.new("CMYK", (48, 48), (0, 255, 255, 0))  # pure red in CMYK
    rgb = load_rgb(encoded(cmyk, "JPEG", quality=95))
    assert_rgb(rgb, (48, 48))
    red, green, blue = (int(v) for v in rgb[20, 20])
    assert red > 200 and green < 60 and blue < 60


@pytest.mark.parametrize(
    "array",
    [
        np.full((40, 40), 90, np.uint8),
        np.full((40, 40, 1), 90, np.uint8),
        np.full((40, 40, 3), 90 / 255, np.float32),
        np.full((40, 40, 3), 90, np.float64),
        np.full((40, 40, 3), 90 * 257, np.uint16),
        np.full((40, 40, 3), 90 * 257, np.int32),  # 16-bit values in a wider type: clipped to 255 before
        np.full((40, 40, 3), 90, np.uint16),  # 8-bit values in a wider type: divided by 257 before
        np.full((40, 40, 3), 90, np.int64),
        np.dstack([np.full((40, 40, 3), 90, np.uint8), np.full((40, 40), 255, np.uint8)]),
    ],
    ids=["grey", "grey-1-channel", "float", "float-255", "uint16", "int32-16-bit", "uint16-8-bit", "int64", "rgba"],
)
def test_arrays_of_any_layout(array: np.ndarray) -> None:
    rgb = load_rgb(array)
    assert_rgb(rgb, (40, 40))
    assert set(np.unique(rgb)) == {90}


def test_a_boolean_array_is_a_black_and_white_picture() -> None:
    """As Pillow reads a 1-bit image (scikit-image's horse is one): it was read as 0 and 1 of 255, black."""
    silhouette = np.zeros((40, 40), bool)
    silhouette[10:30, 10:30] = True
    rgb = load_rgb(silhouette)
    np.testing.assert_array_equal(rgb, np.asarray(Image.fromarray(silhouette).convert("RGB")))
    assert set(np.unique(rgb)) == {0, 255}


def test_a_resized_or_brightened_photo_overshooting_its_range_is_read_on_its_scale(astronaut: np.ndarray) -> None:
    """Cubic or Lanczos resizing of a 0-1 float photo gives values a little over 1 and under 0:
    read as 0 to 255, the photo was black, and its answer "no face"."""
    import cv2

    for interpolation in (cv2.INTER_CUBIC, cv2.INTER_LANCZOS4):
        resized = cv2.resize(astronaut / 255.0, (700, 700), interpolation=interpolation)
        assert resized.min() < 0 and 1.0 < resized.max() < 1.5  # it dips below 0 as well
        expected = np.clip(resized * 255, 0, 255).astype(np.uint8)
        np.testing.assert_array_equal(load_rgb(resized), expected)
        on_255 = cv2.resize(astronaut.astype(np.float32), (700, 700), interpolation=interpolation)
        assert on_255.min() < 0 and on_255.max() > 255
        np.testing.assert_array_equal(load_rgb(on_255), np.clip(on_255, 0, 255).astype(np.uint8))
    brightened = astronaut.astype(np.int32) + 30  # 8-bit values past 255: read as 16-bit, black, before
    np.testing.assert_array_equal(load_rgb(brightened), np.clip(brightened, 0, 255).astype(np.uint8))


def test_a_huge_valid_photo_is_reduced(tmp_path: Path) -> None:
    path = tmp_path / "big.jpg"
    Image.new("RGB", (6000, 4000), RED).save(path, quality=80)
    rgb, scale, size, _ = load_image(path)
    assert max(rgb.shape[:2]) <= WORKING_MAX_SIDE
    assert abs(rgb.shape[1] / rgb.shape[0] - 1.5) < 0.01
    assert size == (6000, 4000) and scale == max(rgb.shape[:2]) / 6000  # the photo's own, not the copy's
    sideways = tmp_path / "sideways.jpg"
    exif = Image.Exif()
    exif[0x0112] = 8
    Image.new("RGB", (6000, 4000), RED).save(sideways, quality=80, exif=exif)
    assert load_image(sideways).size == (4000, 6000)
    Image.new("RGB", (4096, 4095), RED).save(sideways, quality=80, exif=exif)  # its reduced copy is square
    assert load_image(sideways).size == (4095, 4096)


def test_truncated_jpeg_is_refused(astronaut: np.ndarray) -> None:
    data = encoded(Image.fromarray(astronaut), "JPEG", quality=90)
    with pytest.raises(InvalidImageError, match=r"^the image file is truncated or corrupt: its data ends before "
                                                 r"the picture does$"):  # not Pillow's "(2 bytes not processed)"
        load_rgb(data[: len(data) // 2])


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "BMP", "TIFF"])
@pytest.mark.parametrize("kept", [300, 0.5])
def test_a_cut_file_is_refused_in_our_words_not_the_decoders(astronaut: np.ndarray, fmt: str, kept) -> None:
    """Pillow's "Truncated File Read" and libwebp's "could not create decoder object" reached the
    app's error box (a visitor's walk)."""
    data = encoded(Image.fromarray(astronaut), fmt)
    with pytest.raises(InvalidImageError) as refused:
        load_rgb(data[: kept if isinstance(kept, int) else int(len(data) * kept)])
    assert str(refused.value).endswith(("its data ends before the picture does", "its picture data cannot be decoded",
                                        "file is corrupt (its header cannot be read)")), str(refused.value)


def test_decompression_bomb_is_refused_before_decoding() -> None:
    bomb = encoded(Image.new("1", (20000, 20000), 0), "PNG")
    assert len(bomb) < 1_000_000  # tiny on disk, 400 megapixels when decoded
    with pytest.raises(InvalidImageError, match="too large: 400 megapixels"):
        load_rgb(bomb)


def test_animated_gif_is_refused() -> None:
    frames = [Image.new("RGB", (40, 40), colour) for colour in (RED, (0, 0, 255))]
    data = encoded(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    with pytest.raises(InvalidImageError, match="animated image with 2 frames: only a still photo can be checked as a photo; check it as a video$"):
        load_rgb(data)


@pytest.mark.parametrize(
    "source, message",
    [
        (b"this is not an image", "not an image file"),
        (b"", "the file is empty"),
        (Path("/no/such/file.jpg"), "no such file"),
        (Path("/"), "is a folder"),
        (np.zeros((4, 40, 40)), "must be HxW"),
        (12, "cannot read an image from an int"),
        (np.full((40, 40, 3), -0.5), r"an image array with values from -0.5 to -0.5 \(a normalised tensor"),
        (np.linspace(-1, 1, 4800).reshape(40, 40, 3), r"values from -1 to 1 \(a normalised tensor\?\): give"),
        (np.linspace(-2.1, 2.6, 4800).reshape(40, 40, 3), r"values from -2.1 to 2.6 \(a normalised"),  # ImageNet's
        (np.full((40, 40, 3), -3, np.int32), r"values from -3 to -3 \("),
        (np.full((40, 40, 3), 1 + 2j), "an image array of complex128 values: give"),
        (np.full((40, 40, 3), np.nan), "an image array holding NaN or infinite values"),  # black before
        (np.full((40, 40, 3), 65535.0), "an image array with values up to 65535: give"),  # white before
        (np.full((40, 40, 3), 2**31 - 1, np.int64), "an image array with values up to 2147483647: give"),
        ("https://example.com/face.jpg", "https://example.com/face.jpg is a URL: nothing is fetched"),
        (Path("https://example.com/face.jpg"), "https:/example.com/face.jpg is a URL: nothing is fetched"),
        ("face\0.jpg", "holds a NUL character"),  # a bare ValueError before
        ("", "an empty file name: give the photo's path"),  # ". is a folder" before
    ],
)
def test_bad_input_gets_a_specific_error(source, message: str) -> None:
    with pytest.raises(InvalidImageError, match=message):
        load_rgb(source)


@pytest.mark.parametrize("source", [12, ["face.jpg"], {"path": "face.jpg"}, (b for b in b"GIF")])
def test_a_source_of_no_image_type_is_a_type_error_too(source) -> None:
    """An int or a list is a wrong argument: a TypeError, as Python's own; still a refusal for the
    batch paths that catch those, and saying what to give."""
    with pytest.raises(TypeError, match=r"cannot read an image from an? \w+: give a file's path, its bytes, a binary "
                                        "file object, a PIL image or an array$") as raised:
        load_rgb(source)
    assert isinstance(raised.value, InvalidImageError)


def test_image_over_the_pixel_limit_is_refused_with_its_size() -> None:
    data = encoded(Image.new("1", (12000, 11000), 0), "PNG")  # 132 MP: under Pillow's own limit
    with pytest.raises(InvalidImageError, match="too large: 12000x11000 pixels, 132 megapixels"):
        load_rgb(data)


def test_tiny_images_are_refused() -> None:
    with pytest.raises(InvalidImageError, match=r"too small: 1x1 pixels"):
        load_rgb(encoded(Image.new("RGB", (1, 1)), "PNG"))
    assert load_rgb(Image.new("RGB", (MIN_SIDE, MIN_SIDE))).shape == (MIN_SIDE, MIN_SIDE, 3)


@pytest.mark.parametrize("kind", list(BAD_CORPUS))
def test_every_odd_input_gets_a_specific_answer(kind: str, tmp_path: Path) -> None:
    make, message = BAD_CORPUS[kind]
    path = make(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a Pillow warning printed to a user is a failure too
        if message is None:
            rgb = load_rgb(path)
            assert rgb.dtype == np.uint8 and rgb.ndim == 3 and rgb.shape[2] == 3
            assert max(rgb.shape[:2]) <= WORKING_MAX_SIDE and min(rgb.shape[:2]) >= MIN_SIDE
        else:
            with pytest.raises(InvalidImageError, match=message) as refused:
                load_rgb(path)
            assert refused.value.code == expected_code(kind)  # the library's caller gets the code too


def test_a_150_megapixel_jpeg_is_decoded_reduced_within_400_mb(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "large.jpg"
    Image.new("RGB", (15000, 9900), (120, 90, 60)).save(path, quality=80)
    result = subprocess.run([sys.executable, "-c", MEASURE_PEAK, str(path)], capture_output=True, text=True,
                            timeout=120, cwd=Path(__file__).resolve().parent.parent)
    assert result.returncode == 0, result.stderr[-2000:]
    peak_mb, height, width = map(int, result.stdout.split())
    assert (width, height) == (2048, 1352) and peak_mb <= 400


def test_the_corpus_has_at_least_40_kinds() -> None:
    assert len(BAD_CORPUS) >= 40


MEASURE_PEAK = """
import re, sys
from deforgify.decode.images import load_rgb
peak = lambda: int(re.search(r"VmHWM:\\s+(\\d+) kB", open("/proc/self/status").read()).group(1))
data = open(sys.argv[1], "rb").read()
before = peak()
rgb = load_rgb(data)
print((peak() - before) // 1024, rgb.shape[0], rgb.shape[1])
"""
"""The peak memory a decode adds, in MB (VmHWM, not ru_maxrss: Linux carries ru_maxrss over from
the parent across fork and exec, so under a pytest process larger than the decode it measured 0)."""


@pytest.mark.parametrize("mode, size, suffix, options", [
    ("RGBA", (6320, 6320), "png", {}), ("RGB", (8000, 5000), "png", {}), ("I;16", (6320, 6320), "png", {}),
    ("P", (6320, 6320), "png", {}),
    ("RGB", (8000, 5000), "jpg", {"progressive": True}),  # 1.7 MB at 149 MP took 889 MB: limited to 40 MP
    ("RGBA", (4472, 4472), "webp", {"lossless": True}),  # 1.7 KB at 40 MP took 630 MB: limited to 20 MP
    ("RGB", (8160, 6120), "heic", {"quality": 50}),  # a 50 MP phone's HEIC (an iPhone's 48 MP was refused)
])
def test_the_largest_accepted_images_decode_within_400_mb(tmp_path: Path, mode: str, size: tuple[int, int],
                                                         suffix: str, options: dict) -> None:
    """Peak memory of decoding an image just under its pixel limit, in a fresh process."""
    import subprocess
    import sys

    from deforgify.decode.images import _pixel_limit

    path = tmp_path / f"large.{suffix}"
    Image.new(mode, size, 90).save(path, **options)
    with Image.open(path) as opened:
        assert size[0] * size[1] <= _pixel_limit(opened, draft=True)[0] < size[0] * size[1] * 1.1  # just under it
    result = subprocess.run([sys.executable, "-c", MEASURE_PEAK, str(path)], capture_output=True, text=True,
                            timeout=120, cwd=Path(__file__).resolve().parent.parent)
    assert result.returncode == 0, result.stderr[-2000:]
    peak_mb, height, width = map(int, result.stdout.split())
    assert max(height, width) <= WORKING_MAX_SIDE
    assert peak_mb <= 400, f"{mode} {size}: {peak_mb} MB"


def baseline_in_a_scan_per_channel(width: int, height: int) -> bytes:
    """A grey baseline JPEG (SOF0) whose three channels come in three scans of their own: one
    quantisation table, Huffman tables of a single code (DC difference 0, end of block)."""
    import struct

    def segment(marker: int, body: bytes) -> bytes:
        return struct.pack(">BBH", 0xFF, marker, len(body) + 2) + body

    one_code = bytes([1] + [0] * 15) + bytes([0])
    data = b"\xff\xd8" + segment(0xDB, bytes(1) + bytes([1] * 64))
    data += segment(0xC0, struct.pack(">BHHB", 8, height, width, 3) + b"".join(bytes([c, 0x11, 0]) for c in (1, 2, 3)))
    data += segment(0xC4, b"\x00" + one_code) + segment(0xC4, b"\x10" + one_code)
    blocks = ((width + 7) // 8) * ((height + 7) // 8)
    for channel in (1, 2, 3):
        data += segment(0xDA, bytes([1, channel, 0, 0, 63, 0])) + bytes((blocks * 2 + 7) // 8)
    return data + b"\xff\xd9"


def test_a_progressive_jpeg_and_a_webp_get_lower_pixel_limits_than_a_baseline_jpeg(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Decoded at a reduced scale, a baseline JPEG costs little whatever its size; a progressive
    one holds every coefficient, and libwebp copies its picture: theirs are the smaller limits."""
    from deforgify.decode import images as decode

    monkeypatch.setattr(decode, "MAX_PIXELS", 1_000_000)
    monkeypatch.setattr(decode, "MAX_WEBP_PIXELS", 500_000)
    picture = Image.new("RGB", (1200, 1000), (120, 80, 60))
    stored = {}
    for name, options in (("baseline", {"format": "JPEG"}), ("progressive", {"format": "JPEG", "progressive": True}),
                          ("webp", {"format": "WEBP"})):
        buffer = io.BytesIO()
        picture.save(buffer, **options)
        stored[name] = buffer.getvalue()
    assert load_rgb(stored["baseline"]).shape == (1000, 1200, 3)
    with pytest.raises(InvalidImageError, match=r"1 megapixels \(limit 1 megapixels for a JPEG in several scans\)"):
        load_rgb(stored["progressive"])
    with pytest.raises(InvalidImageError, match=r"for a JPEG in several scans\)"):
        load_rgb(baseline_in_a_scan_per_channel(1200, 1000))  # not progressive, yet buffered whole
    with pytest.raises(InvalidImageError, match=r"for a WebP\)"):
        load_rgb(stored["webp"])
