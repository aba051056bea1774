"""Loading labelled faces through ``datasets`` and splitting them 80/10/10.

A source is a local folder in imagefolder layout (``real/``, ``fake/``, or only one of them) or
a Hugging Face dataset id (imagefolder-style or parquet with an ``image`` and a ``label``
column). Label names come from the dataset and are matched to the model's labels by name.
Images of one group (:mod:`training.groups`: one video, one person) stay in one split.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, replace
from itertools import zip_longest
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from sklearn.model_selection import StratifiedGroupKFold

from deforgify.hub import HubDatasetAway, load_hub_dataset
from deforgify.model.folder import LABELS
from deforgify.model.source import mistyped_folder
from training.groups import group_names

if TYPE_CHECKING:
    import datasets

SPLITS = ("train", "val", "test")
FOLDS = 10
"""Each source is cut into this many group-disjoint folds, stratified by label: one is the test
split, one the validation split, the rest train (80/10/10)."""
MIN_PER_STRATUM = 10


class DataError(ValueError):
    """A data source cannot be used; the message says why."""


@dataclass(frozen=True)
class Example:
    """One labelled image, not yet decoded."""

    source: str
    key: str
    """The file path inside the source, or ``#N`` for a row without one."""
    label: int
    """Index into :data:`deforgify.model.folder.LABELS`."""
    data: Union[str, bytes]
    """What to decode: a file path or the encoded bytes."""
    group: str = ""
    """Images of one group never straddle splits; empty means a group of its own."""

    @property
    def group_key(self) -> str:
        return f"{self.source}|{self.group or self.key}"

    @property
    def source_name(self) -> str:
        """The source's short name: its folder's name, or the name part of a dataset id."""
        return Path(self.source).name

    def describe(self) -> dict[str, str]:
        described = {"source": self.source, "file": self.key, "label": LABELS[self.label]}
        return {**described, "group": self.group} if self.group else described


def is_local(source: str) -> bool:
    """Whether ``source`` names a folder here rather than a Hub dataset id."""
    return Path(source).exists() or source.startswith((".", "/", "~"))


def recorded_source(source: str) -> str:
    """A source as a model folder records it (``metrics.json``, ``splits.json``): a folder given
    by an absolute path is recorded relative to the working folder (starting with "." so that
    it still reads as a folder, not a Hub id), so that a published model does not carry the
    layout of the machine it was trained on; anything else as given."""
    path = Path(source).expanduser()
    if not (path.is_absolute() and path.is_dir() and path.name):
        return source
    parent = os.path.relpath(path.parent)  # the folder's own name kept, even above the working folder
    return os.path.join(parent if parent.startswith(".") else os.path.join(".", parent), path.name)


def source_name(source: str) -> str:
    """A source as cards and notes name it: a folder by its name, a Hub dataset by its id."""
    return Path(source).name if is_local(source) else source


def load_examples(sources: list[str]) -> list[Example]:
    """All examples of all sources, in a fixed order (so that splits are reproducible). A source
    given twice (``../tiny`` and ``/tmp/tiny``) is refused: each of its images counted twice."""
    seen: dict[str, str] = {}
    for source in sources:
        same = str(Path(source).expanduser().resolve()) if is_local(source) else source
        if same in seen:
            raise DataError(f"{seen[same]} and {source} are the same source: give it once")
        seen[same] = source
    examples = [example for source in sources for example in load_source(source)]
    return sorted(examples, key=lambda e: (e.source, e.key))


def recorded_examples(sources: list[str]) -> list[Example]:
    """:func:`load_examples`, each named by its source as a model folder records it
    (:func:`recorded_source`): the sources are read, and named in the refusals of reading them,
    as given (one named "/tmp/data" as "../../tmp/data"); splitting names the recorded form."""
    examples = [replace(example, source=recorded_source(example.source)) for example in load_examples(sources)]
    return sorted(examples, key=lambda e: (e.source, e.key))


def _local_imagefolder(folder: str) -> Any:
    """A local imagefolder through ``datasets``, without its progress bars: "Downloading data:
    1289 files" was shown for files that are read where they are."""
    import datasets

    shown = datasets.is_progress_bar_enabled()
    datasets.disable_progress_bars()
    try:
        # drop_labels=False: a folder with only real/ (or fake/) still gets its label
        return datasets.load_dataset("imagefolder", data_dir=folder, drop_labels=False)
    finally:
        if shown:
            datasets.enable_progress_bars()


def load_source(source: str) -> list[Example]:
    import datasets

    dataset = _load_dataset(source)
    features = dataset.features
    if "image" not in features or "label" not in features:
        raise DataError(f"{source}: needs an 'image' and a 'label' column, has {list(features)}")
    label_names = getattr(features["label"], "names", None)
    if not label_names:
        raise DataError(f"{source}: the 'label' column has no class names")
    mapping = _label_mapping(source, label_names)
    dataset = dataset.cast_column("image", datasets.Image(decode=False))
    root = Path(source).resolve() if Path(source).is_dir() else None
    groups = group_names(root) if root else {}
    examples = [
        _example(source, root, index, row["image"], mapping[row["label"]])
        for index, row in enumerate(dataset)
    ]
    return [replace(e, group=groups.get(Path(e.key).name, "")) for e in examples]


def _load_dataset(source: str) -> datasets.Dataset:
    import datasets

    if not source.strip():
        raise DataError("an empty --data value: give a folder with real/ and fake/ or a dataset id")
    if Path(source).is_dir() and not any(child.is_dir() for child in Path(source).iterdir()):
        raise DataError(f"{source}: no real/ or fake/ folder of images in it (imagefolder layout)")
    inside = sources_inside(Path(source)) if Path(source).is_dir() else []
    if inside:
        raise DataError(f"{source} holds {len(inside)} sources ({', '.join(inside)}), not one: give each one to "
                        f"train on its own --data (--data {Path(source) / inside[0]} --data ...), so that each is "
                        "split by its own groups and balanced against the others (as one, their real/ and fake/ "
                        "folders were pooled, their group files ignored)")
    try:
        if Path(source).is_dir():
            loaded = _local_imagefolder(source)
        elif Path(source).expanduser().exists():
            raise DataError(f"{source} is a file, not a dataset folder (one with real/ and fake/ folders of images)")
        elif source.startswith((".", "/", "~")) or mistyped_folder(source):
            raise DataError(f"{source}: no such folder")
        else:
            loaded = load_hub_dataset(source)
    except HubDatasetAway as error:
        raise DataError(str(error)) from None
    except DataError:
        raise
    except Exception as error:  # datasets raises many kinds for a bad source
        if Path(source).is_dir() and "corresponds to no data" in str(error):  # folders, none of images
            raise DataError(f"{source}: no real/ or fake/ folder of images in it (imagefolder layout; the "
                            f"datasets library says: {error})") from None
        raise DataError(f"{source}: cannot load it as a dataset ({error})") from None
    parts = [loaded[name] for name in sorted(loaded)]
    if not parts or sum(len(part) for part in parts) == 0:
        raise DataError(f"{source}: contains no images")
    return datasets.concatenate_datasets(parts) if len(parts) > 1 else parts[0]


SPLIT_FOLDERS = {"train", "test", "validation", "valid", "val", "dev"}
"""Folder names of the imagefolder layout's splits (``train/real/...``), not sources."""


def sources_inside(folder: Path) -> list[str]:
    """The folders under ``folder`` that are sources of their own (each with real/ or fake/ in
    it), when ``folder`` has no real/ or fake/ of its own: ``../shared/data`` given whole was
    loaded as one source, its probe set of fakes never to be trained on included."""
    children = [child for child in folder.iterdir() if child.is_dir()]
    if any(child.name.lower() in LABELS for child in children):
        return []
    return sorted(child.name for child in children if child.name.lower() not in SPLIT_FOLDERS
                  and any((child / label).is_dir() for label in LABELS))


def _label_mapping(source: str, names: list[str]) -> dict[int, int]:
    lowered = [name.lower() for name in names]
    unknown = sorted(set(lowered) - set(LABELS))
    if unknown:
        raise DataError(f"{source}: labels must be {list(LABELS)}, found {names}")
    return {index: LABELS.index(name) for index, name in enumerate(lowered)}


def _example(source: str, root: Path | None, index: int, image: dict, label: int) -> Example:
    path = image.get("path")
    if image.get("bytes") is not None:
        return Example(source, path or f"#{index}", label, image["bytes"])
    if root is not None:
        return Example(source, str(Path(path).resolve().relative_to(root)), label, path)
    return Example(source, _path_in_repo(path), label, path)


def _path_in_repo(path: str) -> str:
    """A Hub file's path inside its repo, from its cache path (.../snapshots/<sha>/<path>)."""
    parts = Path(path).parts
    if "snapshots" in parts:
        return "/".join(parts[parts.index("snapshots") + 2 :])
    return path


def require_both_labels(examples: list[Example]) -> None:
    """Refuse training data without real or without fake faces, before anything is trained (a
    source may hold one label, like UTKFace's reals, as long as another brings the other)."""
    for index, label in enumerate(LABELS):
        if not any(e.label == index for e in examples):
            raise DataError(f"the training data has no {label} images: a detector learns from both real and fake "
                            f"faces (add a source with a {label}/ folder)")


def split_examples(examples: list[Example], seed: int) -> dict[str, list[Example]]:
    """Shuffled 80/10/10 split of every source, stratified by label, groups kept whole;
    identical for the same seed and examples."""
    strata = Counter(f"{e.source}|{e.label}" for e in examples)
    if min(strata.values(), default=0) < MIN_PER_STRATUM:
        raise DataError(
            f"every source needs at least {MIN_PER_STRATUM} images of each label it has to split "
            f"80/10/10; one has {min(strata.values(), default=0)}"
        )
    splits: dict[str, list[Example]] = {name: [] for name in SPLITS}
    for source in sorted({e.source for e in examples}):
        part = [e for e in examples if e.source == source]
        folds = _folds(part, seed)
        for example, fold in zip(part, folds):
            splits["test" if fold == 0 else "val" if fold == 1 else "train"].append(example)
    return splits


def per_source(examples: list[Example], limit: int) -> list[Example]:
    """At most ``limit`` examples of each source, its labels taken in turn, so that a sample of
    a source holds both classes where it has them (a split lists a source's fakes before its
    reals: its first ``limit`` were often all fakes)."""
    sample = []
    for source in sorted({e.source for e in examples}):
        by_label = [[e for e in examples if e.source == source and e.label == label]
                    for label in sorted({e.label for e in examples if e.source == source})]
        in_turn = [e for row in zip_longest(*by_label) for e in row if e is not None]
        sample += in_turn[:limit]
    return sample


def _folds(examples: list[Example], seed: int) -> list[int]:
    """The fold of each example (0 to FOLDS - 1), groups whole, labels stratified."""
    labels = [e.label for e in examples]
    groups = [e.group_key for e in examples]
    if len(set(groups)) < FOLDS:
        raise DataError(f"{examples[0].source}: needs at least {FOLDS} groups (videos, people) "
                        f"to split, has {len(set(groups))}")
    fold_of = [0] * len(examples)
    splitter = StratifiedGroupKFold(FOLDS, shuffle=True, random_state=seed)
    for fold, (_, rows) in enumerate(splitter.split(examples, labels, groups)):
        for row in rows:
            fold_of[row] = fold
    return fold_of
