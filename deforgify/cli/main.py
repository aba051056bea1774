"""The ``deforgify`` command (also ``python -m deforgify``): tell whether faces in photos and videos are real.

``predict`` (:mod:`deforgify.cli.predict`) judges the files named; ``scan``
(:mod:`deforgify.cli.scan`) a whole collection.
Exit status of ``predict``: 0 when every file was scored (a video cut short by truncation or the
time limit counts as scored: its row says ``"complete": false``), 1 when any file could not be
read (the others are still scored) or a heatmap written, 2 for a usage error or a model that cannot
be loaded, 3 when the answers could not be written (a full disk, a closed output), 130 after
Ctrl-C, 141 when the output was closed early (``| head``).
"""

from __future__ import annotations

import argparse
import difflib
import errno
import os
import sys
import textwrap
from pathlib import Path
from typing import NoReturn, Optional, Sequence

from deforgify import __version__
from deforgify.cli import predict as predict_cli, scan as scan_cli
from deforgify.cli.argtypes import model_reference, number
from deforgify.cli.interrupts import INTERRUPTED, stop_on_signals
from deforgify.cli.video_options import add_video_options
from deforgify.cli.warnings_shown import show_warnings
from deforgify.refusals import CODES
from deforgify.video.frames import DEFAULT_CAP, DEFAULT_RATE, FEWEST_SAMPLES, MAX_FRAME_PIXELS, Limits

ROWS = """
rows: one line per file, in order. With --json, one object per line:
  {"file": ..., "kind": "photo", "label": ..., "decided_by": ..., "confidences": ..., "face_found": ...,
   "face": ..., "deciding_face": ..., "faces": [...], "left_out": ..., "beyond_largest": ...,
   "width": ..., "height": ..., "pixels": {...}, "provenance": {...}, "model": {...}}
  label       the verdict: real, fake, unsure or no_face
  decided_by  "provenance" when the file's own metadata declares an AI origin (C2PA
              Content Credentials that validate, an XMP digital source type, a
              generator's settings in a PNG text chunk or EXIF user comment): then
              label is fake, face or no face; otherwise "pixels"
  pixels      the pixel model's own label and confidences, always kept
  confidences, face_found, face, faces   the pixel model's confidences and the faces it
              found (also when decided_by is "provenance"); each face's turned: the
              degrees it was turned clockwise to stand upright before it was judged
  deciding_face  the index in faces of the face that decided (null without one)
  left_out    faces found and not judged, nor in faces (under 40 px and narrower than a
              third of the largest, or beyond the 32 largest): the verdict does not cover them,
              but those beyond the largest keep the photo from real (unsure)
  beyond_largest  of left_out, those beyond the 32 largest
  width, height  the photo's own size in pixels, upright as shown (the frame of the boxes)
  provenance  {"claim": "ai_generated" | "ai_edited" | "camera" | "none",
               "evidence": [{"kind": "c2pa" | "xmp" | "png_text" | "exif",
                             "says": "...", "claim": ..., ...}],
               "valid": true | false | null, "trusted": true | false | null}
              valid: a C2PA manifest's signature and binding to these bytes check
              out (null without C2PA); trusted: its signer chains to the trust list
              in DEFORGIFY_C2PA_TRUST_ANCHORS (none by default). A manifest that does
              not validate decides nothing; camera EXIF never changes the verdict;
              most photos carry no provenance at all, which proves nothing.
  model       the model that answered: reference ("bundled", folder:NAME or the Hub
              repo@revision asked for), revision (the Hub commit, or sha256: and 12 hex
              digits over its config.json and weights files), architecture,
              library_version, trained, threshold, unsure_band, min_face_width
  a file not judged: {"file": ..., "error": "...", "error_code": "..."}: the
              reason in words, and a stable code, one of:
{CODES}

videos (.mp4 .mov .webm .mkv .avi ..., or a clip named like a picture: known by its
first bytes) get the same fields, and more:
  {"file": ..., "kind": "video", "label": ..., "confidences": ..., "face": [x, y, w, h],
   "faces": [{"track": 0, "box": ..., "label": ..., "confidences": ..., "frames": 12,
              "start": 0.25, "end": 9.75, "peak_t": 4.25, "caution": null,
              "sustained_run": false, "fake_frames": 0}, ...],
   "decided_by": "pixels", "pixels": {...}, "provenance": {"claim": "none", ...},
   "duration": 20.0, "width": 640, "height": 480, "rotation": 0,
   "deciding_frame": {"t": 4.25, "track": 0, "box": [...]},
   "frames": [{"t": 0.25, "label": ..., "confidences": {...} or null,
               "faces": [{"track": 0, "box": ..., "label": ..., "confidences": ...}]}, ...],
   "sampling": {"rate": 2.0, "cap": 64, "every_frame": false, "planned": 40, "read": 40,
                "combine": "median, or 3 frames in a row at the fake edge", "glimpses_dropped": 0},
   "complete": true, "note": null, "model": {...}}
  faces       one entry per face track (a face followed across frames): its score is the
              median of its frames' fake probabilities, unless 3 frames in a row all reach
              "fake" (sustained_run true): then the score they all reach; labelled like a
              photo's, but never "real" with frames that reached "fake" (fake_frames counts
              them; too few in a row, it is "unsure"); box and peak_t where it looked most
              fake. Frames where the face is narrower than the model's min_face_width are
              left out, and so are frames without colour or (an animated picture's)
              partly transparent while any frame is judged; a face too small in every
              frame, or not judged in any, is "unsure" with the reason in caution (null
              otherwise)
  label       the most suspicious track's; no_face when no frame showed a face (a face
              glimpsed in few frames and never clearly is left out as a likely false
              face: sampling.glimpses_dropped counts them; none is in an animated picture
              of which every frame is planned, sampling.every_frame)
  face        that track's box in the deciding frame (deciding_frame.t, seconds)
  frames      the timeline: every sampled frame, its time in seconds (the frame's own
              timestamp), the verdict of its most suspicious face (no_face without a face, with
              confidences null),
              every face with its track, and left_out: faces found and not judged
              (under 40 px and narrower than a third of that frame's largest, or beyond its 32
              largest: beyond_largest of them)
  provenance  videos' metadata is not read: always claim "none" (decided_by "pixels")
  complete    false when fewer frames than planned could be read; note says why (the
              file ends early, or the time limit per file was reached)
"""

DESCRIPTION = "Tell whether faces in photos and videos are real or fake."
EXAMPLES = f"""examples:
  deforgify predict photo.jpg
  deforgify predict --json photos/*.jpg > verdicts.jsonl
  deforgify predict --model OWNER/NAME@v2 --heatmap heatmaps/ photo.jpg
  deforgify predict clip.mp4 photo.jpg --fps 4 --max-frames 120
  deforgify scan photos/ --output verdicts.parquet     (a whole collection: see scan --help)

verdicts: real (no sign of the fakes it knows), fake, unsure (the evidence is not clear enough
either way, or the face is too small, without colour or partly transparent to judge), no_face
(no face found: nothing judged).
A video's verdict is its most suspicious face track's (a track without colour, not judged,
keeps it from "real", as a photo's face does).

videos: frames sampled evenly over the whole clip, --fps a second (default {DEFAULT_RATE:g}), at most
--max-frames (default {DEFAULT_CAP}) and, within that, at least {FEWEST_SAMPLES} (one per frame of a shorter clip;
every frame of an animated picture of at most --max-frames); decoding stops after
--time-limit seconds per file (default {Limits.time_limit:g}: the frames read so far decide, and the row
says complete: false). Refused before decoding: frames over {MAX_FRAME_PIXELS // 1_000_000} megapixels, clips
over {Limits.max_seconds / 3600:g} hours. An unreadable, empty, audio-only or text file gets an error line
like an unreadable photo.

exit status:
  0    every file was judged (a truncated video whose first frames decode is judged on them)
  1    some file was not judged (each gets its own error line, with --json its code; the
       others are judged), or a heatmap could not be written (its row says why in heatmap_error)
  2    usage error, or the model cannot be loaded
  3    the answers could not be written (a full disk; the output closed before the start)
  130  interrupted (Ctrl-C: one line on stderr); 141: the output was closed early (piped into
       head: nothing more is written)
"""


class _CommandParser(argparse.ArgumentParser):
    """A command's parser that refuses an unknown option itself, with the command's usage and the
    option meant when it is a near miss (argparse leaves it to the top parser, whose usage names
    no option of the command)."""

    def parse_known_args(self, args=None, namespace=None):  # type: ignore[no-untyped-def]
        self._given = list(sys.argv[1:] if args is None else args)
        namespace, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}{self._near_miss(extras)}")
        return namespace, extras

    def error(self, message: str) -> NoReturn:
        """argparse's message; a missing required option also names a mistyped one given (argparse
        tells the missing one first, and stops there: ``--outptu`` went unsaid)."""
        given = getattr(self, "_given", [])
        options = given[:given.index("--")] if "--" in given else given
        unknown = [option for option in options if option.startswith("--") and not any(
            known.startswith(option.split("=", 1)[0]) for known in self._option_string_actions)]  # abbreviations
        if message.startswith("the following arguments are required") and unknown:
            message += f"; {' '.join(unknown)}: no such option{self._near_miss(unknown)}"
        super().error(message)

    def _near_miss(self, extras: list[str]) -> str:
        options = [option for option in self._option_string_actions if option.startswith("--")]
        for extra in extras:
            close = difflib.get_close_matches(extra.split("=", 1)[0], options, n=1, cutoff=0.8)
            if extra.startswith("--") and close:
                return f" (did you mean {close[0]}?)"
        return ""


def _codes() -> str:
    """The refusals' codes, for the help's list of row fields."""
    return textwrap.fill(", ".join(CODES), width=88, initial_indent=" " * 14, subsequent_indent=" " * 14)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="deforgify", description=DESCRIPTION,
                                     epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"deforgify {__version__}")
    commands: argparse._SubParsersAction[argparse.ArgumentParser] = parser.add_subparsers(
        dest="command", required=True, parser_class=_CommandParser)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--model", type=model_reference, default=None,
                        help="model folder, or Hub repo OWNER/NAME[@REVISION] (default: the bundled model)")
    common.add_argument("--workers", type=number(int, at_least=1), default=os.cpu_count() or 1,
                        help="processes decoding and finding faces (default: one per core)")
    common.add_argument("--quiet", action="store_true", help="no progress or summary on stderr")
    predict = commands.add_parser(
        "predict", parents=[common], help="tell whether faces in photos and videos are real or fake",
        description="Judge every face photo and video given: one line per file, in order, as results come.",
        epilog=EXAMPLES + ROWS.replace("{CODES}", _codes()), formatter_class=argparse.RawDescriptionHelpFormatter)
    predict.add_argument("files", nargs="+", metavar="FILE", help="image and video files to judge")
    predict.add_argument("--json", action="store_true", help="one JSON object per line")
    predict.add_argument("--heatmap", type=Path, metavar="DIR",
                         help="write a Grad-CAM heatmap of each photo's deciding face to DIR/NAME.heatmap.png, "
                              "whatever its verdict (NAME-2.heatmap.png ... when two files share a name), named "
                              "in its row as heatmap; a photo without a face, or a video (its frames are not "
                              "kept), has heatmap null")
    add_video_options(predict)
    scan_cli.add_parser(commands, common)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """The command line; an interrupt (Ctrl-C) or a reader that stops reading (``| head``) ends
    it quietly, as other command-line tools end, with the shell's status for each."""
    try:
        args = build_parser().parse_args(argv)
        show_warnings()
        stop_on_signals()  # SIGTERM as Ctrl-C; a second one ends it at once, workers too
        if args.command == "predict" and sys.stdout is None:  # output closed (``>&-``): every answer would vanish
            print("error: the standard output is closed: the answers could not be written", file=sys.stderr)
            return OUTPUT_FAILED
        status = _run(args)
        sys.stdout.flush()  # a full disk is told here, not as an error at exit
        return status
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return OUTPUT_CLOSED
    except OSError as error:
        if error.errno not in UNWRITABLE:
            raise
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        print(f"error: the answers could not be written: {error.strerror or error}", file=sys.stderr)
        return OUTPUT_FAILED


OUTPUT_CLOSED = 141
"""Exit status when the output was closed early (128 + SIGPIPE)."""
OUTPUT_FAILED = 3
"""Exit status when the answers could not be written (a full disk, a closed output)."""
UNWRITABLE = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EBADF}
"""The errors of an output that cannot be written."""


def _run(args: argparse.Namespace) -> int:
    return scan_cli.run(args) if args.command == "scan" else predict_cli.run(args)
