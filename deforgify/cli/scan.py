"""``deforgify scan``: score a folder tree, a list of files or a Hub dataset into a results file
that a second run completes instead of redoing."""

from __future__ import annotations

import argparse
import sys
import traceback
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TYPE_CHECKING

from deforgify.batch.progress import NOT_JUDGED
from deforgify.cli.interrupts import interrupts_held
from deforgify.cli.video_options import add_video_options, video_settings
from deforgify.model.folder import ModelLoadError, read_config
from deforgify.model.source import ModelSource, resolve_model
from deforgify.scan.cluster import ClusterError
from deforgify.scan.collection import Collection, CollectionError, file_list, folder_tree, hub_dataset
from deforgify.scan.results_file import ResultsError, open_results

if TYPE_CHECKING:
    from deforgify.scan.run import Engine, ScanRun

EXAMPLES = """examples:
  deforgify scan photos/ --output verdicts.parquet
  deforgify scan --files-from uploads.txt --output verdicts.jsonl
  deforgify scan --dataset OWNER/NAME --split test --output verdicts.parquet
  deforgify scan photos/ --output verdicts.parquet --cluster local:4
  deforgify scan photos/ --output verdicts.parquet --cluster tcp://scheduler:8786

Run the same command again after a stop: only files without a row are scored, and files changed
since their rows (size or modification time), and videos the new --fps or --max-frames would
sample otherwise; add --retry-errors to score again those whose rows say why they were not judged.
Rows: path (or index, dataset, split and image_column for a dataset), label (real, fake, unsure,
no_face; empty with an error), confidences, face_found, face, deciding_face, faces, left_out (a
photo's faces found and not judged; null for a video) and beyond_largest (of them, those beyond the
32 largest), decided_by,
pixels, provenance (as in predict --help), kind ("photo" or "video"), width and height (upright as
shown, as the boxes count), duration, rotation, deciding_frame, frames (a video's timeline),
complete, note and sampling (as in predict --help; null for photos), error and error_code (as in
predict --help; null in rows of scans before it), file_size and file_mtime_ns (the file's when it was scored; null for a dataset),
model_revision.
Videos in a folder are found by suffix (.mp4 .mov .webm .mkv .avi ...).

exit status:
  0    every file was scored
  1    the scan completed, and some files of it were not judged, in this run or an earlier one
       (their rows say why)
  2    usage error: no such folder or dataset, an output of another kind or model, no model
  3    the scan stopped early (a write failed, a worker died; anything unexpected also shows its
       traceback, to report): rows written are kept
  130  interrupted (Ctrl-C): rows written are kept
"""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser],
               common: argparse.ArgumentParser) -> None:
    scan = commands.add_parser(
        "scan", parents=[common], help="score a whole collection into a Parquet or JSONL file, resumably",
        description="Score every image of a folder tree, a list of files or a Hugging Face dataset into "
                    "one results file, resuming where an earlier run with the same output stopped.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    what = scan.add_mutually_exclusive_group(required=True)
    what.add_argument("folder", nargs="?", help="folder to scan, with its subfolders")
    what.add_argument("--files-from", metavar="LIST",
                      help="file naming one image or video per line (- for stdin; # starts a comment line)")
    what.add_argument("--dataset", metavar="OWNER/NAME", help="Hugging Face dataset (HF_ENDPOINT honoured)")
    scan.add_argument("--split", default="train", help="dataset split (default: train)")
    scan.add_argument("--column", help="dataset image column (default: the first image column)")
    scan.add_argument("--no-streaming", dest="streaming", action="store_false",
                      help="download the dataset before scanning instead of streaming it")
    scan.add_argument("--output", "-o", type=Path, required=True, metavar="FILE",
                      help="results file, .parquet or .jsonl; an existing one is completed (a missing folder "
                           "is made, and said)")
    scan.add_argument("--retry-errors", action="store_true",
                      help="score again the files whose rows say why they were not judged (their rows "
                           "are replaced); without it, those rows are kept")
    scan.add_argument("--cluster", metavar="ADDRESS",
                      help="run on Dask: local:N starts N worker processes here, or a scheduler "
                           "address such as tcp://HOST:8786 (needs requirements-scan.txt)")
    add_video_options(scan)


def run(args: argparse.Namespace) -> int:
    from deforgify.scan.run import ScanStopped, scan

    try:
        collection = _collection(args)
        if args.retry_errors and collection.keys is None:
            raise CollectionError(f"--retry-errors needs to know the rows of {collection.description} before "
                                  "the scan, and its size is not known while it streams: add --no-streaming")
        source = _model_source(args.model)
        results = open_results(args.output, collection.key_field, source.fingerprint(),
                               read_config(source.folder).labels, collection.origin)
        engine = _engine(args, source)
    except (CollectionError, ModelLoadError, ResultsError, ClusterError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    new_folder = not args.output.resolve().parent.exists()  # made by open(): said, as a typo in -o makes one too
    try:
        results.open()  # locked against a second scan; an output that cannot be written is told now
    except (ResultsError, OSError) as error:
        engine.close()
        why = f"{_why(error)}; nothing was scanned" if isinstance(error, OSError) else str(error)
        print(f"error: {why}", file=sys.stderr)
        return 2
    made = f" (a new folder, {args.output.resolve().parent}, made for it)" if new_folder else ""
    _tell(args, f"scanning {collection.description} with model {source.describe()} into {args.output}{made}")
    try:
        outcome = scan(collection, results, engine, progress_enabled=not args.quiet, retry_errors=args.retry_errors,
                       starting=lambda run: _note_other_rows(args, collection, run))
    except ScanStopped as stop:
        why = _why(stop.cause)
        if not isinstance(stop.cause, EXPECTED_STOPS):  # a bug's place, to report (it was one line, unfindable)
            traceback.print_exception(stop.cause, file=sys.stderr)
            why = f"unexpected {why} (traceback above: please report it if it is Deforgify's)"
        print(f"error: the scan stopped: {why}. The {stop.run.rows_kept} rows written are kept in "
              f"{results.kept_in}: run the same command to score the rest", file=sys.stderr)
        return 130 if isinstance(stop.cause, KeyboardInterrupt) else 3
    finally:
        engine.close()
    _summarise(args, collection, outcome)
    return 1 if outcome.progress.counts[NOT_JUDGED] or outcome.failed_before else 0


def _summarise(args: argparse.Namespace, collection: Collection, outcome: ScanRun) -> None:
    """The last line: what this run scored, what was there already (and how much of it was not
    judged), what was scored again, what was left out."""
    skipped = "".join(f", {n} skipped ({why})" for why, n in collection.skipped.items())
    failed = (f" ({outcome.failed_before} of them not judged: their rows say why; --retry-errors scores them "
              "again)") if outcome.failed_before else ""
    retried = f", {outcome.retried} scored again (their rows had said why they were not judged)" \
        if outcome.retried else ""
    changed = f", {outcome.changed} scored again (changed since their rows)" if outcome.changed else ""
    videos = f"{outcome.resampled} video{'s' if outcome.resampled > 1 else ''}"
    changed += (f", {videos} scored again (sampled at another --fps or --max-frames in their rows)"
                if outcome.resampled else "")
    others = (f", {outcome.other_rows} other rows left as they are (of images not in this scan: files "
              "deleted since, or another collection's)") if outcome.other_rows else ""
    outcome.progress.finish(f"; {outcome.decided_by_provenance} decided by provenance; {outcome.already_done} "
                            f"already in {args.output}{failed}{retried}{changed}{others}{skipped}")


def _note_other_rows(args: argparse.Namespace, collection: Collection, run: ScanRun) -> None:
    """Before anything is scored: an output none of whose rows are of this collection may have
    named it another way (Ctrl-C now costs nothing)."""
    if run.other_rows and not (run.already_done or run.changed or run.retried):
        print(f"note: none of the {run.other_rows} rows already in {args.output} are of {collection.description} "
              "(paths are matched as given: was it named another way before, such as by its absolute path? "
              "Ctrl-C keeps the file as it is)", file=sys.stderr)


def _collection(args: argparse.Namespace) -> Collection:
    if args.dataset is not None:
        return hub_dataset(args.dataset, args.split, args.column, args.streaming)
    if args.files_from is not None:
        return file_list(args.files_from)
    return folder_tree(args.folder)


def _model_source(reference: str | None) -> ModelSource:
    """The model to scan with; never another in its place (a scan must not silently fill a file
    with another model's verdicts): a Hub model neither reachable nor cached is an error."""
    source = resolve_model(reference)
    if source.warning:
        print(f"warning: {source.warning}", file=sys.stderr)
    return source


def _engine(args: argparse.Namespace, source: ModelSource) -> Engine:
    from deforgify.scan.run import LocalEngine

    config = read_config(source.folder)  # its warning is said whether the model is loaded here or by the cluster
    if config.warning:
        print(f"warning: {config.warning}", file=sys.stderr)
    if args.cluster:
        from deforgify.scan.cluster import DaskEngine

        return DaskEngine(args.cluster, source.portable_reference(), source.fingerprint(), video_settings(args))
    with interrupts_held():  # LiteRT loads whole (see deforgify.cli.interrupts)
        from deforgify.detector import Detector

        detector = Detector.from_source(source)
    return LocalEngine(detector, args.workers, video_settings(args))


EXPECTED_STOPS = (KeyboardInterrupt, OSError, BrokenProcessPool, CollectionError, ResultsError, ClusterError)
"""What stops a scan and is said in a line: Ctrl-C, a full disk, a dead worker, a collection or
results file gone bad. Anything else is unexpected (a bug, most likely) and gets its traceback too."""


def _why(cause: BaseException) -> str:
    if isinstance(cause, KeyboardInterrupt):
        return "interrupted"
    if isinstance(cause, OSError) and cause.filename:
        return f"cannot write {cause.filename}: {cause.strerror}"
    if isinstance(cause, OSError) and cause.strerror:
        return f"cannot write the results: {cause.strerror}"
    if isinstance(cause, BrokenProcessPool):
        return "a worker process died"
    return f"{type(cause).__name__}: {cause}"


def _tell(args: argparse.Namespace, message: str) -> None:
    if not args.quiet:
        print(message, file=sys.stderr)
