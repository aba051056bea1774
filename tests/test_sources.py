"""Several sources: splits that keep videos whole, real-only sources, balanced epochs, and the
held-out parts of the leave-one-source-out evaluation."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from deforgify.model.folder import LABELS
from training.augment import source_quotas
from training.data import Example, load_examples, split_examples
from training.groups import group_names
from training.leave_one_out import ffpp_method, units

REAL, FAKE = LABELS.index("real"), LABELS.index("fake")


def write_images(folder: Path, names: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        Image.new("RGB", (40, 40), (len(name) * 7 % 255, 90, 120)).save(folder / name)


def test_pairs_and_crops_files_name_the_groups(tmp_path: Path) -> None:
    (tmp_path / "pairs.csv").write_text("real_file,fake_file,other\nr1.jpg,f9.jpg,x\nr2.jpg,f8.jpg,y\n")
    (tmp_path / "crops.csv").write_text("label,file,target_video\nreal,c1.jpg,033\nfake,c2.jpg,033\n")
    assert group_names(tmp_path) == {
        "r1.jpg": "r1.jpg", "f9.jpg": "r1.jpg", "r2.jpg": "r2.jpg", "f8.jpg": "r2.jpg",
        "c1.jpg": "video 033", "c2.jpg": "video 033",
    }


def test_a_groups_file_names_the_groups_by_file_name(tmp_path: Path) -> None:
    (tmp_path / "groups.csv").write_text(
        "file,label,generator,group\nfake/mj_a_t0.jpg,fake,midjourney,mjgrid_a\n"
        "fake/mj_a_t3.jpg,fake,midjourney,mjgrid_a\nreal/pixabay_1.jpg,real,,pixabay_1\n")
    assert group_names(tmp_path) == {"mj_a_t0.jpg": "mjgrid_a", "mj_a_t3.jpg": "mjgrid_a",
                                     "pixabay_1.jpg": "pixabay_1"}


def test_a_csv_without_the_columns_names_no_groups(tmp_path: Path) -> None:
    (tmp_path / "pairs.csv").write_text("a,b\n1,2\n")
    assert group_names(tmp_path) == {}


def test_videos_never_straddle_splits_and_real_only_sources_load(tmp_path: Path) -> None:
    videos = tmp_path / "videos"
    rows = []
    for video in range(30):
        frames = [f"v{video:02d}_f{f}.jpg" for f in range(4)]
        write_images(videos / ("real" if video % 2 else "fake"), frames)
        rows += [f"{'real' if video % 2 else 'fake'},{name},{video:03d}" for name in frames]
    (videos / "crops.csv").write_text("label,file,target_video\n" + "\n".join(rows) + "\n")
    write_images(tmp_path / "reals" / "real", [f"p{i}.jpg" for i in range(40)])

    examples = load_examples([str(videos), str(tmp_path / "reals")])
    assert Counter((Path(e.source).name, LABELS[e.label]) for e in examples) == {
        ("videos", "real"): 60, ("videos", "fake"): 60, ("reals", "real"): 40}
    assert all(e.group.startswith("video ") for e in examples if Path(e.source).name == "videos")
    splits = split_examples(examples, seed=1)
    groups = {name: {e.group_key for e in part} for name, part in splits.items()}
    assert not (groups["train"] & groups["val"] or groups["train"] & groups["test"]
                or groups["val"] & groups["test"])
    for name, part in splits.items():  # both sources in every split, whole videos of 4 frames
        assert {Path(e.source).name for e in part} == {"videos", "reals"}
        assert all(n == 4 for n in Counter(e.group_key for e in part if e.group).values())
    assert len(splits["test"]) == pytest.approx(0.1 * len(examples), abs=8)


def test_an_epoch_takes_at_most_the_cap_of_each_source_keeping_its_label_ratio() -> None:
    sources = ["big"] * 1000 + ["small"] * 100 + ["middle"] * 300
    labels = np.array([REAL] * 250 + [FAKE] * 750 + [REAL] * 100 + [REAL] * 150 + [FAKE] * 150)
    quotas = source_quotas(sources, labels, None)  # cap: the median source size, 300
    taken = {key: take for key, (_, take) in quotas.items()}
    assert taken == {("big", REAL): 75, ("big", FAKE): 225, ("middle", REAL): 150,
                     ("middle", FAKE): 150, ("small", REAL): 100}
    assert all(labels[rows].tolist() == [label] * len(rows) for (_, label), (rows, _) in quotas.items())
    assert source_quotas(sources, labels, 50)[("small", REAL)][1] == 50


def ffpp_example(method: str, target: str, frame: int, label: int) -> Example:
    name = f"ffpp_{method}_{target}_f{frame}.jpg"
    return Example("/data/ffpp-c23-faces", f"{LABELS[label]}/{name}", label, name, f"video {target}")


def test_a_held_out_method_shares_no_video_with_training() -> None:
    examples = [ffpp_example("orig", t, f, REAL) for t in ("001", "002", "003") for f in range(3)]
    examples += [ffpp_example("Deepfakes", "001", f, FAKE) for f in range(3)]
    examples += [ffpp_example("FaceSwap", t, f, FAKE) for t in ("002", "003") for f in range(3)]
    examples += [Example("/data/other", f"real/{i}.jpg", REAL, f"{i}.jpg") for i in range(3)]
    by_name = {unit.name: unit for unit in units(examples)}
    assert set(by_name) >= {"ffpp-c23-faces", "other", "ffpp-c23-faces:Deepfakes", "ffpp-c23-faces:FaceSwap"}
    deepfakes = by_name["ffpp-c23-faces:Deepfakes"]
    trained = [e for e in examples if not deepfakes.held_out(e)]
    tested = [e for e in examples if deepfakes.held_out(e) and deepfakes.tested(e)]
    assert {e.group for e in tested} == {"video 001"}
    assert Counter(LABELS[e.label] for e in tested) == {"real": 3, "fake": 3}
    assert not any(e.group == "video 001" for e in trained)
    assert Counter(ffpp_method(e) for e in trained if e.source_name == "ffpp-c23-faces") == {
        "orig": 6, "FaceSwap": 6}
    assert sum(e.source_name == "other" for e in trained) == 3
