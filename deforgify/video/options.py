"""The command line's video options (``predict`` and ``scan`` share them)."""

from __future__ import annotations

import argparse
import math

from deforgify.video.frames import DEFAULT_CAP, DEFAULT_RATE, Limits, Sampling, VideoSettings


def add_video_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--fps", type=_positive(float), default=DEFAULT_RATE, metavar="RATE",
                        help=f"video frames sampled per second (default {DEFAULT_RATE:g})")
    parser.add_argument("--max-frames", type=_positive(int), default=DEFAULT_CAP, metavar="N",
                        help=f"at most N frames of a video, spread over the clip (default {DEFAULT_CAP})")
    parser.add_argument("--time-limit", type=_positive(float), default=Limits.time_limit, metavar="SECONDS",
                        help=f"decoding time per video; then the frames read so far decide (default {Limits.time_limit:g})")


def video_settings(args: argparse.Namespace) -> VideoSettings:
    return VideoSettings(Sampling(args.fps, args.max_frames), Limits(time_limit=args.time_limit))


def _positive(kind):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not (value > 0 and math.isfinite(value)):
            raise argparse.ArgumentTypeError(f"must be a positive number: {text!r}")
        return value

    return parse
