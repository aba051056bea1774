"""How a face track's frame scores should combine into the track's score: measured.

    python benchmarks/video_combine.py [--model REF] [--length 8] [--draws 20]

Pseudo-tracks are built from FaceForensics++ (c23) face crops (``../shared/data/ffpp-c23-faces``,
see its SOURCE.md): every crop cut from one video (``crops.csv``: about 24 frames of each
original, 12 of each manipulated video) is one face followed through that video. Each crop is
scored by the model as a photo (calibrated fake probability, as a frame of a video is), then the
rules compared here (and the one in use, :mod:`deforgify.video.combine`'s: the median unless a
run of frames looked fake) turn each track's scores into one, and each rule is judged
by the AUC of real against fake tracks, the medians of its scores for real and fake tracks, how
many tracks it answers right at the model's threshold, and how many real tracks it puts at or
over the threshold ("over") and labels "fake" (the model's unsure band applied, as a track is
labelled).

Whole tracks (in time order), and tracks of ``--length`` frames drawn at random ``--draws`` times
from each video (a 4 to 32 s clip at 2 frames a second gives 8 to 64 frames). Also partly
swapped tracks, as when a face is swapped for only part of a shot: each manipulated video's
frames with the first half ("half swap") or first two thirds ("third") taken from its original at
the same frames; printed is the share of them each rule puts over the threshold and labels
"fake". Figures
are given for the videos of the model's test split (never seen in training) and for all videos
(most were in its training split: flattering, but they compare the rules on more tracks).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from deforgify.cli.argtypes import first_paragraph, number, run_command
from deforgify.decode.images import load_rgb  # noqa: E402
from deforgify.detector import Detector  # noqa: E402
from deforgify.video.combine import SUSTAINED_RUN, combine, judge_track  # noqa: E402

EPSILON = 1e-6


def mean(scores: Sequence[float]) -> float:
    return float(np.mean(scores))


def median(scores: Sequence[float]) -> float:
    return float(np.median(scores))


def top_quarter_mean(scores: Sequence[float]) -> float:
    """Mean of the most suspicious quarter of the frames (at least one)."""
    ordered = np.sort(np.asarray(scores, dtype=np.float64))[::-1]
    return float(ordered[: max(1, int(np.ceil(len(ordered) / 4)))].mean())


def top3_mean(scores: Sequence[float]) -> float:
    ordered = np.sort(np.asarray(scores, dtype=np.float64))[::-1]
    return float(ordered[:3].mean())


def logit_mean(scores: Sequence[float]) -> float:
    """The probability whose logit is the mean of the frames' logits (evidence adds up: a run of
    confident frames moves it further than their plain mean)."""
    p = np.clip(np.asarray(scores, dtype=np.float64), EPSILON, 1 - EPSILON)
    logit = float(np.mean(np.log(p) - np.log1p(-p)))
    return float(1.0 / (1.0 + np.exp(-logit)))


def maximum(scores: Sequence[float]) -> float:
    return float(np.max(scores))


WINDOW = 8
"""Frames in one window of :func:`windowed_median` (4 s at the default 2 frames a second)."""


def windowed_median(scores: Sequence[float]) -> float:
    """The highest median of :data:`WINDOW` consecutive frames (the plain median for a shorter
    track): a face swapped in only part of a shot is not outvoted by its untouched frames."""
    values = np.asarray(scores, dtype=np.float64)
    if len(values) <= WINDOW:
        return float(np.median(values))
    windows = np.lib.stride_tricks.sliding_window_view(values, WINDOW)
    return float(np.median(windows, axis=1).max())


RULES: dict[str, Callable[[Sequence[float]], float]] = {
    "mean": mean, "median": median, "top-25% mean": top_quarter_mean, "top-3 mean": top3_mean,
    "logit mean": logit_mean, "max": maximum, "windowed median": windowed_median,
}

DATA = ROOT.parent / "shared" / "data" / "ffpp-c23-faces"


def auc(real: np.ndarray, fake: np.ndarray) -> float:
    """Probability that a fake track scores above a real one (ties count half)."""
    real, fake = np.asarray(real), np.asarray(fake)
    greater = (fake[:, None] > real[None, :]).mean()
    ties = (fake[:, None] == real[None, :]).mean()
    return float(greater + ties / 2)


def drawn(rng: np.random.Generator, scores: np.ndarray, length: int) -> np.ndarray:
    """``length`` frames of a track drawn at random, kept in time order (runs are read in order)."""
    return scores[np.sort(rng.choice(len(scores), min(length, len(scores)), replace=False))]


def main() -> int:
    parser = argparse.ArgumentParser(description=first_paragraph(__doc__))
    parser.add_argument("--model", default=None)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--length", type=number(int, at_least=1), default=8)
    parser.add_argument("--draws", type=number(int, at_least=1), default=20)
    args = parser.parse_args()
    if not (args.data / "crops.csv").is_file():
        print(f"no {args.data}/crops.csv: this benchmark needs the shared FaceForensics++ crops")
        return 2
    detector = Detector.load(args.model)
    threshold = detector.config.calibration.threshold
    label_of = detector.config.calibration.label  # real, fake or unsure, as a track is labelled
    test_files = set()
    splits = detector.source.folder / "splits.json"
    if splits.is_file():
        test_files = {Path(e["file"]).name for e in json.loads(splits.read_text())["test"]
                      if Path(e["source"]).name == args.data.name}
    with open(args.data / "crops.csv") as rows:
        crops = list(csv.DictReader(rows))
    tracks: dict[tuple[str, str], list[str]] = defaultdict(list)
    frame_of = {}
    for row in sorted(crops, key=lambda r: int(r["frame"])):  # each track in time order
        tracks[(row["label"], row["video"])].append(row["file"])
        frame_of[(row["label"], row["video"], int(row["frame"]))] = row["file"]
    print(f"model: {detector.source.describe()}; {len(crops)} crops in {len(tracks)} videos; "
          f"threshold {threshold:.3f}", flush=True)
    scores: dict[tuple[str, str], np.ndarray] = {}
    by_file: dict[str, float] = {}
    for done, (key, files) in enumerate(sorted(tracks.items()), 1):
        images = [load_rgb(args.data / key[0] / name) for name in files]
        scores[key] = detector.fake_scores(images)
        by_file.update(zip(files, scores[key]))
        if done % 20 == 0:
            print(f"  scored {done}/{len(tracks)} videos", file=sys.stderr, flush=True)
    in_test = {key for key, files in tracks.items() if test_files.intersection(files)}
    # Partly swapped tracks: a manipulated video's frames, the first half (or two thirds) taken
    # from the original at the same frames: one face, swapped only for the rest of the shot.
    partial: dict[float, list[np.ndarray]] = {0.5: [], 0.67: []}
    for (label, video), files in tracks.items():
        target = next((r["target_video"] for r in crops if r["video"] == video), None)
        if label != "fake" or target is None:
            continue
        frames = sorted(int(r["frame"]) for r in crops if r["video"] == video and r["label"] == "fake")
        originals = [frame_of.get(("real", target, f)) for f in frames]
        if None in originals:
            continue
        for share in partial:
            cut = int(round(len(frames) * share))
            partial[share].append(np.array([by_file[o] for o in originals[:cut]]
                                           + [by_file[frame_of[("fake", video, f)]] for f in frames[cut:]]))
    rng = np.random.default_rng(0)
    edge = detector.config.calibration.unsure_high
    rules = {**RULES, f"in use: median, or {SUSTAINED_RUN} in a row": lambda track: combine(track, edge)[0]}
    for title, keys in (("test-split videos", sorted(in_test)), ("all videos", sorted(scores))):
        real = [k for k in keys if k[0] == "real"]
        fake = [k for k in keys if k[0] == "fake"]
        if not real or not fake:
            print(f"\n{title}: none of both kinds")
            continue
        frames_real = np.concatenate([scores[k] for k in real])
        frames_fake = np.concatenate([scores[k] for k in fake])
        print(f"\n{title}: {len(real)} real, {len(fake)} fake videos; single frames: "
              f"AUC {auc(frames_real, frames_fake):.3f}, median fake probability "
              f"real {np.median(frames_real):.3f} / fake {np.median(frames_fake):.3f}")
        print(f"{'rule':<28}{'AUC whole':>10}{'AUC ' + str(args.length) + ' fr':>10}"
              f"{'med real':>10}{'med fake':>10}{'right':>8}{'real: over / fake':>20}{'half swap: o / f':>17}{'third: o / f':>17}")
        for name, rule in rules.items():
            whole_real = np.array([rule(scores[k]) for k in real])
            whole_fake = np.array([rule(scores[k]) for k in fake])
            short_real, short_fake = [], []
            for _ in range(args.draws):
                short_real += [rule(drawn(rng, scores[k], args.length)) for k in real]
                short_fake += [rule(drawn(rng, scores[k], args.length)) for k in fake]
            right = ((whole_real < threshold).sum() + (whole_fake >= threshold).sum()) / (len(real) + len(fake))
            over = np.mean(whole_real >= threshold)
            accused = np.mean([label_of(p) == "fake" for p in whole_real])
            flagged = "".join(f"{np.mean([rule(p) >= threshold for p in partial[share]]):>7.1%} /"
                              f"{np.mean([label_of(rule(p)) == 'fake' for p in partial[share]]):>6.1%}"
                              for share in partial)
            print(f"{name:<28}{auc(whole_real, whole_fake):>10.3f}{auc(short_real, short_fake):>10.3f}"
                  f"{np.median(whole_real):>10.3f}{np.median(whole_fake):>10.3f}{right:>8.1%}{over:>7.1%} /{accused:>6.1%}{flagged}")
        calibration = detector.config.calibration
        print("labels of the rule in use, real / unsure / fake: by the band alone, and as served (judge_track: "
              "never \"real\" with a frame at the fake edge)")
        for kind, group in (("real tracks", [scores[k] for k in real]), ("fake tracks", [scores[k] for k in fake]),
                            ("half swapped", partial[0.5]), ("last third swapped", partial[0.67])):
            print(f"  {kind:<20}{shares([label_of(combine(t, edge)[0]) for t in group]):<26}"
                  f"{shares([judge_track(t, calibration).label for t in group])}")
    return 0


def shares(labels: list[str]) -> str:
    return " / ".join(f"{np.mean([label == kind for label in labels]):.1%}" for kind in ("real", "unsure", "fake"))


if __name__ == "__main__":
    run_command(main)
