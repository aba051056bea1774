"""What a scan reads: the images of a folder tree, of a list of files, or of a Hugging Face
dataset (streamed), each with the key that names its row in the results.

Files are named by their path as found (``photos/2024/a.jpg`` when ``photos`` was given), dataset
rows by their index in the split. Every collection is listed in the same order each time, which
is what lets a scan resume where it stopped.
"""

from __future__ import annotations

import importlib
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Container, Iterator, Optional

from deforgify.hub import HubDatasetAway, load_hub_dataset
from deforgify.video.frames import VIDEO_SUFFIXES

if TYPE_CHECKING:
    import datasets

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".webp", ".bmp", ".gif",
                            ".tif", ".tiff", ".ppm", ".pgm", ".pbm", ".heic", ".heif", ".avif"})
"""Files of a folder tree that are scanned (with videos: :data:`SCANNED_SUFFIXES`); others (and
hidden ones) are counted and skipped."""
SCANNED_SUFFIXES = IMAGE_SUFFIXES | VIDEO_SUFFIXES


class CollectionError(ValueError):
    """The collection cannot be read at all (no such folder, dataset or column)."""


@dataclass(frozen=True)
class Item:
    """One image of a collection: its key and the image itself (a path, or encoded bytes)."""

    key: str | int
    image: Any
    path: Optional[str] = None
    """The file the image came from, when there is one (a dataset row may name its file too)."""
    stamp: Optional[tuple[int, int]] = None
    """The file's size and modification time (ns) taken before it is read (:func:`file_stamp`):
    its row keeps them, and a later scan scores the file again when they differ."""


def file_stamp(path: str) -> Optional[tuple[int, int]]:
    """A file's size and modification time in nanoseconds; None when it cannot be told."""
    try:
        status = os.stat(path)
    except (OSError, ValueError):
        return None
    return status.st_size, status.st_mtime_ns


@dataclass
class Collection:
    """A named, ordered source of items, with their number when it is known in advance."""

    description: str
    key_field: str
    """"path" or "index": the column of the results that names each row."""
    items: Callable[[], Iterator[Item]]
    total: Optional[int] = None
    skipped: dict[str, int] = field(default_factory=dict)
    """Entries left out, by reason (for the summary)."""
    keys: Optional[Container] = None
    """Every item's key, when known in advance: what a results file already holds of this
    collection is counted with it (the file may hold other collections' rows too)."""
    origin: dict[str, str] = field(default_factory=dict)
    """Columns every row of this collection gets, naming it (a dataset's ``dataset``, ``split``
    and ``image_column``): rows keyed by index alone would be taken for another split's."""


def folder_tree(root: str) -> Collection:
    """Every image file under ``root``, recursively, in sorted order; hidden files and folders
    and files that are not images by their suffix are skipped (and counted)."""
    if not root.strip():
        raise CollectionError("an empty folder name: give the folder to scan")
    if not os.path.isdir(root):
        raise CollectionError(f"{root}: no such folder" if not os.path.exists(root) else
                              f"{root} is a file, not a folder: scan a folder, or name files one per line "
                              "in a list given with --files-from (deforgify predict judges a few files)")
    paths, skipped = _walk(os.path.normpath(root))  # ./photos/ and photos name the same rows
    if not paths:
        raise CollectionError(f"{root}: no image files in it, nor videos (looked for {', '.join(sorted(SCANNED_SUFFIXES))})")
    return Collection(f"folder {root}", "path", lambda: (Item(p, p, p) for p in paths), len(paths),
                      {why: n for why, n in skipped.items() if n}, frozenset(paths))


def _walk(root: str) -> tuple[list[str], dict[str, int]]:
    """The files to scan under ``root``, and what was left out by reason: hidden files and
    folders (a folder counts once), files that are not images, links to folders (not followed:
    a link can lead back up the tree), folders that could not be listed (raises
    :class:`CollectionError` for ``root`` itself)."""
    paths: list[str] = []
    skipped = {"hidden": 0, "not an image file": 0, "a link to a folder": 0, "a folder it could not read": 0}
    unreadable: list[OSError] = []
    for folder, subfolders, files in os.walk(root, onerror=unreadable.append):
        kept = [name for name in subfolders if not name.startswith(".")]
        skipped["hidden"] += len(subfolders) - len(kept)
        links = [name for name in kept if os.path.islink(os.path.join(folder, name))]
        skipped["a link to a folder"] += len(links)
        subfolders[:] = [name for name in kept if name not in links]
        for name in files:
            if name.startswith("."):
                skipped["hidden"] += 1
            elif Path(name).suffix.lower() not in SCANNED_SUFFIXES:
                skipped["not an image file"] += 1
            else:
                paths.append(os.path.join(folder, name))
    for error in unreadable:
        if error.filename == root:
            raise CollectionError(f"{root}: cannot read the folder ({error.strerror})")
        skipped["a folder it could not read"] += 1
    return sorted(paths), skipped


def file_list(list_file: str) -> Collection:
    """The files named one per line in ``list_file`` (``-`` for standard input), in that order;
    blank lines and comments (lines starting with ``#``: a file whose name starts so is given as
    ``./#name``) are ignored, a path named twice is scanned once (and counted: four lines were
    "3 files", unsaid). Relative paths are from the folder the scan runs in."""
    try:
        text = sys.stdin.read() if list_file == "-" else Path(list_file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CollectionError(f"cannot read the list {list_file}: {getattr(error, 'strerror', None) or error}") from None
    named = [os.path.normpath(line) for line in map(str.strip, text.splitlines()) if line and not line.startswith("#")]
    paths = list(dict.fromkeys(named))
    if not paths:
        raise CollectionError(f"the list {list_file} names no files")
    again = {"named again in the list": len(named) - len(paths)} if len(named) > len(paths) else {}
    return Collection(f"list {list_file}", "path", lambda: (Item(p, p, p) for p in paths), len(paths), again,
                      keys=frozenset(paths))


def hub_dataset(dataset_id: str, split: str = "train", column: Optional[str] = None,
                streaming: bool = True) -> Collection:
    """The images of one split of a Hugging Face dataset (by Hub id, honouring ``HF_ENDPOINT``),
    streamed by default so that a large dataset is never downloaded whole first."""
    dataset = _load_split(dataset_id, split, streaming)
    column = column or _image_column(dataset_id, dataset.features)
    if column not in (dataset.features or {}):
        raise CollectionError(f"{dataset_id}: no column {column!r}; it has {list(dataset.features or {})}")
    _check_images(dataset_id, column, dataset.features)
    import datasets

    rows = dataset.select_columns([column]).cast_column(column, datasets.Image(decode=False))
    total = _split_size(dataset, split)

    def items() -> Iterator[Item]:
        for index, row in enumerate(rows):
            image = row[column] or {}
            path = image.get("path") or None
            # a row without bytes may name a local file; an empty cell is scored as an error
            yield Item(index, image.get("bytes") or path, path)

    return Collection(f"dataset {dataset_id} ({split})", "index", items, total,
                      keys=range(total) if total is not None else None,
                      origin={"dataset": dataset_id, "split": split, "image_column": column})


def _load_split(dataset_id: str, split: str, streaming: bool) -> datasets.Dataset | datasets.IterableDataset:
    try:
        importlib.import_module("datasets")
    except ImportError:
        raise CollectionError("scanning a dataset needs the datasets library: pip install -r "
                              "requirements-scan.txt") from None
    if not dataset_id.strip():
        raise CollectionError("an empty dataset id: give OWNER/NAME")
    try:
        return load_hub_dataset(dataset_id, split=split, streaming=streaming)
    except HubDatasetAway as error:
        raise CollectionError(str(error)) from None
    except ValueError as error:
        if "split" in str(error).lower():
            raise CollectionError(f"{dataset_id} has no split {split!r} ({error})") from None
        raise CollectionError(f"{dataset_id}: cannot load it as a dataset ({error})") from None
    except Exception as error:  # datasets raises many kinds for a missing or private dataset
        raise CollectionError(f"{dataset_id}: cannot load it as a dataset ({type(error).__name__}: {error})") from None


def _image_column(dataset_id: str, features: datasets.Features | None) -> str:
    import datasets

    images = [name for name, kind in (features or {}).items() if isinstance(kind, datasets.Image)]
    if not images:
        raise CollectionError(f"{dataset_id}: no image column (columns: {list(features or {})}); name one with --column")
    return images[0]


IMAGE_VALUES = ("string", "large_string", "binary", "large_binary")
"""Columns of these plain values can hold images too: a file's path, or its bytes."""


def _check_images(dataset_id: str, column: str, features: datasets.Features) -> None:
    """Refuse a column that cannot hold images (a label's numbers were cast to images part-way
    through the scan, which stopped on Arrow's "Unsupported cast from int64 to struct")."""
    import datasets

    kind = features[column]
    if (isinstance(kind, datasets.Image) or (isinstance(kind, datasets.Value) and kind.dtype in IMAGE_VALUES)
            or (isinstance(kind, dict) and kind and set(kind) <= {"bytes", "path"})):  # an image's own struct
        return
    images = [name for name, feature in features.items() if isinstance(feature, datasets.Image)]
    shown = kind.dtype if isinstance(kind, datasets.Value) else type(kind).__name__
    raise CollectionError(f"{dataset_id}: column {column!r} holds {shown} values, not images (nor their paths or "
                          f"bytes); its image columns: {images or 'none'}")


def _split_size(dataset: datasets.Dataset | datasets.IterableDataset, split: str) -> Optional[int]:
    splits = getattr(getattr(dataset, "info", None), "splits", None) or {}
    info = splits.get(split)
    return info.num_examples if info and info.num_examples else None
