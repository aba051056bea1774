"""Format parity on the test split: the same faces stored seven ways (see training/format_parity.py).

    python benchmarks/format_parity.py [--model REF] [--data SRC ...] [--seed 0] [--per-source N]
                                       [--phone-formats] [--cut-edges]

Prints, per variant, ROC-AUC and the share of reals answered "fake", then the share of images
whose verdict changes between variants and the AUC spread, against the goals. With
--phone-formats, then the same for HEIC and AVIF beside the lossless copy; with --cut-edges, for
the lossless copy with 1 and 3 px cut from its top and left, which stores nothing anew (neither
in the goals).
"""

from __future__ import annotations

import numpy as np
from test_split import argument_parser, load_test_split

from deforgify.cli.argtypes import first_paragraph, run_command
from training.format_parity import CUT_VARIANTS, PHONE_VARIANTS, ParityReport, format_parity, judge_variant


def main() -> None:
    parser = argument_parser(first_paragraph(__doc__), per_source=True)
    parser.add_argument("--phone-formats", action="store_true",
                        help="also judge the faces saved as HEIC q80 and AVIF q70, beside the lossless copy")
    parser.add_argument("--cut-edges", action="store_true",
                        help="also judge the lossless copy with 1 and 3 px cut from its top and left, beside it")
    args = parser.parse_args()
    detector, test = load_test_split(args)
    report = format_parity(detector, test.images, test.labels)
    print(report.table())
    for asked, variants in ((args.phone_formats, PHONE_VARIANTS), (args.cut_edges, CUT_VARIANTS)):
        if asked:
            extra = [judge_variant(detector, name, test.images, test.labels, variants) for name in variants]
            print(ParityReport(report.variants[:1] + extra).table())
    for source in sorted(set(test.sources)):
        rows = np.flatnonzero(np.array(test.sources) == source)
        part = report.subset(rows)
        print(f"  {source.split('/')[-1]:24} changes {part.changed_share:6.1%} ({part.changed_by_score_share:5.1%} "
              f"judged sizes only)  AUC spread {part.auc_spread:.3f}  "
              f"reals called fake (max) {max(v.reals_called_fake for v in part.variants):.1%}")
    missed = report.misses()
    print("goals met" if not missed else "goals missed: " + "; ".join(missed))


if __name__ == "__main__":
    run_command(main)
