"""Manipulated real faces: does the model tell a doctored photo from the photo it came from?

    python benchmarks/manipulations.py [--model REF] [--data SRC ...] [--seed 0]

Every real test face is scored beside a manipulated copy of itself (see
``training/manipulated.py``: a self-blend, a face swap and a careless paste, made with test
people only), so accuracy is balanced and AUC is reals against their own copies; the thumbnail
baseline beside.
"""

from __future__ import annotations

from test_split import TestSplit, parse_arguments

from deforgify.cli.argtypes import first_paragraph, run_command
from training.manipulated import KINDS, manipulated_pairs


def main() -> None:
    args = parse_arguments(first_paragraph(__doc__))
    split = TestSplit.load(args)
    split.print_header("manipulation")
    for kind in KINDS:
        split.print_row(kind, *manipulated_pairs(split.test, kind, args.seed))


if __name__ == "__main__":
    run_command(main)
