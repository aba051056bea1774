"""Quiet where other libraries talk for nothing: TensorFlow's and LiteRT's C++ start-up chatter,
and Pillow's warnings about what Deforgify checks itself (:func:`pillow_warnings_ignored`).

TensorFlow 2.21 writes several lines (oneDNN, CUDA drivers, cuInit) straight to file descriptor
2 while it loads, before any setting such as ``TF_CPP_MIN_LOG_LEVEL`` is read. They are noise
for CLI and app users, so the first import runs with descriptor 2 captured; every captured line
that is not such a start-up line is written back (set ``DEFORGIFY_TF_LOGS=1`` to see them all).
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import threading
import warnings
from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:
    from types import ModuleType

START_UP_NOISE = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|[IWE]\d{4} [\d:. ]+\d+ (port|cudart_stub|cuda_platform|cuda_executor|cpu_feature_guard)\.cc:\d+\].*"
    r"|INFO: Created TensorFlow Lite XNNPACK delegate for CPU\.)$"
)
_lock = threading.Lock()
_capturing = threading.RLock()
"""Held while descriptor 2 is captured: one capture at a time in the process. Two threads
loading their face detectors at once each swapped descriptor 2 and put back what they had found,
one of them the other's capture: the process's stderr went to a deleted file for good."""
_warning_filters = threading.RLock()
"""Held while :func:`pillow_warnings_ignored` has the process's warning filters replaced."""


def import_tensorflow() -> ModuleType:
    """``import tensorflow`` (and Keras, and TensorFlow's device discovery) in silence."""
    with _lock:
        if "tensorflow" in sys.modules and "keras" in sys.modules:
            return sys.modules["tensorflow"]
        with native_stderr_filtered():
            import keras  # noqa: F401
            import tensorflow as tf

            tf.constant(0.0)  # the first op discovers devices, and logs about it
        return tf


@contextmanager
def native_stderr_filtered() -> Iterator[None]:
    """Within it, what native code writes to file descriptor 2 is held back, and written out at
    the end less the start-up lines of TensorFlow and LiteRT."""
    if os.environ.get("DEFORGIFY_TF_LOGS") == "1":
        yield
        return
    with _capturing:
        sys.stderr.flush()
        saved = os.dup(2)
        with tempfile.TemporaryFile() as capture:
            os.dup2(capture.fileno(), 2)
            try:
                yield
            finally:
                os.dup2(saved, 2)
                os.close(saved)
                capture.seek(0)
                kept = [line for line in capture.read().decode(errors="replace").splitlines()
                        if line and not START_UP_NOISE.match(line)]
                if kept:
                    print("\n".join(kept), file=sys.stderr, flush=True)


@contextmanager
def pillow_warnings_ignored() -> Iterator[None]:
    """Within it, warnings are ignored: Pillow's decompression-bomb warning (Deforgify's own pixel
    limit replaces it) and its corrupt-EXIF ones (only the orientation is lost). One thread at a
    time: ``warnings.catch_warnings`` saves and puts back the process's one filter list, so two
    threads inside it at once (a Detector shared by a thread pool) left "ignore" in place for
    good, and the host program never saw a warning again (Python before 3.14). The filters are
    the process's: a warning another thread raises meanwhile is lost too, so keep what runs in it
    short: opening a file and reading its tags, not decoding its pixels."""
    with _warning_filters, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield
