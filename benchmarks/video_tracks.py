"""Where the tracker's appearance check should split: distances between face crops of one video
and of different videos.

    python benchmarks/video_tracks.py [--data ../shared/data/ffpp-c23-faces] [--pairs 3000]

Each FaceForensics++ crop (``crops.csv``: about 12 to 24 frames of each video) is cut as the model
sees it (:func:`deforgify.faces.preprocess.preprocess`, largest face) and reduced to the tracker's
signature (:func:`deforgify.video.tracks.signature`). Printed: percentiles of the distance
between two frames of the same video (real or fake) and between frames of two different
videos' people, and the share of each above :data:`deforgify.video.tracks.MAX_APPEARANCE_DISTANCE`
(same-video pairs above it are tracks wrongly split; different-video pairs below it are cuts
from one face to another that the position check alone must catch), and the share of each within
:data:`deforgify.video.tracks.MAX_RETURN_DISTANCE` and nearby limits (same-video pairs within it
are a person back after a gap counted once; different-video pairs within it, two people
counted as one).
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402

from deforgify.cli.argtypes import first_paragraph, number, run_command
from deforgify.decode.images import load_rgb  # noqa: E402
from deforgify.faces.preprocess import PreprocessConfig, preprocess  # noqa: E402
from deforgify.video.tracks import (MAX_APPEARANCE_DISTANCE, MAX_RETURN_DISTANCE, appearance_distance,  # noqa: E402
                                    signature)


def thumbnail(pixels: np.ndarray) -> np.ndarray:
    """A candidate second signature: the crop in grey at 24x24, zero mean, unit norm."""
    grey = cv2.resize(cv2.cvtColor((pixels * 255).astype(np.uint8), cv2.COLOR_RGB2GRAY), (24, 24),
                      interpolation=cv2.INTER_AREA).astype(np.float64).ravel()
    grey -= grey.mean()
    return grey / (np.linalg.norm(grey) + 1e-9)


def both(a, b) -> tuple[float, float]:
    return appearance_distance(a[0], b[0]), 1.0 - float(a[1] @ b[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=first_paragraph(__doc__))
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared/data/ffpp-c23-faces")
    parser.add_argument("--pairs", type=number(int, at_least=1), default=3000)
    args = parser.parse_args()
    if not (args.data / "crops.csv").is_file():
        print(f"no {args.data}/crops.csv")
        return 2
    with open(args.data / "crops.csv") as rows:
        crops = list(csv.DictReader(rows))
    by_video = defaultdict(list)
    config = PreprocessConfig()
    for row in crops:
        rgb = load_rgb(args.data / row["label"] / row["file"])
        pixels = preprocess(rgb, config).pixels
        by_video[(row["label"], row["video"])].append((signature(pixels), thumbnail(pixels)))
    rng = np.random.default_rng(0)
    videos = list(by_video)
    same, other = [], []
    while len(same) < args.pairs:
        looks = by_video[videos[rng.integers(len(videos))]]
        if len(looks) > 1:
            i, j = rng.choice(len(looks), 2, replace=False)
            same.append(both(looks[i], looks[j]))
    while len(other) < args.pairs:
        a, b = rng.choice(len(videos), 2, replace=False)
        if videos[a][1][:3] == videos[b][1][:3]:
            continue  # a fake made from that same original shows the same person and scene
        other.append(both(by_video[videos[a]][0], by_video[videos[b]][0]))
    print(f"{len(crops)} crops of {len(videos)} videos; threshold {MAX_APPEARANCE_DISTANCE}")
    same, other = np.array(same), np.array(other)
    for column, what in ((0, "colour histogram (Bhattacharyya)"), (1, "grey 24x24 thumbnail (1 - correlation)")):
        print(what)
        for name, values in (("  same video", same[:, column]), ("  different people", other[:, column])):
            p = np.percentile(values, [5, 25, 50, 75, 95, 99])
            print(f"{name:<20} p5 {p[0]:.3f} p25 {p[1]:.3f} median {p[2]:.3f} p75 {p[3]:.3f} p95 {p[4]:.3f} "
                  f"p99 {p[5]:.3f}; above {MAX_APPEARANCE_DISTANCE}: {np.mean(values > MAX_APPEARANCE_DISTANCE):.1%}")
    for limit in (0.2, 0.3, 0.4, 0.5):
        split_same = np.mean((same[:, 0] > MAX_APPEARANCE_DISTANCE) | (same[:, 1] > limit))
        split_other = np.mean((other[:, 0] > MAX_APPEARANCE_DISTANCE) | (other[:, 1] > limit))
        print(f"histogram over {MAX_APPEARANCE_DISTANCE} or thumbnail over {limit}: same video split "
              f"{split_same:.1%}, different people split {split_other:.1%}")
    for limit in sorted({0.2, 0.25, 0.3, MAX_RETURN_DISTANCE}):
        print(f"a face back after a gap rejoins a track within {limit}{' (in use)' * (limit == MAX_RETURN_DISTANCE)}: "
              f"same video {np.mean(same[:, 0] <= limit):.1%}, different people {np.mean(other[:, 0] <= limit):.1%}")
    return 0


if __name__ == "__main__":
    run_command(main)
