"""``python -m deforgify predict FILE... [--model REF] [--json] [--heatmap DIR]``.

Exit status: 0 when every file was scored, 1 when any file could not be read (the others are
still scored), 2 for a usage error or a model that cannot be loaded.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Iterator, Optional, Sequence

import numpy as np
from PIL import Image

from deforgify.decode import InvalidImageError, load_rgb
from deforgify.model_folder import ModelLoadError

CHUNK = 32
"""Files decoded and scored together: one batched model call per chunk, bounded memory."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m deforgify", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    predict = commands.add_parser("predict", help="tell whether face photos are real or fake")
    predict.add_argument("files", nargs="+", metavar="FILE", help="image files to judge")
    predict.add_argument(
        "--model",
        default=None,
        help="model folder, or Hub repo OWNER/NAME[@REVISION]; default: the bundled model",
    )
    predict.add_argument("--json", action="store_true", help="one JSON object per line")
    predict.add_argument("--heatmap", type=Path, metavar="DIR",
                         help="write a Grad-CAM heatmap of each judged face to DIR/<name>.heatmap.png "
                              "(<name>-2.heatmap.png ... when two files share a name)")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    from deforgify.detector import Detector  # after parsing: --help needs no TensorFlow

    try:
        detector = Detector.load(args.model)
    except ModelLoadError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if detector.source.warning:
        print(f"warning: {detector.source.warning}", file=sys.stderr)
    if args.heatmap:
        args.heatmap.mkdir(parents=True, exist_ok=True)
    failures = 0
    for result in _results(detector, args.files, args.heatmap):
        failures += "error" in result
        print(json.dumps(result) if args.json else _human(result), flush=True)
    return 1 if failures else 0


def _results(detector, files: Sequence[str], heatmaps: Optional[Path]) -> Iterator[dict]:
    """One result dict per file, in order; a bad file yields an error and the rest go on."""
    heatmap_names: set[str] = set()
    for start in range(0, len(files), CHUNK):
        chunk = files[start : start + CHUNK]
        decoded: dict[int, np.ndarray] = {}
        errors: dict[int, str] = {}
        for index, name in enumerate(chunk):
            try:
                decoded[index] = load_rgb(name)
            except InvalidImageError as error:
                errors[index] = str(error)
        predictions = dict(zip(decoded, detector.predict_rgb(list(decoded.values()))))
        for index, name in enumerate(chunk):
            if index in errors:
                yield {"file": name, "error": errors[index]}
                continue
            result = {"file": name, **predictions[index].to_json()}
            if heatmaps:
                path = heatmaps / _unique_name(Path(name).stem, heatmap_names)
                Image.fromarray(detector.heatmap(decoded[index], predictions[index])).save(path)
                result["heatmap"] = str(path)
            yield result


def _unique_name(stem: str, used: set[str]) -> str:
    """``stem.heatmap.png``, or ``stem-N.heatmap.png`` if an earlier file of this run had it."""
    name, number = f"{stem}.heatmap.png", 1
    while name in used:
        number += 1
        name = f"{stem}-{number}.heatmap.png"
    used.add(name)
    return name


def _human(result: dict) -> str:
    if "error" in result:
        return f"{result['file']}: error: {result['error']}"
    if not result["face"]:
        return f"{result['file']}: {result['label']} (no face found: nothing to judge)"
    confidences = ", ".join(f"{k} {v:.1%}" for k, v in result["confidences"].items())
    where = "face at {},{} {}x{}".format(*result["face"])
    return f"{result['file']}: {result['label']} ({confidences}; {where})"
