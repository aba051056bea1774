"""Deforgify's Gradio app: is the face in this photo real or fake?

    python app.py            # http://127.0.0.1:7860 (GRADIO_SERVER_NAME/PORT to change)

Space variables: DEFORGIFY_MODEL (Hub repo OWNER/NAME[@REVISION] or a folder; default: the
bundled model), HF_TOKEN (secret: a private model repo, and a flag dataset), DEFORGIFY_EXAMPLES
(a folder of example photos; default: examples/), DEFORGIFY_FLAGS (folder for "wrong verdict"
reports; default: flagged/), DEFORGIFY_FLAG_DATASET (Hub dataset OWNER/NAME to send them to as
well), DEFORGIFY_FLAG_MAX_PER_HOUR (default 20), DEFORGIFY_FLAG_MAX_MB (the folder's size limit,
default 500), DEFORGIFY_FLAG_KEEP_DAYS (reports older are deleted, default 90).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Optional

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before gradio is imported

from deforgify.app.log import log

if TYPE_CHECKING:
    from deforgify.detector import Detector


def load_detector(reference: Optional[str]) -> Detector:
    """The detector for ``reference``, ready to answer at once (run once on a blank image); the
    bundled model, with the reason logged, if it fails."""
    from deforgify.detector import Detector
    from deforgify.model.folder import ModelLoadError
    from deforgify.model.source import HubRefusal, bundled_source

    try:
        detector = Detector.load(reference, fallback=True)  # the page says so, and the log
        for warning in detector.warnings:
            log(f"warning: {warning}")
    except ModelLoadError as error:  # the reason goes to the log; visitors see no server paths
        log(f"warning: {error}; using the bundled model")
        why = f": {error}" if isinstance(error, HubRefusal) else ""  # names the repo alone
        detector = Detector.from_source(bundled_source(
            f"the configured model could not be loaded{why}; the bundled model answers instead"))
    detector.warm_up()
    return detector


# The model loads (LiteRT: a fraction of a second; a Hub model may need a download, or Keras and
# TensorFlow for a folder without model.tflite) in a thread while Gradio imports and the page is
# built: a cold start costs about the longer of the two, not their sum.
_detector = ThreadPoolExecutor(1).submit(load_detector, os.environ.get("DEFORGIFY_MODEL") or None)

from deforgify.app.page import build_demo, launch_options  # noqa: E402  (imports Gradio)
from deforgify.app.reports import feedback_store  # noqa: E402

EXAMPLES_FOLDER = Path(os.environ.get("DEFORGIFY_EXAMPLES", Path(__file__).parent / "examples"))
demo = build_demo(_detector.result(), feedback_store(), EXAMPLES_FOLDER)

if __name__ == "__main__":
    demo.launch(**launch_options())
