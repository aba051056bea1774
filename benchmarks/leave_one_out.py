"""The leave-one-source-out matrix (see ``training/leave_one_out.py`` for the options).

    python benchmarks/leave_one_out.py --architecture deforgify-dual --output runs/loso-dual.json
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from deforgify.cli.argtypes import run_command  # noqa: E402
from training.leave_one_out import main  # noqa: E402

if __name__ == "__main__":
    run_command(main)
