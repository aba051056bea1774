"""Model architectures by name. Every model takes (size, size, 3) floats in [0, 1], RGB, and
returns softmax probabilities in the order of the labels it was trained with."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:  # importing Keras costs seconds; the factories import it when called
    import keras

BATCH_NORM_MOMENTUM = 0.9
"""Keras' default of 0.99 lets the moving statistics lag for many epochs on small data sets, so
the first epochs' validation answers one class for everything; 0.9 keeps up."""


def deforgify_cnn(input_size: int, num_classes: int) -> keras.Model:
    """The original Deforgify network: five Conv2D layers (32 filters of 2x2, filters doubling
    and kernel growing by one each layer), max-pooling after each, dropout, dense 512-256-128."""
    import keras
    from keras import layers

    inputs = keras.Input((input_size, input_size, 3), name="image")
    x = inputs
    for depth in range(5):
        x = layers.Conv2D(32 * 2**depth, 2 + depth, padding="same", activation="relu")(x)
        x = layers.MaxPooling2D()(x)
    x = layers.Dropout(0.2)(x)
    x = layers.Flatten()(x)
    for units in (512, 256, 128):
        x = layers.Dense(units, activation="relu")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="deforgify_cnn")


def _conv_bn_relu(x: keras.KerasTensor, filters: int, name: str) -> keras.KerasTensor:
    from keras import layers

    x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv")(x)
    x = layers.BatchNormalization(momentum=BATCH_NORM_MOMENTUM, name=f"{name}_bn")(x)
    return layers.ReLU(name=f"{name}_relu")(x)


def deforgify_compact(input_size: int, num_classes: int) -> keras.Model:
    """A small VGG-style network: five 3x3 conv + batch-norm + max-pool blocks (16 to 256
    filters) and global average pooling; 0.4 M parameters, under 2 MB on disk, and about 5x
    cheaper to train on a CPU than two convolutions per block."""
    import keras

    inputs = keras.Input((input_size, input_size, 3), name="image")
    return _classifier(inputs, _conv_tower(inputs, ""), num_classes, "deforgify_compact")


def _conv_tower(x: keras.KerasTensor, prefix: str) -> keras.KerasTensor:
    """Five conv + batch-norm + max-pool blocks (16 to 256 filters), global average pooled."""
    from keras import layers

    for block, filters in enumerate((16, 32, 64, 128, 256), start=1):
        x = _conv_bn_relu(x, filters, f"{prefix}block{block}")
        x = layers.MaxPooling2D(name=f"{prefix}block{block}_pool")(x)
    return layers.GlobalAveragePooling2D(name=f"{prefix}pool")(x)


def _classifier(inputs: keras.KerasTensor, features: keras.KerasTensor, num_classes: int, name: str
                ) -> keras.Model:
    import keras
    from keras import layers

    x = layers.Dropout(0.3, name="dropout")(features)
    outputs = layers.Dense(num_classes, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name=name)


RESIDUAL_SCALE = 8.0
"""The residual's values are a few hundredths; scaled up, they meet batch norm at a usual size."""


def _residual(inputs: keras.KerasTensor) -> keras.KerasTensor:
    from keras import layers

    from deforgify.model.layers import NeighbourResidual

    return layers.Rescaling(RESIDUAL_SCALE, name="residual_scale")(NeighbourResidual(name="residual")(inputs))


def deforgify_npr(input_size: int, num_classes: int) -> keras.Model:
    """The compact network on the neighbouring-pixel residual of the image instead of its
    colours."""
    import keras

    inputs = keras.Input((input_size, input_size, 3), name="image")
    return _classifier(inputs, _conv_tower(_residual(inputs), "npr_"), num_classes, "deforgify_npr")


def deforgify_dual(input_size: int, num_classes: int) -> keras.Model:
    """Two compact towers, one on the colours and one on the neighbouring-pixel residual, their
    pooled features joined: content cues and upsampling traces side by side."""
    import keras
    from keras import layers

    inputs = keras.Input((input_size, input_size, 3), name="image")
    features = layers.Concatenate(name="features")(
        [_conv_tower(inputs, "rgb_"), _conv_tower(_residual(inputs), "npr_")]
    )
    return _classifier(inputs, features, num_classes, "deforgify_dual")


IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
LITE0_STAGES = (
    # (repeats, kernel, stride, expansion, output channels) of EfficientNet-Lite0 (Tan & Le, 2019;
    # the Lite variants drop squeeze-and-excitation and use ReLU6, for mobile accelerators)
    (1, 3, 1, 1, 16), (2, 3, 2, 6, 24), (2, 5, 2, 6, 40), (3, 3, 2, 6, 80),
    (3, 5, 1, 6, 112), (4, 5, 2, 6, 192), (1, 3, 1, 6, 320),
)
LITE0_STEM, LITE0_HEAD = 32, 1280


def _bn_relu6(x: keras.KerasTensor, name: str, activate: bool = True) -> keras.KerasTensor:
    from keras import layers

    x = layers.BatchNormalization(momentum=BATCH_NORM_MOMENTUM, epsilon=1e-3, name=f"{name}_bn")(x)
    return layers.ReLU(6.0, name=f"{name}_relu")(x) if activate else x


def _mbconv(x: keras.KerasTensor, kernel: int, stride: int, expansion: int, filters: int,
            name: str, drop_path: float = 0.0, antialias: bool = False) -> keras.KerasTensor:
    """An inverted residual block: 1x1 expansion, depthwise convolution, 1x1 projection, and the
    skip connection where the shape allows it. While training, ``drop_path`` is the chance that a
    sample skips the block's branch altogether (stochastic depth: per-sample dropout of the whole
    branch, the identity at inference). With ``antialias``, a strided block convolves at full
    resolution and downsamples through a blur (:class:`deforgify.model.layers.BlurPool`)."""
    from keras import layers

    inputs, channels = x, x.shape[-1]
    blur = antialias and stride == 2
    if expansion != 1:
        x = layers.Conv2D(channels * expansion, 1, use_bias=False, name=f"{name}_expand_conv")(x)
        x = _bn_relu6(x, f"{name}_expand")
    x = layers.DepthwiseConv2D(kernel, 1 if blur else stride, padding="same", use_bias=False,
                               name=f"{name}_dw_conv")(x)
    x = _bn_relu6(x, f"{name}_dw")
    if blur:
        from deforgify.model.layers import BlurPool

        x = BlurPool(name=f"{name}_blur_pool")(x)
    x = layers.Conv2D(filters, 1, use_bias=False, name=f"{name}_project_conv")(x)
    x = _bn_relu6(x, f"{name}_project", activate=False)
    if stride == 1 and channels == filters:
        if drop_path:
            x = layers.Dropout(drop_path, noise_shape=(None, 1, 1, 1), name=f"{name}_drop_path")(x)
        x = layers.Add(name=f"{name}_add")([x, inputs])
    return x


def lite0_features(inputs: keras.KerasTensor, drop_path: float = 0.0, antialias: bool = False
                   ) -> keras.KerasTensor:
    """EfficientNet-Lite0 from [0, 1] RGB to its pooled 1280 features; layer names follow the
    blocks of the ImageNet checkpoint (:mod:`training.pretrained` loads it). Stochastic depth
    grows with depth, linearly from 0 at the first block towards ``drop_path`` at the last (as
    EfficientNet was trained, at 0.2). ``antialias`` blurs the strided blocks' downsampling (not
    the stem's: blurring the photo itself would wipe out the finest traces)."""
    from keras import layers

    x = layers.Normalization(mean=IMAGENET_MEAN, variance=[s * s for s in IMAGENET_STD], name="imagenet_norm")(inputs)
    x = layers.Conv2D(LITE0_STEM, 3, 2, padding="same", use_bias=False, name="stem_conv")(x)
    x = _bn_relu6(x, "stem")
    block, blocks = 0, sum(stage[0] for stage in LITE0_STAGES)
    for repeats, kernel, stride, expansion, filters in LITE0_STAGES:
        for repeat in range(repeats):
            x = _mbconv(x, kernel, stride if repeat == 0 else 1, expansion, filters, f"block{block}",
                        drop_path * block / blocks, antialias)
            block += 1
    x = layers.Conv2D(LITE0_HEAD, 1, use_bias=False, name="head_conv")(x)
    x = _bn_relu6(x, "head")
    return layers.GlobalAveragePooling2D(name="lite0_pool")(x)


def deforgify_lite0(input_size: int, num_classes: int, drop_path: float = 0.0) -> keras.Model:
    """EfficientNet-Lite0 (3.4 M parameters without its ImageNet classifier), to be fine-tuned
    whole from ImageNet weights: forensic cues are learnt in every layer, but from features that
    already know faces, skin and edges."""
    import keras

    inputs = keras.Input((input_size, input_size, 3), name="image")
    return _classifier(inputs, lite0_features(inputs, drop_path), num_classes, "deforgify_lite0")


def deforgify_lite0_aa(input_size: int, num_classes: int, drop_path: float = 0.0) -> keras.Model:
    """EfficientNet-Lite0 with anti-aliased downsampling in its strided blocks, so that the
    verdict moves less when the face crop moves by a pixel (the same ImageNet weights fit)."""
    import keras

    inputs = keras.Input((input_size, input_size, 3), name="image")
    return _classifier(inputs, lite0_features(inputs, drop_path, antialias=True), num_classes, "deforgify_lite0_aa")


def _strided_residual_tower(inputs: keras.KerasTensor) -> keras.KerasTensor:
    """The residual tower read in 2x2 cells: a 2x2 stride-2 first convolution (the residual
    repeats in 2x2 cells, so reading each cell once loses nothing), then the compact tower's
    blocks one scale coarser. Its last map has Lite0's size (the two explain a verdict together
    in Grad-CAM), and it keeps the pair under 0.5 GFLOP per face (the full-resolution tower beside
    Lite0 would take 0.65)."""
    from keras import layers

    x = layers.Conv2D(16, 2, strides=2, use_bias=False, name="npr_block1_conv")(_residual(inputs))
    x = layers.BatchNormalization(momentum=BATCH_NORM_MOMENTUM, name="npr_block1_bn")(x)
    x = layers.MaxPooling2D(name="npr_block1_pool")(layers.ReLU(name="npr_block1_relu")(x))
    for block, filters in enumerate((32, 64, 128, 256), start=2):
        x = _conv_bn_relu(x, filters, f"npr_block{block}")
        if block < 5:
            x = layers.MaxPooling2D(name=f"npr_block{block}_pool")(x)
    return layers.GlobalAveragePooling2D(name="npr_pool")(x)


def deforgify_lite0_npr(input_size: int, num_classes: int, drop_path: float = 0.0) -> keras.Model:
    """EfficientNet-Lite0 with a residual tower beside it (as in deforgify-dual)."""
    import keras
    from keras import layers

    inputs = keras.Input((input_size, input_size, 3), name="image")
    features = layers.Concatenate(name="features")([lite0_features(inputs, drop_path), _strided_residual_tower(inputs)])
    return _classifier(inputs, features, num_classes, "deforgify_lite0_npr")


ARCHITECTURES: dict[str, Callable[..., keras.Model]] = {
    "deforgify-cnn": deforgify_cnn,
    "deforgify-compact": deforgify_compact,
    "deforgify-npr": deforgify_npr,
    "deforgify-dual": deforgify_dual,
    "deforgify-lite0": deforgify_lite0,
    "deforgify-lite0-aa": deforgify_lite0_aa,
    "deforgify-lite0-npr": deforgify_lite0_npr,
}
PRETRAINED = {"deforgify-lite0": "efficientnet-lite0", "deforgify-lite0-aa": "efficientnet-lite0",
              "deforgify-lite0-npr": "efficientnet-lite0"}
"""Architectures that start from ImageNet weights (:mod:`training.pretrained`), and which."""
DEFAULT_ARCHITECTURE = "deforgify-compact"


STOCHASTIC_DEPTH = {name for name, factory in ARCHITECTURES.items()
                    if "drop_path" in inspect.signature(factory).parameters}
"""Architectures built of residual blocks that stochastic depth can skip (their factories take
``drop_path``)."""


def build_model(name: str, input_size: int, num_classes: int = 2, drop_path: float = 0.0) -> keras.Model:
    """Build an untrained model of the architecture called ``name``."""
    try:
        factory = ARCHITECTURES[name]
    except KeyError:
        raise ValueError(
            f"unknown architecture {name!r}; choose one of {sorted(ARCHITECTURES)}"
        ) from None
    if not drop_path:
        return factory(input_size, num_classes)
    if name not in STOCHASTIC_DEPTH:
        raise ValueError(f"stochastic depth needs residual blocks: {sorted(STOCHASTIC_DEPTH)}, not {name!r}")
    return factory(input_size, num_classes, drop_path=drop_path)
