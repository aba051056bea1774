"""The file a scan writes, one row per image, appended as results come: a scan that stops
(Ctrl-C, a lost worker, a full disk) keeps every row already written, and the next run with the
same output scores only what is missing. A file whose size or modification time differs from
its row's, and with ``--retry-errors`` a file whose row says why it could not be read, has its
row removed first (:meth:`JsonLines.drop_rows`) and is scored again like any without a row; the
output is rewritten whole for that (under a temporary name, then renamed), never edited in place.

JSON Lines output is appended to directly; a line cut short by a crash is dropped on the next
run (a whole row that only lacks its line's end, as some tools write the last one, is kept).
Parquet cannot be appended to, so its rows first go to a journal beside it
(``OUTPUT.partial.jsonl``); when the scan completes, the Parquet file is written under a
temporary name and renamed over the old one, so an existing Parquet file is only ever replaced
whole, never damaged; columns added to it since (a reviewer's notes) are written again with it.
A scan holds a lock on the file it appends to: a second scan into the same output is refused
while the first runs (two at once wrote every row twice).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Callable, Iterable, Iterator, NamedTuple, Optional

from deforgify.batch.streams import batches
from deforgify.provenance.contract import EVIDENCE_DETAILS
from deforgify.refusals import refusal_code

if TYPE_CHECKING:
    import pyarrow as pa

FORMATS = (".jsonl", ".parquet")
COLUMNS = ("path", "index", "dataset", "split", "image_column", "label", "confidences", "face_found", "face",
           "deciding_face", "faces", "left_out", "beyond_largest", "decided_by", "pixels", "provenance", "kind",
           "duration", "width", "height", "rotation", "deciding_frame", "frames", "complete", "note", "sampling",
           "error", "error_code", "file_size", "file_mtime_ns", "model_revision")
SCAN_COLUMNS = ("label", "confidences", "model_revision")
"""Columns every scan's Parquet output has had: a file without them is not one."""
JOURNAL_SUFFIX = ".partial.jsonl"
PARQUET_ROWS_PER_GROUP = 10_000


class Held(NamedTuple):
    """What a row already there says of its file: why it could not be read (None for a verdict),
    and its size and modification time when scored (None for a dataset row, or an older scan's)."""

    error: Optional[str]
    error_code: Optional[str]
    """The error's code (an older scan's row without one: :func:`~deforgify.refusals.refusal_code` of its words)."""
    stamp: Optional[tuple[int, int]]
    sampled: Optional[Sampled] = None
    """How a video was sampled (None for a photo)."""


class Sampled(NamedTuple):
    """What a video's row says of its sampling: enough to tell whether other settings would take
    other frames of it (:func:`deforgify.scan.run.sampled_otherwise`)."""

    rate: float
    cap: int
    duration: float
    every_frame: bool
    planned: int


class ResultsError(RuntimeError):
    """The output cannot be used: wrong format, not a scan's output, or made by another model."""


def open_results(path: Path, key_field: str, model_revision: str, labels: tuple[str, ...],
                 origin: Optional[dict[str, str]] = None) -> "JsonLines | ParquetResults":
    """The results at ``path`` (created on the first row), after checking that rows already there
    were made by the same model, and are of the collection ``origin`` names (see
    :attr:`~deforgify.scan.collection.Collection.origin`): one file never mixes two models'
    verdicts, nor two datasets' or splits' rows under the same indices."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ResultsError(f"{path}: the output must end in {' or '.join(FORMATS)}")
    if path.is_dir():
        raise ResultsError(f"{path} is a folder; give a file name ending in {suffix}")
    if path.name.endswith(JOURNAL_SUFFIX):
        raise ResultsError(f"{path}: a name ending in {JOURNAL_SUFFIX} is where a Parquet scan keeps its rows "
                           "until it completes; give another name")
    results = JsonLines(path) if suffix == ".jsonl" else ParquetResults(path, labels)
    results.check(key_field, model_revision, origin or {})
    return results


class JsonLines:
    """Rows appended to a JSON Lines file, flushed to disk after every batch."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: Optional[BinaryIO] = None

    def rows(self) -> Iterator[dict]:
        return (row for row, _ in self._lines())

    def _lines(self) -> Iterator[tuple[dict, bytes]]:
        """Each row with its line as written."""
        if not self.path.exists():
            return
        with open(self.path, "rb") as lines:
            for number, line in enumerate(lines, 1):
                if not line.strip():
                    continue  # a blank line (an editor's last one): no row
                if not line.endswith(b"\n") and _cut_short(line):
                    return  # cut short by a crash: dropped, and rewritten by this run
                row = _scan_row(line)
                if row is None:
                    raise ResultsError(f"{self.path} line {number} is not a scan result: "
                                       "is this the output of a Deforgify scan? (nothing was changed)")
                yield row, line if line.endswith(b"\n") else line + b"\n"

    @property
    def kept_in(self) -> str:
        """Where the rows of an unfinished scan are."""
        return str(self.path)

    def check(self, key_field: str, model_revision: str, origin: dict[str, str]) -> None:
        _check_rows(self.path, self.rows(), key_field, model_revision, origin)

    def done(self, key_field: str) -> dict[Any, Held]:
        return _held_by_key(self.rows(), key_field)

    def open(self) -> None:
        """Open the file for appending (made if missing: a folder that cannot be written is told
        before anything is scored) and lock it until :meth:`close`."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.path, "ab")
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if os.fstat(self._file.fileno()).st_ino != os.stat(self.path).st_ino:
                raise BlockingIOError  # replaced or removed by a scan that held it: it is that scan's
        except (BlockingIOError, FileNotFoundError):
            self.close()
            raise ResultsError(f"another scan is writing {self.path}: wait for it to end, or give another "
                               "output (nothing was changed)") from None
        self._end_with_whole_line()

    def append(self, rows: list[dict]) -> None:
        if self._file is None:
            self.open()
        file = self._file
        assert file is not None  # open() opened it, or raised
        file.write("".join(json.dumps(row) + "\n" for row in rows).encode())
        file.flush()
        os.fsync(file.fileno())

    def drop_rows(self, key_field: str, dropped: Callable[[Any], bool]) -> int:
        """Remove the rows whose key ``dropped`` accepts, so that their files are scored again;
        how many. The other lines are kept as written, in a copy renamed over the file and locked
        before the rename (a second scan never finds it unlocked). Call after :meth:`open`."""
        temporary, target = _stand_in(self.path)
        copy, count = open(temporary, "wb"), 0
        try:
            for row, line in self._lines():  # one reading: the copy is dropped when nothing matched
                if dropped(row.get(key_field)):
                    count += 1
                else:
                    copy.write(line)
            if count:
                copy.flush()
                os.fsync(copy.fileno())
                _copy_mode(target, temporary)
                fcntl.flock(copy, fcntl.LOCK_EX | fcntl.LOCK_NB)
                os.replace(temporary, target)
        except BaseException:
            count = 0
            raise
        finally:
            if not count:  # failed, or nothing to drop: the file stays as it was, with its lock
                copy.close()
                temporary.unlink(missing_ok=True)
        if count:
            self.close()
            self._file = copy
        return count

    def _end_with_whole_line(self) -> None:
        """End the file with a whole line before rows are appended (after :meth:`check`): a last
        line cut short is dropped, a whole row without its line's end gets one."""
        if not self.path.exists():
            return
        with open(self.path, "rb+") as file:
            data = file.read()
            if data and not data.endswith(b"\n"):
                start = data.rfind(b"\n") + 1
                if _cut_short(data[start:]):
                    file.truncate(start)
                else:
                    file.write(b"\n")

    def close(self) -> None:
        """Close the file; every row appended was already flushed and synced, so a failure here
        (the disk that made the scan stop) loses nothing."""
        if self._file is not None:
            try:
                self._file.close()
            except OSError:
                pass
            self._file = None

    def finish(self) -> None:
        self.close()


class ParquetResults:
    """Rows journalled as JSON Lines, gathered into one Parquet file when the scan completes."""

    def __init__(self, path: Path, labels: tuple[str, ...]) -> None:
        _pyarrow_parquet()  # refused in words before anything is scanned when pyarrow is missing
        self.path = path
        self.journal = JsonLines(path.with_name(path.name + JOURNAL_SUFFIX))
        self.schema = parquet_schema(labels)

    def _table_rows(self, columns: list[str]) -> Iterator[dict]:
        """The rows of the Parquet file, read a row group's worth at a time (a million-row file
        is never held whole)."""
        if not self.path.exists():
            return
        try:
            file = _pyarrow_parquet().ParquetFile(self.path)
            present = [c for c in columns if c in file.schema_arrow.names]  # older scans lack some
            groups = file.iter_batches(PARQUET_ROWS_PER_GROUP, columns=present)
            for group in groups:
                yield from group.to_pylist()
        except Exception as error:  # noqa: BLE001  pyarrow raises several kinds for a bad file
            raise self._not_a_scan(str(error)) from None

    def _not_a_scan(self, why: str) -> ResultsError:
        return ResultsError(f"{self.path} exists and is not a scan's Parquet output ({why}); "
                            "nothing was changed: give another output")

    def _file_schema(self) -> Optional[pa.Schema]:
        """The Parquet file's schema (None before the file is made), refused (ResultsError) when
        the file is not a scan's output: unreadable, or without a scan's columns."""
        if not self.path.exists():
            return None
        try:
            schema = _pyarrow_parquet().read_schema(self.path)
        except Exception as error:  # noqa: BLE001  as in _table_rows
            raise self._not_a_scan(str(error)) from None
        missing = [column for column in SCAN_COLUMNS if column not in schema.names]
        if missing:
            raise self._not_a_scan(f"no column {', '.join(missing)}")
        return schema

    def _added_fields(self) -> list[pa.Field]:
        """The columns of the Parquet file that no scan writes (a reviewer's notes added to it):
        kept with their values whenever the file is written again, null in new rows."""
        schema = self._file_schema()
        if schema is None:
            return []
        return [field.with_nullable(True) for field in schema if field.name not in COLUMNS]  # null in new rows

    def rows(self, columns: Optional[list[str]] = None) -> Iterator[dict]:
        yield from self._table_rows(columns or list(COLUMNS))
        yield from self.journal.rows()

    @property
    def kept_in(self) -> str:
        """Where the rows of an unfinished scan are: the journal, and the Parquet file of earlier runs."""
        return f"{self.path} and {self.journal.path}" if self.path.exists() else str(self.journal.path)

    def check(self, key_field: str, model_revision: str, origin: dict[str, str]) -> None:
        self._file_schema()
        rows = self.rows([key_field, "model_revision", *origin])
        _check_rows(self.path, rows, key_field, model_revision, origin)

    def done(self, key_field: str) -> dict[Any, Held]:
        return _held_by_key(self.rows([key_field, "error", "file_size", "file_mtime_ns", "sampling", "duration"]),
                            key_field)

    def open(self) -> None:
        """Open and lock the journal (see :meth:`JsonLines.open`), after checking that the folder
        the Parquet file is written in (where a link leads) can be written: the journal sits
        beside the name given, and a scan scored everything before failing at its end."""
        folder = _stand_in(self.path)[1].parent
        if self.path.is_symlink() and not folder.is_dir():  # a new output's own folder is made, as a JSON Lines'
            raise OSError(errno.ENOENT, "no such folder", str(folder))
        if folder.is_dir() and not os.access(folder, os.W_OK):
            raise OSError(errno.EACCES, "cannot write there", str(folder))
        self.journal.open()

    def append(self, rows: list[dict]) -> None:
        self.journal.append(rows)

    def drop_rows(self, key_field: str, dropped: Callable[[Any], bool]) -> int:
        """Remove the rows whose key ``dropped`` accepts (see :meth:`JsonLines.drop_rows`): from
        the Parquet file (written again without them), then from the journal. Each is replaced
        whole, so a run stopped between the two leaves no row twice, and the next drops the rest."""
        in_table = sum(dropped(row.get(key_field)) for row in self._table_rows([key_field]))
        if in_table:
            self._write(lambda columns: (row for row in self._table_rows(columns) if not dropped(row.get(key_field))))
        return in_table + self.journal.drop_rows(key_field, dropped)

    def close(self) -> None:
        self.journal.close()

    def finish(self) -> None:
        """Write the Parquet file with every row (old ones first), then drop the journal, locked
        until it is gone (a second scan taking it over before would see its rows vanish)."""
        journalled = self.journal.path.exists() and self.journal.path.stat().st_size > 0
        if journalled or not self.path.exists():
            self._write(self.rows)
        self.journal.path.unlink(missing_ok=True)
        self.journal.close()

    def _write(self, rows: Callable[[list[str]], Iterable[dict]]) -> None:
        """The Parquet file with the rows ``rows`` gives of the columns asked (the scan's, and
        those added to the file), written under a temporary name and renamed over it."""
        import pyarrow

        parquet = _pyarrow_parquet()
        schema = pyarrow.schema(list(self.schema) + self._added_fields())
        temporary, target = _stand_in(self.path)
        try:
            with parquet.ParquetWriter(temporary, schema) as writer:
                for group in batches(rows(schema.names), PARQUET_ROWS_PER_GROUP):
                    writer.write_table(pyarrow.Table.from_pylist([{c: row.get(c) for c in schema.names}
                                                                  for row in group], schema=schema))
            with open(temporary, "rb") as written:
                os.fsync(written.fileno())
            _copy_mode(target, temporary)
            os.replace(temporary, target)
        finally:
            temporary.unlink(missing_ok=True)


def parquet_schema(labels: tuple[str, ...]) -> pa.Schema:
    """Every field of the rows (as JSON Lines has them) as Parquet types: pyarrow silently drops a
    field its schema lacks. A photo's faces and a video's tracks share one struct, each field null
    where it does not apply."""
    import pyarrow as pa

    confidences = pa.struct([(label, pa.float64()) for label in labels])
    integer, number, text, box = pa.int64(), pa.float64(), pa.string(), pa.list_(pa.int64())
    judged = [("box", box), ("label", text), ("confidences", confidences), ("caution", text)]
    face = pa.struct(judged + [("turned", integer), ("track", integer), ("frames", integer),  # a photo's face
                               ("start", number), ("end", number), ("peak_t", number),  # or a video's track
                               ("sustained_run", pa.bool_()), ("fake_frames", integer)])
    frame_face = pa.struct([("track", integer)] + judged + [("turned", integer)])
    frame = pa.struct([("t", number), ("label", text), ("confidences", confidences),
                       ("faces", pa.list_(frame_face)), ("left_out", integer),
                       ("beyond_largest", integer)])
    sampling = pa.struct([("rate", number), ("cap", integer), ("every_frame", pa.bool_()), ("planned", integer),
                          ("read", integer), ("combine", text), ("glimpses_dropped", integer)])
    pixels = pa.struct([("label", text), ("confidences", confidences)])
    deciding_frame = pa.struct([("t", number), ("track", integer), ("box", box)])
    kinds = {"path": text, "index": integer, "dataset": text, "split": text, "image_column": text, "label": text,
             "confidences": confidences, "face_found": pa.bool_(),
             "face": box, "deciding_face": integer, "faces": pa.list_(face), "left_out": integer,
             "beyond_largest": integer,
             "decided_by": text, "pixels": pixels,
             "provenance": provenance_schema(), "kind": text, "duration": number, "width": integer,
             "height": integer, "rotation": integer, "deciding_frame": deciding_frame, "frames": pa.list_(frame),
             "complete": pa.bool_(), "note": text, "sampling": sampling, "error": text, "error_code": text,
             "file_size": integer, "file_mtime_ns": integer, "model_revision": text}
    return pa.schema([(column, kinds[column]) for column in COLUMNS])


def provenance_schema() -> pa.StructType:
    """The provenance contract (:mod:`deforgify.provenance.contract`) as a Parquet struct: every
    evidence item has every detail field, null where it does not apply."""
    import pyarrow as pa

    text, texts = pa.string(), pa.list_(pa.string())
    action = pa.struct([("action", text), ("digital_source_type", text), ("software_agent", text)])
    kinds = {"actions": pa.list_(action), "failures": texts, "keys": texts}
    evidence = pa.struct([("kind", text), ("says", text), ("claim", text)]
                         + [(name, kinds.get(name, text)) for name in EVIDENCE_DETAILS])
    return pa.struct([("claim", text), ("evidence", pa.list_(evidence)), ("valid", pa.bool_()),
                      ("trusted", pa.bool_())])


def _stand_in(path: Path) -> tuple[Path, Path]:
    """Where a file that replaces ``path`` whole is written first, and the file it replaces: the
    one a link leads to (the link stays a link)."""
    target = Path(os.path.realpath(path))
    return target.with_name(f".{target.name}.{os.getpid()}.tmp"), target


def _copy_mode(source: Path, copy: Path) -> None:
    """The copy gets the file's permissions, where the file and the filesystem allow it."""
    with contextlib.suppress(OSError):
        shutil.copymode(source, copy)


def _cut_short(line: bytes) -> bool:
    """Whether a last line without its end was cut short by a crash: no JSON at all (a row is
    an object, whole only at its closing brace). A whole line of other JSON is not a scan's."""
    try:
        json.loads(line)
    except ValueError:
        return True
    return False


def _scan_row(line: bytes) -> Optional[dict]:
    """The row a line of a scan's JSON Lines holds; None for any other text."""
    try:
        row = json.loads(line)
    except ValueError:
        return None
    return row if isinstance(row, dict) and "model_revision" in row else None


def _held_by_key(rows: Iterable[dict], key_field: str) -> dict[Any, Held]:
    """What every row says of its file, by key."""
    return {row[key_field]: Held(row.get("error"), _error_code(row), _stamp(row), _sampled(row)) for row in rows}


def _sampled(row: dict) -> Optional[Sampled]:
    sampling, duration = row.get("sampling"), row.get("duration")
    if not isinstance(sampling, dict) or not isinstance(duration, (int, float)):
        return None
    return Sampled(sampling["rate"], int(sampling["cap"]), duration, bool(sampling.get("every_frame")),
                   int(sampling["planned"]))


def _error_code(row: dict) -> Optional[str]:
    error = row.get("error")
    return (row.get("error_code") or refusal_code(error)) if isinstance(error, str) else None


def _stamp(row: dict) -> Optional[tuple[int, int]]:
    """A row's size and modification time, as integers: pandas writes a column with a null in it
    back as floats (NaN for null), which hold a time in nanoseconds only to 256 ns."""
    size, modified = row.get("file_size"), row.get("file_mtime_ns")
    if size is None or modified is None or size != size or modified != modified:  # None, or NaN
        return None
    return int(size), int(modified)


def _check_rows(path: Path, rows: Iterable[dict], key_field: str, model_revision: str,
                origin: dict[str, str]) -> None:
    """Refuse a file any of whose rows is not a scan's (read whole before anything is scanned:
    a bad row found later stopped the scan with a traceback), keyed by another field, made by
    another model, or of another dataset, split or image column (or of a dataset scan that did
    not name them: its indices may be another split's)."""
    for row in rows:
        if row.get(key_field) is None:
            other = "index" if key_field == "path" else "path"
            if row.get(other) is None:
                raise ResultsError(f"{path} holds a row of neither a path nor an index: is this the output "
                                   "of a Deforgify scan? (nothing was changed)")
            raise ResultsError(f"{path} holds the results of a scan by {other}, not by {key_field}: "
                               "give another output (nothing was changed)")
        if row["model_revision"] != model_revision:
            raise ResultsError(
                f"{path} was written with model {row['model_revision']}, and this scan uses "
                f"{model_revision}: give another output, or the model that wrote it (nothing was changed)")
        if any(row.get(column) != value for column, value in origin.items()):
            raise ResultsError(f"{path} holds rows of {_origin(row)}, and this scan is of {_origin(origin)}: a "
                               "dataset's rows are matched by their index alone, so give each split and column its "
                               "own output (nothing was changed)")


def _origin(row: dict) -> str:
    """Which dataset, split and image column a row is of, in words."""
    if row.get("dataset") is None:
        return "a dataset scan that did not name its dataset (written before rows did)"
    return f"dataset {row['dataset']} ({row.get('split')}, column {row.get('image_column')})"


def _pyarrow_parquet() -> Any:
    try:
        import pyarrow.parquet
    except ImportError:
        raise ResultsError("Parquet output needs pyarrow: pip install -r requirements-scan.txt, "
                           "or write .jsonl") from None
    return pyarrow.parquet
