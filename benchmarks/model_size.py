"""Size and cost of a model per face: parameters, file sizes, and multiply-adds of one forward
pass counted layer by layer from the Keras graph (convolutions, depthwise convolutions, dense).

    python benchmarks/model_size.py [--model FOLDER] [--architecture NAME --input-size N]

GFLOP is reported as 2 x multiply-adds, per face crop (the served verdict runs each crop twice:
as it is and mirrored).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from deforgify.cli.argtypes import first_paragraph, number, run_command
from deforgify.model.architectures import ARCHITECTURES  # noqa: E402
from deforgify.model.source import BUNDLED_MODEL  # noqa: E402


def multiply_adds(model) -> int:
    total = 0
    for layer in model.layers:
        kind = type(layer).__name__
        if kind not in ("Conv2D", "DepthwiseConv2D", "Dense", "BlurPool"):
            continue
        out = layer.output.shape
        if kind == "BlurPool":  # a fixed 3x3 depthwise convolution
            total += out[1] * out[2] * 9 * out[3]
        elif kind == "Dense":
            total += layer.kernel.shape[0] * layer.kernel.shape[1]
        elif kind == "Conv2D":
            kh, kw, cin, cout = layer.kernel.shape
            total += out[1] * out[2] * kh * kw * cin * cout
        else:
            kh, kw, channels, multiplier = layer.kernel.shape
            total += out[1] * out[2] * kh * kw * channels * multiplier
    return int(total)


def main() -> None:
    parser = argparse.ArgumentParser(description=first_paragraph(__doc__))
    parser.add_argument("--model", type=Path, default=None, help="model folder (default: bundled)")
    parser.add_argument("--architecture", choices=sorted(ARCHITECTURES), default=None,
                        help="an untrained architecture instead")
    parser.add_argument("--input-size", type=number(int, at_least=32), default=128)
    args = parser.parse_args()
    if args.architecture:
        from deforgify.model.architectures import build_model

        model, files = build_model(args.architecture, args.input_size), {}
    else:
        from deforgify.model.folder import load_keras_model

        folder = args.model or BUNDLED_MODEL
        if not folder.is_dir():
            parser.error(f"--model {folder}: no such model folder")
        model = load_keras_model(folder)
        files = {p.name: p.stat().st_size / 1e6 for p in sorted(folder.glob("model.*"))}
    macs = multiply_adds(model)
    print(f"{model.name}: input {model.input_shape[1]} px, {model.count_params() / 1e6:.2f} M parameters, "
          f"{macs / 1e6:.0f} M multiply-adds = {2 * macs / 1e9:.3f} GFLOP per face crop")
    for name, megabytes in files.items():
        print(f"  {name}: {megabytes:.1f} MB")


if __name__ == "__main__":
    run_command(main)
