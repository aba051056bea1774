"""Deforgify: tells whether a photo of a face is real or fake."""

import os

__version__ = "0.1.0"

# TensorFlow's C++ start-up chatter is noise for CLI and app users (set it to 0 to see it).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from deforgify.decode import InvalidImageError, load_rgb  # noqa: E402
from deforgify.model.folder import ModelLoadError  # noqa: E402

__all__ = ["Detector", "InvalidImageError", "InvalidVideoError", "ModelLoadError", "load_rgb", "__version__"]


def __getattr__(name: str):
    # Detector pulls in LiteRT and the face detectors, InvalidVideoError the video reader:
    # imported only when asked for.
    if name == "Detector":
        from deforgify.detector import Detector

        return Detector
    if name == "InvalidVideoError":
        from deforgify.video.frames import InvalidVideoError

        return InvalidVideoError
    raise AttributeError(f"module 'deforgify' has no attribute {name!r}")
