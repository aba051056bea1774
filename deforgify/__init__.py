"""Deforgify: tells whether a photo of a face is real or fake."""

import importlib
import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what a type checker sees of the names imported lazily below (py.typed is shipped)
    from deforgify.answer import Answer  # noqa: F401
    from deforgify.decode.images import AnimatedImageError, InvalidImageError, load_rgb  # noqa: F401
    from deforgify.detector import Detector  # noqa: F401
    from deforgify.model.folder import ModelLoadError  # noqa: F401
    from deforgify.prediction import Prediction  # noqa: F401
    from deforgify.video.frames import InvalidVideoError  # noqa: F401

__version__ = "0.1.0"

# TensorFlow's C++ start-up chatter is noise for CLI and app users (set it to 0 to see it).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

_PUBLIC = {
    "AnimatedImageError": "deforgify.decode.images",
    "Answer": "deforgify.answer",
    "Detector": "deforgify.detector",
    "InvalidImageError": "deforgify.decode.images",
    "InvalidVideoError": "deforgify.video.frames",
    "ModelLoadError": "deforgify.model.folder",
    "Prediction": "deforgify.prediction",
    "load_rgb": "deforgify.decode.images",
}
"""Each public name and its module, imported when the name is first asked for: importing the
package costs nothing (NumPy, OpenCV and LiteRT come with the names that need them), so the
command line can start inside its Ctrl-C handling (:func:`deforgify.__main__.run`)."""

__all__ = [*_PUBLIC, "__version__"]


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'deforgify' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The public names alone (PEP 562): the helpers this module imports (``os``, ``Any``) and its
    own dunders are left out, as a program exploring the package needs neither."""
    return sorted(__all__)
