"""The benchmark commands refuse bad input as the product's commands do: one line saying why,
exit 2, never a traceback (they printed ModelLoadError, StatisticsError, ZeroDivisionError and
CalledProcessError tracebacks). Only refusals run here: the figures are the benchmarks' own."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ROOT


def run(script: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("script, args, said", [
    ("model_size.py", ["--model", "/nonexistent"], "--model /nonexistent: no such model folder"),
    ("model_size.py", ["--architecture", "bogus"], "argument --architecture: invalid choice: 'bogus'"),
    ("face_detectors.py", ["--per-class", "0"], "argument --per-class: must be 1 or more, not 0"),
    ("scan_speed.py", ["--count", "64"], "argument --count: must be 65 or more, not 64"),
    ("face_size.py", ["--widths", "32,abc"], "argument --widths: each width must be a whole number, not 'abc'"),
    ("batch_speed.py", ["--images", "/nonexistent"], "--images /nonexistent: no .jpg photos there"),
    ("heatmap_latency.py", ["--image", "/nonexistent.jpg"], "error: no such file: /nonexistent.jpg"),
    ("format_parity.py", ["--model", "/tmp"], "error: /tmp has no config.json: not a Deforgify model folder"),
    ("robustness.py", ["--data", "/nonexistent"], "error: /nonexistent: no such folder"),
    ("leave_one_out.py", ["--drop-path", "0.1"], "--drop-path needs an architecture of residual blocks"),
    ("quantisation.py", ["--representative", "0"], "argument --representative: must be 1 or more, not 0"),
])
def test_a_benchmark_refuses_bad_input_in_one_line(script: str, args: list[str], said: str) -> None:
    result = run(script, *args)
    assert result.returncode == 2, result.stderr[-2000:]
    assert said in result.stderr and "Traceback" not in result.stderr


def test_an_error_that_is_no_users_keeps_its_traceback(tmp_path: Path) -> None:
    """Only Deforgify's own exceptions, whose messages are meant for users, are shortened."""
    script = tmp_path / "broken.py"
    script.write_text("from deforgify.cli.argtypes import run_command\n"
                      "def main():\n    return {}['missing']\n"
                      "run_command(main)\n")
    result = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env={"PYTHONPATH": str(ROOT)})
    assert result.returncode == 1 and "Traceback" in result.stderr and "KeyError: 'missing'" in result.stderr
