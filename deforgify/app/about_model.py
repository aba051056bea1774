"""What the page says of the model that answers: the header (what its answers mean and how
often they are right), the model card at the foot, the limits, and the examples with the
answers this model gives them."""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path
from typing import Any

from deforgify.app.log import log
from deforgify.decode.images import InvalidImageError
from deforgify.detector import Detector
from deforgify.explain.words import WORDS, capitalised
from deforgify.model.calibration import NO_FACE
from deforgify.model.facts import (HELD_OUT_HEADING, at_a_glance, band_rule_seen, held_out_accused, metrics_in,
                                   probes_answered, whole_sources)
from deforgify.model.source import card_url

EXAMPLES = {
    "real-astronaut.jpg": ("Real portrait", "real"),
    "real-photographer.jpg": ("Real photo (greyscale)", "real"),
    "gan-stylegan2.jpg": ("GAN face (StyleGAN2)", "fake"),
    "face-swap.jpg": ("Face swap", "fake"),
    "no-face-coffee.jpg": ("No face", NO_FACE),
    "two-faces.jpg": ("Two faces", None),
}
"""Each example's caption and the answer its kind should get (None: no single one)."""
TRAINED_ON = ("gan-stylegan2.jpg", "face-swap.jpg")
"""The examples from the bundled model's training split (the face swap made of two of its photos:
examples/SOURCES.md)."""


def model_line(detector: Detector) -> str:
    """The model by name, version and date: ``deforgify-lite0 (bundled), Deforgify 0.1.0, trained
    2026-11-26 (revision sha256:…)``, or a Hub model as asked (``OWNER/NAME@REVISION``) and its
    commit. The bundled model is called so, as its answers' ``model.reference`` calls it (it is
    also what answers when the configured model could not be loaded)."""
    source, config, facts = detector.source, detector.config, detector.facts
    trained, revision = facts["trained"], facts["revision"]
    name = source.reference if source.repo_id else config.architecture  # a folder's path is no business of visitors
    name += " (bundled)" if facts["reference"] == "bundled" else ""
    parts = [name, f"Deforgify {config.library_version}"] + ([f"trained {trained}"] if trained else [])
    return f"{', '.join(parts)} ({f'commit {revision[:10]}' if source.revision else f'revision {revision}'})"


def header(detector: Detector) -> str:
    """Title, one line on what it does and what its answers mean, which model answers with a link
    to its card, and where the figures of how often it is right are (:func:`how_often_right`)."""
    lines = [
        "# Deforgify: real or fake face?",
        "Upload a photo of a face, paste one (the clipboard button) or take one with the camera button: Deforgify "
        "checks it at once and tells whether it "
        "shows signs of a generated or manipulated face (GAN faces, face swaps). It answers \"fake\" (signs of "
        "the fakes it knows), \"real\" (no sign of them: not proof that the photo is genuine), \"unsure\" "
        "(it cannot tell) or \"no face\" (it found no face to judge).",
        f"**Model:** {model_line(detector)} · [model card]({model_card_link(detector)})"
        + (f" · [how often it is right](#{HOW_OFTEN_RIGHT})" if at_a_glance(metrics_in(detector.source.folder))
           else ""),  # where how_often_right has figures to give
    ]
    lines += [f"> ⚠ {capitalised(warning)}." for warning in detector.warnings]
    return "\n\n".join(lines)


HOW_OFTEN_RIGHT = "how-often-right"
"""The element id of :func:`how_often_right`'s block, which the header links to."""


def how_often_right(detector: Detector) -> str:
    """What the model's answers are worth, from its metrics.json (nothing without): on its test
    split, then on sources and fakes it never saw. Under the photo's answer, not in the header: on a
    phone the header's figures pushed the photo input off the first screen (a visitor had found them
    only in the card, five screens down, before they went into the header)."""
    metrics = metrics_in(detector.source.folder)
    glance = at_a_glance(metrics)
    if not glance:
        return ""
    seen = ("\n\nThese figures flatter it: where \"unsure\" starts and ends was set after looking at these "
            "same photos." if band_rule_seen(metrics) else "")
    worse = "; ".join(filter(None, [held_out_accused(metrics), probes_answered(metrics)]))
    measured = (f"the card's [held-out figures]({model_card_link(detector, HELD_OUT_HEADING)})"
                if whole_sources(metrics.get("leave_one_out") or {}) else "how much was not measured for this model")
    return (f"**How often it is right**, measured on photos like those it learned from, kept apart when it was "
            f"trained (its test split: a best case):\n\n{glance}{seen}\n\n"
            + (f"{capitalised(worse)}: expect" if worse else "Expect") + " it to do worse on photos "
            f"unlike those it learned from ({measured}).")


def model_card_link(detector: Detector, section: str = "") -> str:
    """The Hub page of a Hub model (unless it answers from its cached copy, the Hub away: then
    the card at the foot of this page, as any other); for the bundled model, its card in this
    Space's files, or (run elsewhere) the card shown at the foot of this page. With a
    ``section`` (a heading's words), at that heading: its anchor on the Hub, and on this page
    ``#model-card--`` and the same anchor, which the page's script opens the card at."""
    anchor = re.sub(r"[^a-z0-9 -]", "", section.lower()).strip().replace(" ", "-")
    hub = card_url(detector.source)
    space = os.environ.get("SPACE_ID")
    if hub and not detector.source.warning:
        page = hub
    elif space and detector.source.reference == "bundled":
        page = f"https://huggingface.co/spaces/{space}/blob/main/deforgify/bundled_model/README.md"
    else:
        return "#model-card" + (f"--{anchor}" if anchor else "")
    return page + (f"#{anchor}" if anchor else "")


def card_text(detector: Detector) -> str:
    """The model card without its metadata block, for the page's foot, its figures inlined."""
    folder = detector.source.folder
    path = folder / "README.md"
    text = path.read_text() if path.is_file() else "No model card."
    text = text.split("\n---\n", 1)[-1] if text.startswith("---\n") else text
    return CARD_FIGURE.sub(lambda figure: _inlined(figure, folder), text)


CARD_FIGURE = re.compile(r"!\[([^\]]*)\]\(([\w.-]+\.png)\)")
"""A figure of the card beside it in the model folder (confusion matrix, ROC and training curves)."""


def _inlined(figure: re.Match, folder: Path) -> str:
    """The figure as a data URI: the page cannot link to the model folder (its files are not
    served, and its path is the server's business); its alt text where the file is missing."""
    alt, name = figure.groups()
    picture = folder / name
    if not picture.is_file():
        return f"*({alt}: not in the model folder)*"
    return f"![{alt}](data:image/png;base64,{base64.b64encode(picture.read_bytes()).decode()})"


LIMITS = """**What it cannot do**

- It learned from a limited set of real and fake faces: it can be wrong on other cameras, heavy
  filters or compression, and on kinds of fakes it never saw, such as Photoshop edits and recent
  AI generators (most of their portraits get "unsure", some "real").
- A face without colour (greyscale, one tint such as sepia, or faded by a filter) gets "unsure":
  the model cannot tell fakes without colour (a face faded less is judged, less surely). So does
  a face you can see through (a PNG or WebP with transparency).
- "Real" means no sign of the fakes it knows, not that a photo is genuine. "Unsure" and "no face"
  are honest answers, not errors.
- A face whose bar ends near a mark can move between "unsure" and a firm answer when saved another
  way (another format, size or compression; how often, for this model: beside the examples).
- The answer covers the faces boxed on the picture only: a face masked, in profile, small or
  partly hidden can be missed (a visitor's photo of two masked doctors had one boxed at some
  sizes, both at others), and one missed could be the fake one.
- In a video, a small face that comes in after the first frames, beside a larger one, can be found
  seconds late or missed if it leaves first: check a still of that frame as a photo."""
"""The page's limits, in plain words (the video's face search in detail is in docs/faces.md: a
visitor found "every tenth frame read ... a thirteenth of the frame's longer side" hard going)."""


def saved_another_way(metrics: dict[str, Any]) -> str:
    """Beside the photo input and its examples, that the same face saved another way can get
    another answer, with how often from the model's format-parity figures where it has them: a
    visitor's rotated copy of the real portrait was "real 87%" just above the example saying this
    model answers it "unsure", and read it as a contradiction (the limits at the page's foot said
    it, five phone screens down)."""
    parity = metrics.get("format_parity") or {}
    measured = (f": {parity['changed_share']:.0%} of its test faces did, across {len(parity['variants'])} ways of "
                "saving them" if {"changed_share", "variants"} <= set(parity) else "")
    return ("The same face saved another way (resized, compressed again, in another format) or turned can move "
            f"between \"unsure\" and a firm answer{measured}.")


def trained_on_note(detector: Detector, shown: list[str]) -> str:
    """For the bundled model, which of the ``shown`` examples come from its training data: a
    visitor judged the tool by the face swap's "fake 99%" without knowing it had learned from it."""
    names = [EXAMPLES[Path(path).name][0] for path in shown if Path(path).name in TRAINED_ON]
    if detector.facts["reference"] != "bundled" or not names:
        return ""
    which, several = " and ".join(f'"{name}"' for name in names), len(names) > 1
    return (f" {which} {'come' if several else 'comes'} from this model's training data: "
            f"{'their answers show' if several else 'its answer shows'} the tool at work, not how it does on "
            "photos it never saw.")


def example_files(detector: Detector, folder: Path) -> tuple[list[str], list[str]]:
    """The example photos in ``folder`` and their captions. An example the served model answers
    otherwise than its kind says is captioned with the answer it gets: a miss is said, never hidden."""
    paths, captions = [], []
    for name, (caption, expected) in EXAMPLES.items():
        path = folder / name
        if not path.is_file():
            continue
        try:
            answer = detector.predict(path).label
        except InvalidImageError as error:  # a broken example is not shown, nor keeps the app from starting
            log(f"example {path} left out: {error}")
            continue
        paths.append(str(path))
        captions.append(caption if expected in (None, answer) else f"{caption}: this model answers {WORDS[answer]}")
    return paths, captions
