"""End-to-end API figures of the Gradio app, beside Gradio's own floor.

    python benchmarks/app_latency.py [--calls 100] [--image FACE.jpg]

Starts each server as its own process on a free loopback port and calls it with gradio_client:
- cold start of `python app.py` to its first answer;
- sequential latency p50/p95 for one 300x300 face image: the Deforgify app, and a no-op Gradio
  app with the same input and the same five outputs (a label, an HTML box, two image files and
  a JSON result, made once in advance) answering at once: Gradio's floor for this API; their
  ratio;
- throughput under 8 concurrent clients.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from deforgify.cli.argtypes import first_paragraph, number, run_command

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_IMAGE = ROOT.parent / "shared/data/hardfakevsrealfaces/fake/fake_1.jpg"


def serve_noop() -> None:
    """A Gradio app with the app's input and outputs that does no work (in a child process)."""
    import gradio as gr
    from PIL import Image

    folder = Path(tempfile.mkdtemp())
    faces, heatmap = folder / "faces.jpg", folder / "heatmap.jpg"
    Image.new("RGB", (300, 300), (90, 90, 90)).save(faces)
    Image.new("RGB", (384, 428), (30, 30, 200)).save(heatmap)
    answer = (
        {"real": 0.5, "fake": 0.5}, '<div id="verdict-box">Unsure</div>', str(faces), str(heatmap),
        {"label": "unsure", "confidences": {"real": 0.5, "fake": 0.5}, "face_found": True,
         "face": [1, 2, 3, 4], "faces": [], "model": {}},
    )
    with gr.Blocks(analytics_enabled=False) as demo:
        image = gr.Image(type="filepath")
        outputs = [gr.Label(), gr.HTML(), gr.Image(type="filepath"), gr.Image(type="filepath"), gr.JSON()]
        gr.Button().click(lambda _: answer, image, outputs, api_name="predict", concurrency_limit=2)
    demo.queue(max_size=64).launch(quiet=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(command: list[str]) -> tuple[subprocess.Popen, str, float]:
    port = free_port()
    env = {**os.environ, "GRADIO_SERVER_PORT": str(port), "GRADIO_ANALYTICS_ENABLED": "False"}
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    while True:
        try:
            urllib.request.urlopen(url, timeout=1)
            return process, url, started
        except OSError:
            if process.poll() is not None:
                sys.exit(f"{command} exited")
            time.sleep(0.05)


def call(url: str, image: str):
    from gradio_client import Client, handle_file

    client = Client(url, verbose=False)
    return lambda: client.predict(handle_file(image), api_name="/predict")


def latencies(url: str, image: str, calls: int) -> list[float]:
    predict = call(url, image)
    predict()
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        predict()
        times.append(time.perf_counter() - start)
    return times


def throughput(url: str, image: str, clients: int = 8, each: int = 25) -> float:
    predicts = [call(url, image) for _ in range(clients)]
    predicts[0]()
    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(lambda p: [p() for _ in range(each)], predicts))
    return clients * each / (time.perf_counter() - start)


def face_300(image: Path) -> str:
    from PIL import Image

    path = Path(tempfile.mkdtemp()) / "face300.jpg"
    Image.open(image).convert("RGB").resize((300, 300)).save(path, quality=90)
    return str(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=first_paragraph(__doc__))
    parser.add_argument("--calls", type=number(int, at_least=1), default=100)
    parser.add_argument("--image", type=Path, default=DEFAULT_IMAGE)
    parser.add_argument("--serve-noop", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_noop:
        return serve_noop()
    image = face_300(args.image)
    servers = {"deforgify": [sys.executable, "app.py"], "noop": [sys.executable, __file__, "--serve-noop"]}
    results = {}
    for name, command in servers.items():
        process, url, started = start(command)
        first = call(url, image)()
        cold = time.perf_counter() - started
        assert first is not None
        results[name] = (cold, latencies(url, image, args.calls), throughput(url, image))
        process.terminate()
        process.wait()
    print(f"{args.calls} sequential calls per app, one 300x300 face; 8 clients x 25 calls for throughput")
    print(f"{'app':12} {'cold start':>10} {'p50 ms':>8} {'p95 ms':>8} {'req/s (8 clients)':>18}")
    for name, (cold, times, rate) in results.items():
        print(f"{name:12} {cold:9.1f}s {statistics.median(times) * 1000:8.1f} "
              f"{np.percentile(times, 95) * 1000:8.1f} {rate:18.1f}")
    (cold, times, _), (noop_cold, noop_times, _) = results["deforgify"], results["noop"]
    print(f"deforgify / no-op: cold start {cold / noop_cold:.2f}x, "
          f"p50 {statistics.median(times) / statistics.median(noop_times):.2f}x")


if __name__ == "__main__":
    run_command(main)
