"""End-to-end API figures of the Gradio app, beside Gradio's own floor.

    python benchmarks/app_latency.py [--calls 100] [--image FACE.jpg]

Starts each server as its own process on a free loopback port and calls it with gradio_client:
- cold start of `python app.py` to its first answer;
- sequential latency p50/p95 for one 300x300 face image: the Deforgify app, and a no-op Gradio
  app taking the same image input and returning a constant label (Gradio's floor); their ratio;
- throughput under 8 concurrent clients: the app as shipped (one image per call), and a variant
  that batches concurrent requests into one model call (Interface(batch=True)).
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_IMAGE = ROOT.parent / "shared/data/hardfakevsrealfaces/fake/fake_1.jpg"


def serve(kind: str) -> None:
    """Run one of the servers compared here (in a child process)."""
    import gradio as gr

    if kind == "noop":
        demo = gr.Interface(lambda image: {"real": 0.5, "fake": 0.5}, gr.Image(type="filepath"),
                            gr.Label(), api_name="predict", analytics_enabled=False)
    else:
        import app
        from deforgify.decode import load_rgb
        from deforgify.explain import draw_faces, explain

        def predict_batch(images: list[str]) -> list[list]:
            """The app's four outputs for several images, with one model call for all."""
            rgbs = [load_rgb(image) for image in images]
            predictions = detector.predict_rgb(rgbs)
            pairs = list(zip(rgbs, predictions))
            return [
                [p.confidences for p in predictions],
                [app.save_output(draw_faces(rgb, p)) for rgb, p in pairs],
                [app.save_output(detector.heatmap(rgb, p)) for rgb, p in pairs],
                [explain(p) for p in predictions],
            ]

        detector = app.load_detector(None)
        demo = gr.Interface(predict_batch, app.ImageFile(type="filepath"),
                            [gr.Label(), gr.Image(type="filepath"), gr.Image(type="filepath"), gr.Markdown()],
                            batch=True, max_batch_size=8, api_name="predict", analytics_enabled=False)
    demo.queue(max_size=64, default_concurrency_limit=2).launch(quiet=True)


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
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--image", type=Path, default=DEFAULT_IMAGE)
    parser.add_argument("--serve", choices=["noop", "batched"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args.serve)
    image = face_300(args.image)
    me = [sys.executable, __file__, "--serve"]
    servers = {"deforgify": [sys.executable, "app.py"], "noop": me + ["noop"], "batched": me + ["batched"]}
    results = {}
    for name, command in servers.items():
        process, url, started = start(command)
        first = call(url, image)()
        cold = time.perf_counter() - started
        assert first is not None
        times = latencies(url, image, args.calls) if name != "batched" else []
        results[name] = (cold, times, throughput(url, image))
        process.terminate()
        process.wait()
    print(f"{args.calls} sequential calls per app, one 300x300 face; 8 clients x 25 calls for throughput")
    print(f"{'app':12} {'cold start':>10} {'p50 ms':>8} {'p95 ms':>8} {'req/s (8 clients)':>18}")
    for name, (cold, times, rate) in results.items():
        p50 = f"{statistics.median(times) * 1000:8.1f}" if times else f"{'-':>8}"
        p95 = f"{np.percentile(times, 95) * 1000:8.1f}" if times else f"{'-':>8}"
        print(f"{name:12} {cold:9.1f}s {p50} {p95} {rate:18.1f}")
    ratio = statistics.median(results["deforgify"][1]) / statistics.median(results["noop"][1])
    print(f"deforgify p50 / no-op p50 = {ratio:.2f}x")
    print(f"batched / unbatched throughput = {results['batched'][2] / results['deforgify'][2]:.2f}x")


if __name__ == "__main__":
    main()
