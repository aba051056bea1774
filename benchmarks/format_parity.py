"""Format parity on the test split: the same faces stored seven ways (see training/format_parity.py).

    python benchmarks/format_parity.py [--model REF] [--data SRC ...] [--seed 0] [--per-source N]

Prints, per variant, ROC-AUC and the share of reals answered "fake", then the share of images
whose verdict changes between variants and the AUC spread, against the goals.
"""

from __future__ import annotations

import numpy as np
from test_split import load_test_split, parse_arguments

from training.format_parity import format_parity


def main() -> None:
    args = parse_arguments(__doc__.split("\n")[0], per_source=True)
    detector, test = load_test_split(args)
    report = format_parity(detector, test.images, test.labels)
    print(report.table())
    for source in sorted(set(test.sources)):
        rows = np.flatnonzero(np.array(test.sources) == source)
        part = report.subset(rows)
        print(f"  {source.split('/')[-1]:24} changes {part.changed_share:6.1%} ({part.changed_by_score_share:5.1%} "
              f"judged sizes only)  AUC spread {part.auc_spread:.3f}  "
              f"reals called fake (max) {max(v.reals_called_fake for v in part.variants):.1%}")
    missed = report.misses()
    print("goals met" if not missed else "goals missed: " + "; ".join(missed))


if __name__ == "__main__":
    main()
