"""Helpers for the tests: running modules as a user would, test data, the shared datasets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("DEFORGIFY_DATA", ROOT.parent / "shared" / "data"))


def make_tiny_dataset(root: Path, astronaut: np.ndarray, per_class: int = 30) -> Path:
    """An imagefolder dataset (real/, fake/) whose classes a CNN tells apart in a few epochs:
    "real" are jittered crops of the astronaut's face, "fake" the same with red and blue swapped."""
    rng = np.random.default_rng(0)
    for label in ("real", "fake"):
        (root / label).mkdir(parents=True)
        for index in range(per_class):
            x, y = rng.integers(100, 160), rng.integers(20, 80)
            crop = astronaut[y : y + 200, x : x + 200].astype(np.float32)
            crop = np.clip(crop * rng.uniform(0.85, 1.15), 0, 255).astype(np.uint8)
            if label == "fake":
                crop = crop[:, :, ::-1]
            Image.fromarray(crop).save(root / label / f"{label}_{index}.jpg", quality=90)
    return root


def run_module(*args: str, cwd: Path = ROOT, env: dict | None = None, timeout: float = 600):
    """Run ``python -m ARGS`` as a user would; return the CompletedProcess."""
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
    )


def require_shared_data(name: str) -> Path:
    """The dataset folder ``name`` under ../shared/data; skipped (with the reason) if absent."""
    folder = SHARED_DATA / name
    if not folder.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"{folder} is missing, and CI must have it")
        pytest.skip(f"{folder} is not present on this machine")
    return folder


def train_tiny(data: Path | str, output: Path, *extra: str, env: dict | None = None):
    """`training.train` with settings that fit the tiny dataset in a few seconds."""
    return run_module(
        "training.train", "--data", str(data), "--output", str(output), "--epochs", "8",
        "--batch-size", "8", "--workers", "1", "--seed", "0", *extra, env=env,
    )


def bundled_model_with(folder: Path, weights: bool = True, **settings) -> Path:
    """A copy of the bundled model folder at ``folder`` whose config.json has ``settings`` set
    (without the weights when ``weights`` is False: for checks of the config alone)."""
    import json
    import shutil

    from deforgify.model.source import BUNDLED_MODEL

    ignore = None if weights else shutil.ignore_patterns("*.keras", "*.tflite", "*.png")
    shutil.copytree(BUNDLED_MODEL, folder, ignore=ignore)
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps(config | settings))
    return folder


def two_faces(astronaut: np.ndarray) -> np.ndarray:
    """A 480x300 picture of two heads: the astronaut's, and beside it a copy at 0.75 scale."""
    import cv2

    head = astronaut[0:260, 100:350]
    canvas = np.full((300, 480, 3), 230, np.uint8)  # a bright, flat background
    canvas[0:260, 0:250] = head
    small = cv2.resize(head, None, fx=0.75, fy=0.75, interpolation=cv2.INTER_AREA)
    canvas[300 - small.shape[0] :, 480 - small.shape[1] :] = small
    return canvas


def small_face_in_a_large_photo(astronaut: np.ndarray, face_width: int, size: tuple[int, int] = (2048, 1536),
                                at: tuple[int, int] = (1300, 900)) -> tuple[np.ndarray, tuple[int, ...]]:
    """The astronaut shrunk so that her face is ``face_width`` px wide, put ``at`` (x, y) into a
    scene of ``size`` (scikit-image's coffee enlarged): the photo and her face's box in it."""
    import cv2
    from skimage import data

    from deforgify.faces.finding import detect_faces

    x, y, w, h = detect_faces(astronaut)[0]
    scale = face_width / w
    small = cv2.resize(astronaut, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    scene = cv2.resize(data.coffee(), size, interpolation=cv2.INTER_CUBIC)
    scene[at[1] : at[1] + small.shape[0], at[0] : at[0] + small.shape[1]] = small
    return scene, tuple(round(v * scale) + o for v, o in zip((x, y, w, h), (*at, 0, 0)))
