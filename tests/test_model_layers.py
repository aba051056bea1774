"""Deforgify's own Keras layers: what they compute, and that a network using them is saved and
loaded as it was."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def checkerboard(size: int, shift: int) -> np.ndarray:
    """The finest pattern a picture can hold, moved by ``shift`` pixels: (1, size, size, 1)."""
    rows, cols = np.indices((size, size))
    return ((rows + cols + shift) % 2).astype(np.float32)[None, :, :, None]


def test_blur_pool_answers_a_shifted_pattern_alike_where_striding_flips_it() -> None:
    import keras

    from deforgify.model.layers import BlurPool

    plain = [checkerboard(16, shift)[:, ::2, ::2] for shift in (0, 1)]  # what a stride of 2 samples
    assert plain[0].max() == 0 and plain[1].min() == 1  # one pixel's shift: all black, then all white
    blurred = [keras.ops.convert_to_numpy(BlurPool()(checkerboard(16, shift)))[0, 1:-1, 1:-1, 0] for shift in (0, 1)]
    assert blurred[0].shape == (6, 6)
    np.testing.assert_allclose(blurred[0], 0.5, atol=1e-6)
    np.testing.assert_allclose(blurred[1], 0.5, atol=1e-6)


def test_the_anti_aliased_network_is_saved_and_loaded_as_it_was(tmp_path: Path) -> None:
    from deforgify.model.architectures import build_model
    from deforgify.model.folder import load_keras_model

    model = build_model("deforgify-lite0-aa", 64)
    assert sum("BlurPool" == type(layer).__name__ for layer in model.layers) == 4  # every strided block
    faces = np.random.default_rng(0).random((2, 64, 64, 3), dtype=np.float32)
    model.save(tmp_path / "model.keras")
    loaded = load_keras_model(tmp_path)  # safe_mode: the custom layer is registered
    np.testing.assert_allclose(loaded.predict(faces, verbose=0), model.predict(faces, verbose=0), atol=1e-6)
