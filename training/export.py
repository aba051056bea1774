"""Export a model folder's serving graph (probabilities and Grad-CAM maps) to ``model.tflite``,
which LiteRT runs without TensorFlow (:mod:`deforgify.model.runtime`).

    python -m training.export MODEL_FOLDER

Training calls :func:`export_litert` itself; this command adds the file to an older folder.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional

from deforgify.cli.argtypes import DefaultsShown, first_paragraph, run_command
from deforgify.model.folder import LITERT_FILE, ModelLoadError, load_keras_model, read_config
from deforgify.model.runtime import SIGNATURE
from training.staging import replace_file

if TYPE_CHECKING:
    import keras
    import tensorflow as tf


def export_litert(model: keras.Model, class_index: int, folder: Path) -> Path:
    """Write ``folder/model.tflite``: the serving function of ``model`` for ``class_index``."""
    path = folder / LITERT_FILE
    replace_file(path, litert_graph(model, class_index))  # the old graph stays whole until replaced
    return path


def litert_graph(model: keras.Model, class_index: int,
                 configure: Optional[Callable[[tf.lite.TFLiteConverter], None]] = None) -> bytes:
    """The serving function of ``model`` for ``class_index`` as a LiteRT flatbuffer; ``configure``
    sets the converter's options first (quantisation, measured in benchmarks/quantisation.py)."""
    import keras
    import tensorflow as tf

    from deforgify.model.serving import serving_function

    with tempfile.TemporaryDirectory() as scratch:
        archive = keras.export.ExportArchive()
        archive.track(model)
        archive.add_endpoint(SIGNATURE, serving_function(model, class_index))
        archive.write_out(f"{scratch}/saved", verbose=False)
        converter = tf.lite.TFLiteConverter.from_saved_model(f"{scratch}/saved", signature_keys=[SIGNATURE])
        if configure is not None:
            configure(converter)
        return converter.convert()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.export", description=first_paragraph(__doc__),
                                     formatter_class=DefaultsShown)
    parser.add_argument("folder", type=Path, help="model folder with config.json and model.keras")
    args = parser.parse_args(argv)
    try:
        config = read_config(args.folder)
        model = load_keras_model(args.folder)
    except ModelLoadError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        path = export_litert(model, config.labels.index("fake"), args.folder)
    except Exception as error:  # noqa: BLE001  TensorFlow's converter raises many kinds; the old file stays
        print(f"error: cannot export {args.folder} ({type(error).__name__}: {error}); "
              f"its {LITERT_FILE}, if any, is unchanged", file=sys.stderr)
        return 1
    print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    run_command(main)
