"""Small faces in large photos: how many the face search finds, with and without its closer look.

    nice -n 19 python benchmarks/small_faces.py [--data ../shared/data/utkface-real] [--faces 40]

Real faces (the first --faces photos of --data whose face is found, cropped around the face) are
shrunk so that the face box is W pixels wide and pasted into face-free photos (scikit-image's,
enlarged to --side pixels on the longer side), each face into a different background and place.
For each W it prints the share of faces found by the plain search and with the closer look
(``deforgify.faces.finding.CLOSER_LOOK_LEVELS``): found means a face box overlapping the pasted one by
intersection over union >= 0.3. Then the face-free photos alone at 800, 1400 and 2048 px: false
faces each way and the closer look's cost (median milliseconds per photo). Last, one person
with a --large px face (found by the first search) pasted into each face-free photo, a face cut
close or a whole upper body, searched the way a photo is (closer beside the faces found) and with
the closer look only when none is found: the faces found beside it (all false: the backgrounds
have none), those of them the check of which way up a face is keeps (``kept``:
``deforgify.faces.finding.upright`` drops a face it cannot find again; a photo's faces under a third of
its largest are left out after that, which this does not count) and the cost.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from deforgify.cli.argtypes import first_paragraph, number, run_command
from deforgify.decode.images import load_rgb  # noqa: E402
from deforgify.faces.finding import find_faces, overlap, upright  # noqa: E402
from training.leave_one_out import DATA  # noqa: E402

WIDTHS = (30, 40, 50, 60, 80, 100, 150)
BACKGROUNDS = ("coffee", "chelsea", "rocket", "immunohistochemistry", "retina", "colorwheel", "moon",
               "brick", "grass", "gravel", "horse", "logo", "hubble_deep_field", "cell", "coins", "text")
"""scikit-image photos with no face (of people)."""


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=first_paragraph(__doc__))
    parser.add_argument("--data", type=Path, default=DATA / "utkface-real", help="a folder of face photos")
    parser.add_argument("--faces", type=number(int, at_least=1), default=40, help="how many faces to paste")
    parser.add_argument("--side", type=number(int, at_least=32), default=2048, help="the backgrounds' longer side in pixels")
    parser.add_argument("--large", type=number(int, at_least=1), default=160, help="the face width of the person pasted in the last part")
    return parser.parse_args()


def backgrounds(side: int) -> dict[str, np.ndarray]:
    from skimage import data

    photos = {}
    for name in BACKGROUNDS:
        image = getattr(data, name)()
        image = np.stack([image] * 3, -1) if image.ndim == 2 else image[..., :3]
        if image.dtype != np.uint8:  # a mask (bool) or float image
            image = (255 * (image.astype(np.float64) / max(image.max(), 1))).astype(np.uint8)
        height, width = image.shape[:2]
        scale = side / max(height, width)
        photos[name] = cv2.resize(image, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_CUBIC)
    return photos


def face_photos(folder: Path, count: int) -> list[tuple[np.ndarray, tuple[int, int, int, int]]]:
    """Photos with the face found, each cut to twice its face box around it."""
    if not folder.is_dir():
        raise SystemExit(f"error: {folder} is not a folder of face photos (--data)")
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png")):
        rgb = load_rgb(path)
        faces = find_faces(rgb)
        if faces:
            x, y, w, h = faces[0].box
            left, top = max(0, x - w // 2), max(0, y - h // 2)
            found.append((rgb[top : y + h + h // 2, left : x + w + w // 2], (x - left, y - top, w, h)))
        if len(found) == count:
            break
    return found


def pasted(photo: np.ndarray, face, background: np.ndarray, width: int, rng: np.random.Generator):
    """``photo`` shrunk so that its face is ``width`` px wide, pasted at a random place; the
    composite and the face's box in it."""
    scale = width / face[2]
    small = cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    canvas = background.copy()
    top = int(rng.integers(0, canvas.shape[0] - small.shape[0]))
    left = int(rng.integers(0, canvas.shape[1] - small.shape[1]))
    canvas[top : top + small.shape[0], left : left + small.shape[1]] = small
    return canvas, tuple(round(v * scale) + o for v, o in zip(face, (left, top, 0, 0)))


def main() -> int:
    args = parse_arguments()
    photos, scenes = face_photos(args.data, args.faces), backgrounds(args.side)
    names, rng = list(scenes), np.random.default_rng(0)
    print(f"{len(photos)} faces from {args.data}, pasted into {len(scenes)} face-free photos "
          f"({args.side} px on the longer side)\n{'width':>6} {'found':>7} {'closer look':>12}")
    for width in WIDTHS:
        hits = np.zeros(2)
        for i, (photo, face) in enumerate(photos):
            canvas, box = pasted(photo, face, scenes[names[i % len(names)]], width, rng)
            for j, closer in enumerate((False, True)):
                found = np.array([f.box for f in find_faces(canvas, closer)], np.float64).reshape(-1, 4)
                hits[j] += bool(np.any(overlap(np.array(box, np.float64), found) >= 0.3))
        print(f"{width:>6} {hits[0] / len(photos):>7.0%} {hits[1] / len(photos):>12.0%}")
    print(f"\nface-free photos\n{'side':>6} {'false faces':>12} {'closer look':>12} {'ms closer look':>15}")
    for side in (800, 1400, 2048):
        false, times = np.zeros(2), []
        for scene in backgrounds(side).values():
            false[0] += len(find_faces(scene))
            started = time.perf_counter()
            false[1] += len(find_faces(scene, True))
            times.append(1000 * (time.perf_counter() - started))
        print(f"{side:>6} {int(false[0]):>12} {int(false[1]):>12} {statistics.median(times):>15.0f}")
    beside_a_large_face(photos, args.large, rng)
    return 0


def beside_a_large_face(photos: list, width: int, rng: np.random.Generator) -> None:
    """False faces found beside a real one: each way of searching, per background size; with a
    face cut close (a --data photo) and with a whole upper body (scikit-image's astronaut and
    cameraman), whose clothes give a closer look more to mistake."""
    from skimage import data

    people = [("face crops", photo) for photo in photos[:16]]
    people += [("upper bodies", load_rgb(getattr(data, name)())) for name in ("astronaut", "camera") for _ in range(8)]
    print(f"\none person per face-free photo, face {width} px wide: false faces found beside it (photos with any)\n"
          f"{'side':>6} {'pasted':>13} {'closer if none':>15} {'closer beside':>15} {'kept':>15} {'ms if none':>11} "
          f"{'ms beside':>10}")
    for side in (1400, 2048):
        scenes = list(backgrounds(side).values())
        for kind in ("face crops", "upper bodies"):
            false, photos_with, times = np.zeros(3, int), np.zeros(3, int), ([], [])
            chosen = [(p, s) for (k, p), s in zip(people, scenes * 2) if k == kind]
            for person, scene in chosen:
                photo, face = person if kind == "face crops" else (person, find_faces(person)[0].box)
                if max(photo.shape[:2]) * width / face[2] >= 0.9 * min(scene.shape[:2]):
                    continue  # does not fit this background
                canvas, box = pasted(photo, face, scene, width, rng)
                for j, beside in enumerate((False, True)):
                    started = time.perf_counter()
                    found = find_faces(canvas, True, beside)
                    times[j].append(1000 * (time.perf_counter() - started))
                    boxes = np.array([f.box for f in found], np.float64).reshape(-1, 4)
                    extra = [f for f, o in zip(found, overlap(np.array(box, np.float64), boxes)) if o < 0.3]
                    kept = sum(upright(canvas, f) is not None for f in extra) if beside else 0
                    for k, count in ((j, len(extra)), (2, kept)):
                        false[k] += count
                        photos_with[k] += count > 0
            print(f"{side:>6} {kind:>13} {false[0]:>8} ({photos_with[0]:>3}) {false[1]:>8} ({photos_with[1]:>3}) "
                  f"{false[2]:>8} ({photos_with[2]:>3}) "
                  f"{statistics.median(times[0]):>11.0f} {statistics.median(times[1]):>10.0f}   "
                  f"of {len(times[0])} photos")

if __name__ == "__main__":
    run_command(main)
