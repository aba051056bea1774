"""Loading labelled faces through ``datasets`` and splitting them 80/10/10.

A source is a local folder in imagefolder layout (``real/``, ``fake/``) or a Hugging Face
dataset id (imagefolder-style or parquet with an ``image`` and a ``label`` column). Label names
come from the dataset and are matched to the model's labels by name.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Union

from sklearn.model_selection import train_test_split

from deforgify.model_folder import LABELS

SPLITS = ("train", "val", "test")
VAL_FRACTION = 0.1
TEST_FRACTION = 0.1


class DataError(ValueError):
    """A data source cannot be used; the message says why."""


@dataclass(frozen=True)
class Example:
    """One labelled image, not yet decoded."""

    source: str
    key: str
    """The file path inside the source, or ``#N`` for a row without one."""
    label: int
    """Index into :data:`deforgify.model_folder.LABELS`."""
    data: Union[str, bytes]
    """What to decode: a file path or the encoded bytes."""

    def describe(self) -> dict[str, str]:
        return {"source": self.source, "file": self.key, "label": LABELS[self.label]}


def load_examples(sources: list[str]) -> list[Example]:
    """All examples of all sources, in a fixed order (so that splits are reproducible)."""
    examples = [example for source in sources for example in load_source(source)]
    return sorted(examples, key=lambda e: (e.source, e.key))


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
    return [
        _example(source, root, index, row["image"], mapping[row["label"]])
        for index, row in enumerate(dataset)
    ]


def _load_dataset(source: str):
    import datasets

    try:
        if Path(source).is_dir():
            loaded = datasets.load_dataset("imagefolder", data_dir=source)
        elif source.startswith((".", "/", "~")):
            raise DataError(f"{source}: no such folder")
        else:
            loaded = datasets.load_dataset(source)
    except DataError:
        raise
    except Exception as error:  # datasets raises many kinds for a bad source
        raise DataError(f"{source}: cannot load it as a dataset ({error})") from None
    parts = [loaded[name] for name in sorted(loaded)]
    if not parts or sum(len(part) for part in parts) == 0:
        raise DataError(f"{source}: contains no images")
    return datasets.concatenate_datasets(parts) if len(parts) > 1 else parts[0]


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


def split_examples(examples: list[Example], seed: int) -> dict[str, list[Example]]:
    """Shuffled 80/10/10 split, stratified by source and label, identical for the same seed."""
    strata = [f"{e.source}|{e.label}" for e in examples]
    smallest = min(Counter(strata).values())
    if smallest < 10:
        raise DataError(
            f"every source needs at least 10 images of each label to split 80/10/10; "
            f"one has {smallest}"
        )
    rest, test = train_test_split(
        examples, test_size=TEST_FRACTION, stratify=strata, random_state=seed, shuffle=True
    )
    rest_strata = [f"{e.source}|{e.label}" for e in rest]
    train, val = train_test_split(
        rest,
        test_size=VAL_FRACTION / (1 - TEST_FRACTION),
        stratify=rest_strata,
        random_state=seed,
        shuffle=True,
    )
    return {"train": train, "val": val, "test": test}
