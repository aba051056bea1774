"""Loading labelled images through `datasets` and the seeded, stratified 80/10/10 split."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from deforgify.model.folder import LABELS
from training.data import DataError, Example, load_examples, load_source, per_source, split_examples


def fake_examples(counts: dict[tuple[str, str], int]) -> list[Example]:
    return [
        Example(source, f"{label}/{i}.jpg", LABELS.index(label), f"{label}/{i}.jpg")
        for (source, label), n in counts.items()
        for i in range(n)
    ]


def test_imagefolder_source_loads_with_labels_by_name(tiny_dataset: Path) -> None:
    examples = load_source(str(tiny_dataset))
    assert len(examples) == 60
    by_label = Counter(LABELS[e.label] for e in examples)
    assert by_label == {"real": 30, "fake": 30}
    for example in examples:  # label names come from the folders, mapped by name
        assert example.key.startswith(LABELS[example.label] + "/")
        assert Path(example.data).is_file()


def test_labels_other_than_real_and_fake_are_refused(tmp_path: Path) -> None:
    for label in ("cat", "dog"):
        (tmp_path / label).mkdir()
        for i in range(3):
            Image.new("RGB", (40, 40)).save(tmp_path / label / f"{i}.png")
    with pytest.raises(DataError, match=r"labels must be \['real', 'fake'\], found \['cat', 'dog'\]"):
        load_source(str(tmp_path))


@pytest.mark.parametrize("source", ["./no/such/folder", "data/typo/faces", "tests/no-such-folder"])
def test_a_missing_folder_is_refused_without_asking_the_hub(source: str, monkeypatch) -> None:
    """A relative path that is not a Hub id (more than OWNER/NAME, or a local folder's child)."""
    from helpers import ROOT

    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # asking would take retries, then fail otherwise
    with pytest.raises(DataError, match=f"^{re.escape(source)}: no such folder$"):
        load_source(source)


def test_a_file_given_for_a_dataset_folder_is_said_to_be_one(tmp_path) -> None:
    """It was "no such folder", of a file that exists."""
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8\xff")
    with pytest.raises(DataError, match=f"^{re.escape(str(photo))} is a file, not a dataset folder"):
        load_source(str(photo))


def test_split_is_80_10_10_stratified_and_disjoint() -> None:
    counts = {("a", "real"): 200, ("a", "fake"): 300, ("b", "real"): 100, ("b", "fake"): 100}
    examples = fake_examples(counts)
    splits = split_examples(examples, seed=3)
    keys = {name: {(e.source, e.key) for e in part} for name, part in splits.items()}
    assert sum(len(k) for k in keys.values()) == len(examples)
    assert not (keys["train"] & keys["val"] or keys["train"] & keys["test"] or keys["val"] & keys["test"])
    for name, fraction in (("train", 0.8), ("val", 0.1), ("test", 0.1)):
        strata = Counter((e.source, LABELS[e.label]) for e in splits[name])
        for stratum, total in counts.items():
            assert abs(strata[stratum] - fraction * total) <= 1.5, (name, stratum)


def test_a_sample_of_each_source_holds_both_classes() -> None:
    """The benchmarks' and tests' --per-source samples: a split lists a source's fakes first."""
    counts = {("a", "fake"): 30, ("a", "real"): 30, ("b", "fake"): 3, ("b", "real"): 20, ("c", "real"): 9}
    sample = per_source(sorted(fake_examples(counts), key=lambda e: (e.source, -e.label)), 10)
    got = Counter((e.source, LABELS[e.label]) for e in sample)
    assert got == {("a", "fake"): 5, ("a", "real"): 5, ("b", "fake"): 3, ("b", "real"): 7, ("c", "real"): 9}


def test_split_is_the_same_for_the_same_seed_whatever_the_input_order(tiny_dataset: Path) -> None:
    examples = load_examples([str(tiny_dataset)])
    shuffled = [examples[i] for i in np.random.default_rng(5).permutation(len(examples))]
    first = split_examples(examples, seed=7)
    again = split_examples(sorted(shuffled, key=lambda e: (e.source, e.key)), seed=7)
    other = split_examples(examples, seed=8)
    assert all([e.key for e in first[n]] == [e.key for e in again[n]] for n in first)
    assert [e.key for e in first["test"]] != [e.key for e in other["test"]]
    assert load_examples([str(tiny_dataset)]) == examples


def test_too_few_images_to_split_is_refused() -> None:
    with pytest.raises(DataError, match="at least 10 images of each label"):
        split_examples(fake_examples({("a", "real"): 50, ("a", "fake"): 4}), seed=0)


def test_an_empty_source_or_a_folder_without_class_folders_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="an empty --data value"):
        load_source("")
    Image.new("RGB", (40, 40)).save(tmp_path / "photo.png")
    with pytest.raises(DataError, match="no real/ or fake/ folder"):
        load_source(str(tmp_path))


def test_a_folder_of_sources_is_refused_with_the_sources_to_give_one_by_one(tmp_path: Path) -> None:
    """``--data ../shared/data`` was taken as one source: the real/ and fake/ folders of all seven
    pooled, a probe set's fakes trained on, their group files ignored, no balance between them."""
    for folder in ("alpha/real", "alpha/fake", "beta/fake", "notes"):
        (tmp_path / "data" / folder).mkdir(parents=True)
        Image.new("RGB", (40, 40)).save(tmp_path / "data" / folder / "a.png")
    with pytest.raises(DataError, match=re.escape(
            f"{tmp_path / 'data'} holds 2 sources (alpha, beta), not one: give each one to train on its own --data "
            f"(--data {tmp_path / 'data' / 'alpha'} --data ...)")):
        load_source(str(tmp_path / "data"))
    for folder in ("train/real", "train/fake", "test/real", "test/fake"):  # splits of one source: its own layout
        (tmp_path / "split" / folder).mkdir(parents=True)
        Image.new("RGB", (40, 40), (9, 9, 9)).save(tmp_path / "split" / folder / "a.png")
    assert len(load_source(str(tmp_path / "split"))) == 4


def test_a_source_given_twice_is_refused(tiny_dataset: Path) -> None:
    """``--data ../tiny --data /tmp/tiny``: every image of it counted twice, unsaid."""
    import os

    again = os.path.relpath(tiny_dataset)
    with pytest.raises(DataError, match=re.escape(f"{tiny_dataset} and {again} are the same source: give it once")):
        load_examples([str(tiny_dataset), again])
