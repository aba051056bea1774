"""What reading provenance adds to judging a photo, in the library: the median time of
``read_provenance`` on a file's bytes, beside the median time of what every photo already costs
(decoding, face detection and cropping), for photos without metadata and for each kind of
provenance.

    python benchmarks/provenance_overhead.py [--photos 200] [--rounds 3]

The photos are real ones from ../shared/data (re-encoded there without metadata), and the same
photos given camera EXIF, an XMP digital source type, AUTOMATIC1111 settings in a PNG, or C2PA
Content Credentials signed by a throw-away CA (tests/provenance_files.py). The one-time import of
c2pa-python (on the first signed file a process meets) is timed apart.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from deforgify.cli.argtypes import first_paragraph, number, run_command
from deforgify.decode.images import load_rgb  # noqa: E402
from deforgify.faces.crops import face_crops  # noqa: E402
from deforgify.model.folder import read_config  # noqa: E402
from deforgify.model.source import bundled_source  # noqa: E402
from deforgify.provenance import read_provenance  # noqa: E402

import provenance_files as pf  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
SOURCES = ("utkface-real/real", "ffhq-vs-stylegan2/real", "hardfakevsrealfaces/real", "dfdc-faceswap/real",
           "diffusion-faces/real")


def photos(count: int) -> list[bytes]:
    files = [f for source in SOURCES for f in sorted((DATA / source).glob("*"))[: count // len(SOURCES) + 1]
             if f.suffix.lower() in (".jpg", ".jpeg", ".png")]
    if not files:
        from skimage import data

        print(f"no photos under {DATA}: using scikit-image's astronaut, {count} times", file=sys.stderr)
        return [pf.jpeg(data.astronaut())] * count
    return [f.read_bytes() for f in files[:count]]


def variants(originals: list[bytes]) -> dict[str, list[bytes]]:
    authority = pf.make_authority()
    rgbs = [load_rgb(data) for data in originals]
    return {
        "no metadata (as stored)": originals,
        "camera EXIF (JPEG)": [pf.jpeg(rgb, exif=pf.camera_exif()) for rgb in rgbs],
        "XMP digital source type (JPEG)": [pf.jpeg(rgb, xmp=pf.xmp_packet("trainedAlgorithmicMedia")) for rgb in rgbs],
        "AUTOMATIC1111 settings (PNG)": [pf.png(rgb, {"parameters": pf.A1111_PARAMETERS}) for rgb in rgbs],
        "C2PA, signed (JPEG)": [pf.sign(authority, "Test Generator", pf.jpeg(rgb), "create", "TRAINED_ALGORITHMIC_MEDIA")
                                for rgb in rgbs],
    }


def median_ms(call, items: list[bytes], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        for item in items:
            start = time.perf_counter()
            call(item)
            times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def import_ms() -> float:
    """The import of c2pa-python in a fresh process (this one already has it, from signing)."""
    code = "import time; t = time.perf_counter(); import c2pa; print((time.perf_counter() - t) * 1000)"
    return float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=first_paragraph(__doc__))
    parser.add_argument("--photos", type=number(int, at_least=1), default=200)
    parser.add_argument("--rounds", type=number(int, at_least=1), default=3)
    args = parser.parse_args()
    config = read_config(bundled_source().folder).preprocessing
    groups = variants(photos(args.photos))
    print(f"importing c2pa-python, once per process that meets a signed file: {import_ms():.0f} ms")
    print(f"{'photos':34} {'n':>4} {'provenance ms':>14} {'decode+faces ms':>16} {'added':>7}")
    for name, items in groups.items():
        provenance = median_ms(read_provenance, items, args.rounds)
        pixels = median_ms(lambda data: face_crops(load_rgb(data), config), items, 1)
        print(f"{name:34} {len(items):4d} {provenance:14.2f} {pixels:16.2f} {provenance / pixels:6.1%}")
    claims = {name: read_provenance(items[0]).claim for name, items in groups.items()}
    print("claims:", ", ".join(f"{k}: {v}" for k, v in claims.items()))


if __name__ == "__main__":
    run_command(main)
