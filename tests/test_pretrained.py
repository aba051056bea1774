"""The ImageNet EfficientNet-Lite0 port: the PyTorch checkpoint shipped in a registry package,
read without PyTorch, put into the Keras network, and checked on photos with known classes."""

from __future__ import annotations

import pickle
from pathlib import Path

import cv2
import numpy as np
import pytest

from training.pretrained import checkpoint_path, layer_mapping, load_imagenet_weights
from training.torch_weights import LEGACY_MAGIC, LEGACY_PROTOCOL, CheckpointError, read_legacy_checkpoint

# ImageNet class indices
CATS = {281, 282, 283, 284, 285}  # tabby, tiger cat, Persian, Siamese, Egyptian cat
ESPRESSO, CUP = 967, 968


def imagenet_network(antialias: bool = False):
    """EfficientNet-Lite0 with its ImageNet classifier, at its native 224 px."""
    import keras

    from deforgify.model.architectures import lite0_features

    inputs = keras.Input((224, 224, 3))
    classifier = keras.layers.Dense(1000, name="imagenet_classes")
    model = keras.Model(inputs, classifier(lite0_features(inputs, antialias=antialias)))
    load_imagenet_weights(model, classifier=classifier)
    return model


@pytest.fixture(scope="module")
def imagenet_lite0():
    return imagenet_network()


def centre_224(rgb: np.ndarray) -> np.ndarray:
    height, width = rgb.shape[:2]
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    square = rgb[top: top + side, left: left + side]
    return cv2.resize(square, (224, 224), interpolation=cv2.INTER_AREA).astype(np.float32) / 255


def top5(model, rgb: np.ndarray) -> list[int]:
    logits = model.predict(centre_224(rgb)[None], verbose=0)[0]
    return list(np.argsort(-logits)[:5])


def test_the_checkpoint_is_read_without_pytorch() -> None:
    import importlib.util

    assert importlib.util.find_spec("torch") is None  # the training install has no PyTorch
    tensors = read_legacy_checkpoint(checkpoint_path("efficientnet-lite0"))
    assert tensors["_conv_stem.weight"].shape == (32, 3, 3, 3)
    assert tensors["_fc.weight"].shape == (1000, 1280)
    assert sum(t.size for name, t in tensors.items() if name.endswith("weight")) > 4_500_000


def test_every_pretrained_layer_has_a_tensor(imagenet_lite0) -> None:
    tensors = read_legacy_checkpoint(checkpoint_path("efficientnet-lite0"))
    mapping = layer_mapping(imagenet_lite0)
    assert len({name.split(".")[1] for name in tensors if name.startswith("_blocks.")}) == 16
    used = {prefix for prefix in mapping.values()} | {"_fc"}
    unused = {name.rsplit(".", 1)[0] for name in tensors} - used
    assert not unused


def test_imagenet_photos_get_their_classes(imagenet_lite0) -> None:
    from skimage import data

    assert set(top5(imagenet_lite0, data.chelsea())[:2]) <= CATS
    assert top5(imagenet_lite0, data.coffee())[0] in (ESPRESSO, CUP)


def test_the_anti_aliased_network_takes_the_same_weights_and_still_sees_a_cat() -> None:
    """Blurring before each strided block's sampling (deforgify-lite0-aa) leaves the ImageNet
    features usable as a start for fine-tuning."""
    from skimage import data

    model = imagenet_network(antialias=True)
    assert top5(model, data.chelsea())[0] in CATS
    assert top5(model, data.coffee())[0] in (ESPRESSO, CUP)


def test_a_wrong_file_is_refused_with_a_reason(tmp_path: Path) -> None:
    not_torch = tmp_path / "other.pth"
    not_torch.write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(CheckpointError, match="not a legacy PyTorch checkpoint"):
        read_legacy_checkpoint(not_torch)
    hostile = tmp_path / "hostile.pth"
    with open(hostile, "wb") as handle:
        for part in (LEGACY_MAGIC, LEGACY_PROTOCOL, {}):
            pickle.dump(part, handle)
        pickle.dump(Path("/"), handle)  # any class but tensors and dicts is refused
    with pytest.raises(CheckpointError, match="pathlib"):
        read_legacy_checkpoint(hostile)
