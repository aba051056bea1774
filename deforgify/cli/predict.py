"""``deforgify predict``: the files named, judged in worker processes, a row each (a plain line or
JSON), heatmaps written where asked."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image

from deforgify.batch.progress import NOT_JUDGED, Progress
from deforgify.cli.interrupts import interrupts_held
from deforgify.cli.plain_line import plain_line
from deforgify.cli.video_options import video_settings
from deforgify.model.folder import ModelLoadError

if TYPE_CHECKING:
    from deforgify.batch.scoring import Result
    from deforgify.detector import Detector


def run(args: argparse.Namespace) -> int:
    """``deforgify predict``: every file's row, in order, then the summary; the exit status (see
    :mod:`deforgify.cli.main`)."""
    with interrupts_held():  # the model's libraries load whole; a Ctrl-C meanwhile is raised after
        from deforgify.batch.scoring import score_files  # after parsing: --help needs no TensorFlow
        from deforgify.detector import Detector

    if args.heatmap:
        if args.heatmap.exists() and not args.heatmap.is_dir():
            print(f"error: --heatmap {args.heatmap} is a file: give a folder for the heatmaps", file=sys.stderr)
            return 2
        try:
            args.heatmap.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            print(f"error: --heatmap {args.heatmap}: cannot make that folder ({error.strerror or error})",
                  file=sys.stderr)
            return 2
    try:
        with interrupts_held():
            detector = Detector.load(args.model)  # another model's answers, exit 0, misled scripts
    except ModelLoadError as error:
        hint = " (--model bundled answers with the bundled model)" if args.model not in (None, "bundled") else ""
        print(f"error: {error}: nothing was judged{hint}", file=sys.stderr)
        return 2
    for warning in detector.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    facts = detector.facts
    folders = [] if args.quiet else [name for name in args.files if os.path.isdir(name)]  # False where unreadable
    for folder in folders:
        print(f"hint: {folder} is a folder: `deforgify scan {shlex.quote(folder)}` judges every photo and video "
              "in it", file=sys.stderr)
    progress = Progress(len(args.files), enabled=not args.quiet)
    heatmap_names: set[str] = set()
    by_provenance = unwritten = 0
    for result in score_files(detector, args.files, args.workers, keep_rgb=bool(args.heatmap),
                              video=video_settings(args)):
        row = _row(result, facts)
        if args.heatmap and result.prediction and result.prediction.face_found:
            row.update(_write_heatmap(detector, result, _unique_path(args.heatmap, Path(result.name).stem,
                                                                     heatmap_names)))
            unwritten += "heatmap_error" in row
        elif args.heatmap and "error" not in row:
            row["heatmap"] = None  # no face to map, or a video (its frames are not kept): said, not silent
        progress.clear()
        print(json.dumps(row) if args.json else plain_line(row, result.provenance), flush=True)
        progress.count_row(row)
        by_provenance += row.get("decided_by") == "provenance"
    model = f"model {facts['reference']}, revision {facts['revision']}"
    progress.finish(f"; {by_provenance} decided by provenance; {model}")
    return 1 if progress.counts[NOT_JUDGED] or unwritten else 0


def _write_heatmap(detector: Detector, result: Result, path: Path) -> dict:
    """``{"heatmap": path}``, or ``{"heatmap": None, "heatmap_error": why}`` when it cannot be
    written (a full disk, a read-only folder, a name too long): the verdict still stands, and the
    run goes on."""
    assert result.rgb is not None and result.prediction is not None  # a photo judged, its pixels kept
    try:
        Image.fromarray(detector.heatmap(result.rgb, result.prediction)).save(path)
    except OSError as error:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)  # no half-written file
        return {"heatmap": None, "heatmap_error": f"cannot write {path}: {error.strerror or error}"}
    return {"heatmap": str(path)}


def _row(result: Result, model: dict) -> dict:
    """A file's line as data: its answer and the model that gave it (an unreadable file's error alone)."""
    row = {"file": result.name, **result.to_json()}
    return row if "error" in row else {**row, "model": model}


def _unique_path(folder: Path, stem: str, used: set[str]) -> Path:
    """``folder/stem.heatmap.png``, or ``stem-N.heatmap.png`` if an earlier file of this run had
    that name or a file of it is there already (an earlier run's, which its rows name: it was
    overwritten with another photo's heatmap)."""
    name, number = f"{stem}.heatmap.png", 1
    while name in used or os.path.exists(folder / name):  # False for a name too long: its write says so
        number += 1
        name = f"{stem}-{number}.heatmap.png"
    used.add(name)
    return folder / name
