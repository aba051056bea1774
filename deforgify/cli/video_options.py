"""The video options of ``deforgify predict`` and ``deforgify scan``."""

from __future__ import annotations

import argparse

from deforgify.cli.argtypes import number
from deforgify.video.frames import DEFAULT_CAP, DEFAULT_RATE, Limits, Sampling, VideoSettings


def add_video_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--fps", type=number(float, above=0), default=DEFAULT_RATE, metavar="RATE",
                        help=f"video frames sampled per second (default {DEFAULT_RATE:g}; an animated picture of at most "
                             "--max-frames frames has every frame judged)")
    parser.add_argument("--max-frames", type=number(int, above=0), default=DEFAULT_CAP, metavar="N",
                        help=f"at most N frames of a video, spread over the clip (default {DEFAULT_CAP})")
    parser.add_argument("--time-limit", type=number(float, above=0), default=Limits.time_limit, metavar="SECONDS",
                        help=f"decoding time per video; then the frames read so far decide (default {Limits.time_limit:g})")


def video_settings(args: argparse.Namespace) -> VideoSettings:
    return VideoSettings(Sampling(args.fps, args.max_frames), Limits(time_limit=args.time_limit))

