"""Real faces by group (training.demographics): counted per group of a source that names them, in
training's metrics and the model card, and recorded in a model folder trained before."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from deforgify.faces.unjudged import UNJUDGED_NO_COLOUR
from training.card import render_card
from training.demographics import people_groups, tally

from helpers import run_module

RACE_COLUMN = "race(0=white,1=black,2=asian,3=indian,4=other)"
GENDER_COLUMN = "gender(0=m,1=f)"


def with_groups(dataset: Path, folder: Path) -> Path:
    """A copy of ``dataset`` (same folder name) whose files.csv gives each real photo an age,
    gender and race, as UTKFace's does: alternately a white man of 25 and an Asian woman of 50."""
    copy = folder / dataset.name
    shutil.copytree(dataset, copy)
    with open(copy / "files.csv", "w", newline="") as table:
        writer = csv.writer(table)
        writer.writerow(["file", "age", GENDER_COLUMN, RACE_COLUMN])
        for index, photo in enumerate(sorted((copy / "real").iterdir())):
            writer.writerow([photo.name, 25, 0, 0] if index % 2 == 0 else [photo.name, 50, 1, 2])
    return copy


def answer(label: str, caution: str | None = None) -> SimpleNamespace:
    return SimpleNamespace(label=label, caution=caution)


def test_answers_are_counted_per_group_with_the_widest_gap_of_each_kind() -> None:
    white = {"race": "white", "gender": "man", "age": "16-29"}
    asian = {"race": "asian", "gender": "woman", "age": "16-29"}
    result = tally([(white, answer("real")), (white, answer("real")), (white, answer("unsure", UNJUDGED_NO_COLOUR.caution)),
                    (asian, answer("unsure")), (asian, answer("fake"))])
    assert result["photos"] == 5
    assert result["groups"]["all"]["all"] == {"photos": 5, "real": 0.4, "unsure": 0.4, "fake": 0.2, "no_face": 0.0,
                                              "no_colour": 0.2}
    assert result["groups"]["race"]["white"]["real"] == pytest.approx(2 / 3, abs=1e-4)
    assert result["groups"]["race"]["asian"] == {"photos": 2, "real": 0.0, "unsure": 0.5, "fake": 0.5, "no_face": 0.0,
                                                 "no_colour": 0.0}
    assert result["widest_gap"]["race"]["real"] == pytest.approx(2 / 3, abs=1e-4)
    assert result["widest_gap"]["race"]["fake"] == 0.5
    assert "age" not in result["widest_gap"]  # one group of that kind: no gap


def test_a_source_without_a_table_of_groups_has_none(tmp_path: Path) -> None:
    assert people_groups(str(tmp_path)) == {}
    (tmp_path / "files.csv").write_text("file,label\na.jpg,real\n")  # a table, but not of people's groups
    assert people_groups(str(tmp_path)) == {}


def test_training_counts_real_test_faces_by_group_in_its_metrics_and_card(tiny_dataset: Path, tmp_path: Path) -> None:
    from helpers import train_tiny

    data = with_groups(tiny_dataset, tmp_path)
    result = train_tiny(data, tmp_path / "model")
    assert result.returncode == 0, result.stderr[-3000:]
    metrics = json.loads((tmp_path / "model" / "metrics.json").read_text())
    splits = json.loads((tmp_path / "model" / "splits.json").read_text())
    real_test = [e for e in splits["test"] if e["label"] == "real"]
    groups = metrics["real_faces_by_group"][data.name]
    assert groups["photos"] == len(real_test) > 0
    assert sum(s["photos"] for s in groups["groups"]["race"].values()) == len(real_test)
    assert set(groups["groups"]["race"]) <= {"white", "asian"} and set(groups["groups"]) == {"all", "race", "gender",
                                                                                             "age"}
    card = (tmp_path / "model" / "README.md").read_text()
    assert "## Real faces by group" in card and f"{data.name}: {len(real_test)} real test photos" in card


def test_a_model_trained_before_gets_the_figures_recorded_its_weights_untouched(tiny_model: Path, tiny_dataset: Path,
                                                                                tmp_path: Path) -> None:
    model = tmp_path / "model"
    shutil.copytree(tiny_model, model)
    metrics = json.loads((model / "metrics.json").read_text())
    metrics.pop("real_faces_by_group", None)  # as a folder trained before the figures were measured
    (model / "metrics.json").write_text(json.dumps(metrics))
    weights = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in model.iterdir() if p.suffix != ".md"
               and p.name != "metrics.json"}
    data = with_groups(tiny_dataset, tmp_path / "data")

    refused = run_module("training.demographics", str(model), "--data", str(tiny_dataset), "--write")
    assert refused.returncode == 2 and "has no files.csv giving each photo's age, gender and race" in refused.stderr
    refused = run_module("training.demographics", str(model), "--data", str(data), "--split", "all", "--write")
    assert refused.returncode == 2 and "--write records the test split's figures" in refused.stderr
    assert "real_faces_by_group" not in json.loads((model / "metrics.json").read_text())  # refused: nothing written

    done = run_module("training.demographics", str(model), "--data", str(data), "--write", "--workers", "1")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "race: asian" in done.stdout and "widest gap" in done.stdout and "recorded in" in done.stdout
    recorded = json.loads((model / "metrics.json").read_text())["real_faces_by_group"][data.name]
    assert recorded["photos"] == len([e for e in json.loads((model / "splits.json").read_text())["test"]
                                      if e["label"] == "real"])
    assert "## Real faces by group" in (model / "README.md").read_text()
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in model.iterdir() if p.suffix != ".md"
            and p.name != "metrics.json"} == weights


def test_the_card_has_no_such_section_without_the_figures(tiny_model: Path) -> None:
    metrics = json.loads((tiny_model / "metrics.json").read_text())
    config = json.loads((tiny_model / "config.json").read_text())
    metrics.pop("real_faces_by_group", None)
    assert "Real faces by group" not in render_card(metrics, config, "m", None)
