"""Shared fixtures. Every image here is made by the tests or ships inside a PyPI package."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import numpy as np
import pytest
from huggingface_hub import HfApi
from PIL import Image

from helpers import make_tiny_dataset, train_tiny
from hub_double import HubDouble


@pytest.fixture(autouse=True, scope="session")
def ctrl_c_heard() -> None:
    """A test run started in the background of a script (``pytest &``) inherits Ctrl-C ignored,
    and so would every command it starts: the tests that press Ctrl-C on one saw it run to the
    end. A handler here is reset to the default in each command it starts."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True, scope="session")
def face_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Face boxes cached by training go to a folder of the test run, not the user's cache."""
    folder = tmp_path_factory.mktemp("cache")
    os.environ["DEFORGIFY_CACHE"] = str(folder)
    return folder


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    """A real photograph of a face (Eileen Collins), shipped inside scikit-image."""
    from skimage import data

    return data.astronaut()


@pytest.fixture(scope="session")
def astronaut_face_centre() -> tuple[int, int]:
    """Where the astronaut's face is centred (x, y), measured by eye on the 512x512 image."""
    return (222, 115)


@pytest.fixture()
def astronaut_jpeg(tmp_path: Path, astronaut: np.ndarray) -> Path:
    path = tmp_path / "astronaut.jpg"
    Image.fromarray(astronaut).save(path, quality=92)
    return path


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory: pytest.TempPathFactory, astronaut: np.ndarray) -> Path:
    return make_tiny_dataset(tmp_path_factory.mktemp("tiny") / "faces", astronaut)


@pytest.fixture(scope="session")
def tiny_model(tiny_dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model folder trained by `training.train` on the tiny dataset (about 15 s)."""
    output = tmp_path_factory.mktemp("run") / "model"
    result = train_tiny(tiny_dataset, output)
    assert result.returncode == 0, result.stderr[-3000:]
    return output


@pytest.fixture(scope="module")
def hub():
    """A Hub-compatible server on loopback, started for the tests of one module."""
    double = HubDouble().start()
    yield double
    double.stop()


@pytest.fixture(scope="module")
def hub_env(hub: HubDouble, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment of a user with a token, pointed at the double, with an empty HF cache."""
    return {"HF_ENDPOINT": hub.url, "HF_TOKEN": hub.token,
            "HF_HOME": str(tmp_path_factory.mktemp("hf-home")), "HF_HUB_DISABLE_PROGRESS_BARS": "1"}


@pytest.fixture(scope="module")
def api(hub: HubDouble) -> HfApi:
    return HfApi(endpoint=hub.url, token=hub.token)
