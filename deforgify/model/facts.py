"""What names the model behind an answer, given with every answer (app, command line, library):
which model, its revision, when it was trained, and the rules it answered by."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from deforgify.model.folder import METRICS_FILE

if TYPE_CHECKING:
    from deforgify.detector import Detector


HELD_OUT_HEADING = "Sources never seen (leave-one-source-out)"
"""The card's heading over its held-out figures, where the page's header links to."""


def model_facts(detector: "Detector") -> dict[str, Any]:
    """The ``model`` of an answer: ``reference`` (a local folder by its last part only: its path
    is no business of a page's visitors), ``revision`` (never null: see
    :meth:`ModelSource.fingerprint`), architecture, library version, training date, and the
    threshold, unsure band and least face width used."""
    source, config = detector.source, detector.config
    calibration = config.calibration
    named = source.repo_id or source.reference == "bundled"
    reference = source.reference if named else f"folder:{source.folder.resolve().name}"
    return {"reference": reference, "revision": source.fingerprint(),
            "architecture": config.architecture, "library_version": config.library_version,
            "trained": training_facts(source.folder).get("date"), "threshold": calibration.threshold,
            "unsure_band": [calibration.unsure_low, calibration.unsure_high],
            "min_face_width": config.min_face_width}


def at_a_glance(metrics: dict[str, Any]) -> Optional[str]:
    """The model's answers as served on its own test split when it was trained, as a Markdown list
    (the model card's and the app's): how often it gives each answer and how often that is right,
    then how often its answers are right in all, last (a visitor found the one long sentence hard
    to read on a phone; another took the leading "right 97.1% of the time" as the figure to quote,
    of a tool that answers under half of the faces); None when its metrics do not record them."""
    unsure = (metrics.get("test") or {}).get("unsure")
    if not isinstance(unsure, dict) or "unsure_share" not in unsure:
        return None
    right_of = _each_answer(metrics["test"], unsure)
    answers = [f"of fake faces, it calls {percent(unsure.get('fakes_caught'))} \"fake\"{right_of.get('fake', '')}",
               f"of real faces, it calls {percent(unsure.get('reals_cleared'))} \"real\"{right_of.get('real', '')}",
               f"of all faces, it says \"unsure\" for {percent(unsure['unsure_share'])}: it cannot tell",
               f"so it answers {percent(unsure.get('answered_share'))} of faces \"real\" or \"fake\", and those "
               f"answers are right {percent(unsure.get('accuracy_when_sure'))} of the time"]
    return "\n".join(f"- {answer}" for answer in answers)


def _each_answer(test: dict[str, Any], unsure: dict[str, Any]) -> dict[str, str]:
    """How often each answer is right ("; when it says "real", it is right 468 of 490 times"),
    from the test split's reals and fakes (its confusion matrix) and the served shares; a card
    reviewer found the one figure hid that "real" is the answer more often wrong. Empty where
    the metrics do not tell."""
    try:
        reals, fakes = (sum(row) for row in test["confusion_matrix"]["matrix"])
        cleared, accused = round(unsure["reals_cleared"] * reals), round(unsure["reals_accused"] * reals)
        caught = round(unsure["fakes_caught"] * fakes)
        answered = round(unsure["answered_share"] * unsure["count"])
    except (KeyError, TypeError, ValueError):
        return {}
    said_real = answered - accused - caught  # reals cleared, and fakes called real
    return {"real": _right_of("real", cleared, said_real), "fake": _right_of("fake", caught, caught + accused)}


def _right_of(answer: str, right: int, given: int) -> str:
    """"; when it says "real", it is right 468 of 490 times", or "" for an answer never given."""
    return f"; when it says \"{answer}\", it is right {right} of {given} times" if given else ""


def metrics_in(folder: Path) -> dict[str, Any]:
    """The metrics file of the model in ``folder``; empty without a readable one."""
    try:
        metrics = json.loads((folder / METRICS_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return metrics if isinstance(metrics, dict) else {}


def whole_sources(loso: dict[str, Any]) -> list[dict[str, Any]]:
    """The held-out units that are whole sources (not one FaceForensics++ method, ``ffpp:NAME``)."""
    return [u for u in loso.get("units", []) if ":" not in u["unit"]]


def held_out_accused(metrics: dict[str, Any]) -> str:
    """"On a kind of photo it was not trained on, a "fake" is far less sure: ... up to 27.4% of
    that source's real faces were called "fake", and only 0% to 37% of its fakes caught": the
    worst of the held-out runs (quick models trained without that source), in plain words; a
    visitor read the test split's figures alone as "a 'fake' is always right", and another could
    not square "right 266 of 266 times" with the held-out figures said without that contrast.
    Empty without."""
    worst, caught = held_out_shares(whole_sources(metrics.get("leave_one_out") or {}))
    misses = f", and only {min(caught):.0%} to {max(caught):.0%} of its fakes caught" if caught else ""
    return "" if worst is None else ("On a kind of photo it was not trained on, a \"fake\" is far less sure: in "
                                     "quick models each trained without one source (not this model), up to "
                                     f"{worst:.1%} of that source's real faces were called \"fake\"{misses}")


def held_out_shares(units: list[dict[str, Any]]) -> tuple[Optional[float], list[float]]:
    """Of held-out runs (:func:`whole_sources`): the largest share of real faces called "fake"
    (None when no held-out source had real faces), and the shares of fakes called "fake" of
    those that had fakes."""
    accused = [unit["false_accusation_rate_with_band"] for unit in units
               if unit.get("false_accusation_rate_with_band") is not None]
    caught = [unit["fakes_caught_with_band"] for unit in units if unit.get("fakes_caught_with_band") is not None]
    return max(accused, default=None), caught


def band_rule_seen(metrics: dict[str, Any]) -> bool:
    """Whether the model has the bundled model's split (its sources and seed), whose test split
    was seen when the band's clear-half rule was chosen: its test figures are not a blind estimate."""
    from deforgify.model.source import BUNDLED_MODEL

    bundled = metrics_in(BUNDLED_MODEL).get("training") or {}
    training = metrics.get("training") or {}
    return (training.get("seed") == bundled.get("seed") and bool(training.get("data"))
            and sorted(Path(s).name for s in training["data"]) == sorted(Path(s).name for s in bundled.get("data", [])))


def probes_answered(metrics: dict[str, Any]) -> str:
    """"of 37 fakes of a kind it was never trained on (diffusion-probe), it called 4 "fake", 29
    "unsure" and 4 "real"": the fakes-only probes' answers, in plain words (a visitor's AI portrait
    got a green "Real"; another read "4 real" alone as the rest caught); empty without probes."""
    said = []
    for name, probe in (metrics.get("probes") or {}).items():
        count = probe.get("count") or 0
        answers = [f"{round(probe.get(label, 0) * count)} \"{label}\"" for label in ("fake", "unsure", "real")]
        if count:
            said.append(f"of {count} fakes of a kind it was never trained on ({name}), it called "
                        f"{', '.join(answers[:-1])} and {answers[-1]}")
    return "; ".join(said)


def percent(value: Optional[float]) -> str:
    """A share as "33.6%", or "n/a" when not measured."""
    return "n/a" if value is None else f"{value:.1%}"


def training_facts(folder: Path) -> dict[str, Any]:
    """What the metrics file of the model in ``folder`` records of its training run (its date,
    sources, seed...); empty without a readable one."""
    facts = metrics_in(folder).get("training")
    return facts if isinstance(facts, dict) else {}
