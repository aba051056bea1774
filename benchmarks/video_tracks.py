"""Where the tracker's appearance check should split: distances between face crops of one video
and of different videos.

    python benchmarks/video_tracks.py [--data ../shared/data/ffpp-c23-faces] [--pairs 3000]

Each FaceForensics++ crop (``crops.csv``: about 12 to 24 frames of each video) is cut as the model
sees it (:func:`deforgify.preprocess.preprocess`, largest face) and reduced to the tracker's
signature (:func:`deforgify.video.tracks.signature`). Printed: percentiles of the distance
between two frames of the same video (real or fake) and between frames of two different
videos' people, and the share of each above :data:`deforgify.video.tracks.MAX_APPEARANCE_DISTANCE`
(same-video pairs above it are tracks wrongly split; different-video pairs below it are cuts
from one face to another that the position check alone must catch).
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

from deforgify.decode import load_rgb  # noqa: E402
from deforgify.preprocess import PreprocessConfig, preprocess  # noqa: E402
from deforgify.video.tracks import MAX_APPEARANCE_DISTANCE, appearance_distance, signature  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared/data/ffpp-c23-faces")
    parser.add_argument("--pairs", type=int, default=3000)
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
        by_video[(row["label"], row["video"])].append(signature(preprocess(rgb, config).pixels))
    rng = np.random.default_rng(0)
    videos = list(by_video)
    same, other = [], []
    while len(same) < args.pairs:
        looks = by_video[videos[rng.integers(len(videos))]]
        if len(looks) > 1:
            i, j = rng.choice(len(looks), 2, replace=False)
            same.append(appearance_distance(looks[i], looks[j]))
    while len(other) < args.pairs:
        a, b = rng.choice(len(videos), 2, replace=False)
        if videos[a][1][:3] == videos[b][1][:3]:
            continue  # a fake made from that same original shows the same person and scene
        other.append(appearance_distance(by_video[videos[a]][0], by_video[videos[b]][0]))
    print(f"{len(crops)} crops of {len(videos)} videos; threshold {MAX_APPEARANCE_DISTANCE}")
    for name, values in (("same video", same), ("different people", other)):
        p = np.percentile(values, [5, 25, 50, 75, 95, 99])
        print(f"{name:<18} p5 {p[0]:.3f} p25 {p[1]:.3f} median {p[2]:.3f} p75 {p[3]:.3f} p95 {p[4]:.3f} "
              f"p99 {p[5]:.3f}; above threshold {np.mean(np.array(values) > MAX_APPEARANCE_DISTANCE):.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
