"""The training recipe's options, shared by ``training.train`` and ``training.leave_one_out``:
one definition, so that the leave-one-source-out matrix trains each model as the bundled one is
trained (it had its own copy of some of them, and lacked the others ``train.fit`` reads)."""

from __future__ import annotations

import argparse
import os
from typing import Optional

from deforgify.cli.argtypes import number
from deforgify.faces.preprocess import PreprocessConfig
from deforgify.model.architectures import ARCHITECTURES, DEFAULT_ARCHITECTURE, PRETRAINED, STOCHASTIC_DEPTH


def add_recipe_options(parser: argparse.ArgumentParser, epochs: int = 40, per_source: Optional[int] = None) -> None:
    """The options that decide how a model is trained (``fit`` reads them all), with the
    defaults of the bundled model's recipe or, given, of a quick one."""
    parser.add_argument("--seed", type=number(int, at_least=0), default=0, help="split and training seed")
    parser.add_argument("--epochs", type=number(int, at_least=1), default=epochs,
                        help="maximum epochs (default: %(default)s)")
    parser.add_argument("--batch-size", type=number(int, at_least=1), default=32, help="crops per training step")
    parser.add_argument("--consistency", type=number(at_least=0), default=0.0, metavar="WEIGHT",
                        help="show each face twice per step, stored two random ways, and add WEIGHT "
                             "times the squared gap of their logits to the loss (0: off; a step "
                             "then holds half as many faces)")
    parser.add_argument("--drop-path", type=number(at_least=0, below=1), default=0.0, metavar="RATE",
                        help="stochastic depth: the chance that a training face skips a residual "
                             "block, growing with depth from 0 towards RATE (0: off; "
                             f"{', '.join(sorted(STOCHASTIC_DEPTH))} only)")
    parser.add_argument("--ema", type=number(at_least=0, below=1), default=0.0, metavar="MOMENTUM",
                        help="validate and keep the exponential moving average of the weights "
                             "with this momentum per step, e.g. 0.998: about the last "
                             "1/(1-MOMENTUM) steps (0: off). Keras averages the trainable weights "
                             "only: batch-norm statistics stay those of the last steps")
    parser.add_argument("--linear-probe-epochs", type=number(int, at_least=0), default=0, metavar="N",
                        help="LP-FT: the first N of --epochs train the new classifier alone on the "
                             "frozen pretrained network, the rest fine-tune it all (0: off; "
                             f"{', '.join(sorted(PRETRAINED))} only)")
    parser.add_argument("--learning-rate", type=number(above=0), default=None,
                        help="peak learning rate (default: 1e-3 from scratch, 3e-4 for a pretrained architecture)")
    parser.add_argument("--architecture", choices=sorted(ARCHITECTURES), default=DEFAULT_ARCHITECTURE,
                        help="the network (the bundled model's: deforgify-lite0)")
    parser.add_argument("--input-size", type=number(int, at_least=32), default=PreprocessConfig.input_size,
                        help="the face crop's side in pixels (default: %(default)s)")
    parser.add_argument("--native-resolution", action="store_true",
                        help="feed the centre of the face crop at the photo's resolution, not resized")
    parser.add_argument("--self-blend", type=number(at_least=0), default=0.5, metavar="SHARE",
                        help="share of real training images added again as self-blended fakes")
    parser.add_argument("--per-source", type=number(int, at_least=1), default=per_source, metavar="N",
                        help="images of each source per epoch, drawn anew each epoch (default: "
                             f"{per_source or 'the median source size'})")
    parser.add_argument("--workers", type=number(int, at_least=1), default=os.cpu_count() or 1,
                        help="processes decoding and detecting faces")


def check_recipe(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse options that cannot go together (exits with the parser's usage, status 2)."""
    if args.drop_path and args.architecture not in STOCHASTIC_DEPTH:
        choices = ", ".join(sorted(STOCHASTIC_DEPTH))
        parser.error(f"--drop-path needs an architecture of residual blocks ({choices}), not {args.architecture}")
    if args.linear_probe_epochs and (args.architecture not in PRETRAINED or args.linear_probe_epochs >= args.epochs):
        parser.error(f"--linear-probe-epochs needs a pretrained architecture ({', '.join(sorted(PRETRAINED))}) "
                     f"and fewer than --epochs ({args.epochs}) epochs, not {args.linear_probe_epochs} with "
                     f"{args.architecture}")
