"""Images per second for scanning a collection: the single-process CLI against ``deforgify scan``
on this machine and on a local Dask cluster of 1 and 2 workers, on the same images.

    python benchmarks/scan_speed.py [--count 1200] [--repeats 3]

Every way is run as a user runs it (a new process each time), twice per repeat: on the first 64
images and on all of them. The difference of the two times is the steady rate, with start-up
(TensorFlow, the cluster, the model) taken out; start-up is reported beside it. Medians of
``--repeats``; peak resident memory of the scanning processes (main process, and each worker).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from deforgify.cli.argtypes import first_paragraph, number, run_command

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("DEFORGIFY_DATA", ROOT.parent / "shared" / "data"))
SOURCES = ("ffhq-vs-stylegan2", "dfdc-faceswap", "ffpp-c23-faces", "utkface-real")
WARM = 64


def images(count: int) -> list[str]:
    """``count`` face photos, taken in turn from each source and class."""
    folders = [f for s in SOURCES for f in sorted((DATA / s).glob("*/")) if f.is_dir()]
    lists = [sorted(str(p) for p in folder.glob("*.jpg")) + sorted(str(p) for p in folder.glob("*.png"))
             for folder in folders]
    chosen = [path for group in zip(*lists) for path in group]
    if len(chosen) < count:
        sys.exit(f"only {len(chosen)} images under {DATA}")
    return chosen[:count]


def ways(listing: Path, output: Path) -> dict[str, list[str]]:
    scan = [sys.executable, "-m", "deforgify", "scan", "--files-from", str(listing), "--output", str(output),
            "--quiet"]
    return {
        "CLI predict, 1 process": [sys.executable, "-m", "deforgify", "predict", "--json", "--quiet",
                                   "--workers", "1", f"@{listing}"],
        "scan, this machine, 1 process": scan + ["--workers", "1"],
        "scan, this machine, 2 processes": scan + ["--workers", "2"],
        "scan, Dask local:1": scan + ["--cluster", "local:1"],
        "scan, Dask local:2": scan + ["--cluster", "local:2"],
    }


def timed(command: list[str], files: list[str], output: Path) -> tuple[float, int]:
    """Seconds for one run, and the peak resident memory (MB) of its largest process."""
    output.unlink(missing_ok=True)
    if command[-1].startswith("@"):
        command = command[:-1] + files
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = PeakMemory(process.pid)
    stderr = process.communicate()[1]
    seconds = time.perf_counter() - start
    peak.stop()
    if process.returncode not in (0, 1):
        sys.exit(f"{' '.join(command[:8])} ... failed:\n{stderr[-2000:]}")
    return seconds, peak.megabytes


class PeakMemory:
    """The largest resident set of any process in the tree under ``pid``, sampled every 0.2 s."""

    def __init__(self, pid: int):
        self.megabytes, self._done = 0, threading.Event()
        self._thread = threading.Thread(target=self._sample, args=(pid,), daemon=True)
        self._thread.start()

    def _sample(self, pid: int) -> None:
        try:
            root = psutil.Process(pid)
            while not self._done.wait(0.2):
                for process in [root, *root.children(recursive=True)]:
                    try:
                        self.megabytes = max(self.megabytes, process.memory_info().rss >> 20)
                    except psutil.Error:
                        pass
        except psutil.Error:
            return

    def stop(self) -> None:
        self._done.set()
        self._thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=first_paragraph(__doc__))
    parser.add_argument("--count", type=number(int, at_least=WARM + 1), default=1200,
                        help=f"photos of the long run (more than the {WARM} of the short one it is set against)")
    parser.add_argument("--repeats", type=number(int, at_least=1), default=3)
    args = parser.parse_args()
    files = images(args.count)
    folder = Path(tempfile.mkdtemp(prefix="scan-speed-"))
    listings = {n: folder / f"list-{n}.txt" for n in (WARM, len(files))}
    for n, listing in listings.items():
        listing.write_text("\n".join(files[:n]) + "\n")
    print(f"{len(files)} images from {', '.join(SOURCES)}; {os.cpu_count()} cores; medians of {args.repeats}")
    print(f"{'way':34} {'steady images/s':>15} {'start-up s':>10} {'end to end images/s':>19} {'peak MB':>8}")
    rates = {}
    for name in ways(listings[WARM], folder / "x.jsonl"):
        small, large, peaks = [], [], []
        for _ in range(args.repeats):
            for n, times in ((WARM, small), (len(files), large)):
                command = ways(listings[n], folder / "x.jsonl")[name]
                seconds, peak = timed(command, files[:n], folder / "x.jsonl")
                times.append(seconds)
                peaks.append(peak)
        t_small, t_large = statistics.median(small), statistics.median(large)
        rates[name] = (len(files) - WARM) / (t_large - t_small)
        startup = t_small - WARM / rates[name]
        print(f"{name:34} {rates[name]:15.0f} {startup:10.1f} {len(files) / t_large:19.0f} {max(peaks):8d}",
              flush=True)
    base = rates["CLI predict, 1 process"]
    print("\nsteady rate against the single-process CLI: " +
          ", ".join(f"{name} {rate / base:.2f}x" for name, rate in rates.items() if rate != base))


if __name__ == "__main__":
    run_command(main)
