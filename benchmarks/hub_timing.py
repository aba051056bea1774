"""Hub round trip against the loopback Hub double (tests/hub_double.py).

    python benchmarks/hub_timing.py [--repeats 5] [--model DIR]

Prints median seconds for: uploading the model folder (create repo + one commit), resolving it
with a cold cache (download), resolving it again with a warm cache (second start), and falling
back when the endpoint is unreachable (closed port, nothing cached) and when it accepts a
connection and never answers.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
os.environ["HF_HOME"] = tempfile.mkdtemp(prefix="deforgify-hub-bench-")  # before huggingface_hub
os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"

from deforgify.cli.argtypes import first_paragraph, number, run_command
from deforgify.model.source import BUNDLED_MODEL, resolve_model  # noqa: E402
from training.push import push_model  # noqa: E402

from hub_double import HubDouble, silent_endpoint  # noqa: E402


def median_seconds(action, repeats: int, before=lambda: None) -> float:
    times = []
    for _ in range(repeats):
        before()
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=first_paragraph(__doc__))
    parser.add_argument("--repeats", type=number(int, at_least=1), default=5)
    parser.add_argument("--model", type=Path, default=BUNDLED_MODEL)
    args = parser.parse_args()
    from huggingface_hub import constants

    hub = HubDouble().start()  # its token is alice's
    os.environ.update(HF_ENDPOINT=hub.url, HF_TOKEN=hub.token)
    size = sum(f.stat().st_size for f in args.model.iterdir()) / 1e6
    upload = median_seconds(lambda: push_model(args.model, "alice/bench-model"), args.repeats)
    clear_cache = lambda: shutil.rmtree(constants.HF_HUB_CACHE, ignore_errors=True)  # noqa: E731
    cold = median_seconds(lambda: resolve_model("alice/bench-model"), args.repeats, clear_cache)
    warm = median_seconds(lambda: resolve_model("alice/bench-model"), args.repeats)
    os.environ["HF_ENDPOINT"] = closed_port_url()
    fallback = median_seconds(lambda: resolve_model("alice/bench-other", fallback=True), args.repeats)
    assert resolve_model("alice/bench-other", fallback=True).warning, "the unreachable endpoint did not fall back"
    os.environ["HF_ENDPOINT"] = silent_endpoint()[0]
    silent = median_seconds(lambda: resolve_model("alice/bench-other", fallback=True), args.repeats)
    hub.stop()
    print(f"model folder {size:.1f} MB, median of {args.repeats} runs each")
    print(f"upload (create repo + commit):        {upload * 1000:7.1f} ms")
    print(f"download, cold cache:                 {cold * 1000:7.1f} ms")
    print(f"second start, warm cache:             {warm * 1000:7.1f} ms")
    print(f"fallback, unreachable endpoint:       {fallback * 1000:7.1f} ms")
    print(f"fallback, endpoint that never answers: {silent * 1000:7.1f} ms")


if __name__ == "__main__":
    run_command(main)
