"""The Detector: a loaded model plus its preprocessing, answering real/fake for images."""

from __future__ import annotations

import copy
import functools
import operator
import os
from dataclasses import replace
from pathlib import Path
from typing import Any, Optional, Sequence, SupportsIndex, Union, cast

import numpy as np

from deforgify.answer import Answer
from deforgify.decode.images import (WORKING_MAX_SIDE, ImageInput, InvalidImageError, check_shape, file_behind,
                                     load_image, read_bytes)
from deforgify.faces.colour import face_colourless
from deforgify.faces.crops import beyond_largest, face_crops
from deforgify.faces.preprocess import Preprocessed, preprocess_face
from deforgify.faces.unjudged import face_label
from deforgify.model.calibration import NO_FACE, UNSURE
from deforgify.model.facts import model_facts
from deforgify.model.folder import LITERT_FILE, ModelConfig, ModelLoadError, read_config
from deforgify.model.runtime import THREADS, LiteRtRuntime, Runtime, load_runtime
from deforgify.model.source import ModelSource, resolve_model
from deforgify.prediction import FaceScore, Prediction, crop_mean, deciding
from deforgify.provenance import read_provenance

BATCH_SIZE = 4
"""Crops per model call (each goes in with its mirror image: calls of twice this many). Small
calls are faster per crop, their activations staying in cache: calls of 8 took 1.71 ms per crop
against 1.92 for calls of 64 on two LiteRT threads (3.34 against 3.80 on one), median of 7."""


def decoded_rgb(image: object, taker: str = "predict_rgb", photo_size: bool = True) -> np.ndarray:
    """``image`` if it is a decoded RGB image (a uint8 array, height x width x 3), of a size a
    photo may have unless ``photo_size`` is False (metrics score every image they are given);
    anything else is refused by name, rather than judged wrongly (a float or 16-bit array would
    look black, a 10x10 one would be "no face")."""
    if isinstance(image, np.ndarray) and image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3:
        if image.size == 0:
            raise InvalidImageError(f"{taker} was given an empty image ({image.shape[1]}x{image.shape[0]} pixels)")
        if photo_size:
            check_shape(image.shape[1], image.shape[0])
        return image
    kind = f"a {image.dtype} array of shape {image.shape}" if isinstance(image, np.ndarray) else type(image).__name__
    hint = ("pass the pixels the prediction was made in (answer_and_pixels() gives both)" if taker == "heatmap"
            else "predict() takes it, or decode it with load_rgb() first")
    raise InvalidImageError(f"{taker} takes decoded RGB images (uint8 arrays, height x width x 3), not {kind}: {hint}")


def _check_pixels_of(prediction: Prediction, rgb: np.ndarray) -> None:
    """Refuse (ValueError) pixels other than those ``prediction`` was made in, whose boxes would
    map another place: another photo's (a heatmap glowed on a cup of coffee), the photo not turned
    by its EXIF orientation, or not reduced as it was judged."""
    shape = (rgb.shape[1], rgb.shape[0])
    if prediction.size is not None:
        made = (round(prediction.size[0] * prediction.scale), round(prediction.size[1] * prediction.scale))
        if max(abs(shape[0] - made[0]), abs(shape[1] - made[1])) <= 1:
            return
    elif prediction.scale >= 1 or max(shape) == WORKING_MAX_SIDE:
        return
    where = (f"a copy of the photo reduced to {WORKING_MAX_SIDE} px" if prediction.scale < 1
             else f"a {made[0]}x{made[1]} photo")
    raise ValueError(f"this prediction was made in {where}, and these pixels are {shape[0]}x{shape[1]}: pass the "
                     "pixels it was made in (answer_and_pixels() gives both; a photo turned by its EXIF "
                     "orientation is upright in them)")


@functools.lru_cache(maxsize=4)
def _network(reference: str, threads: int) -> tuple[ModelSource, LiteRtRuntime]:
    """A pickled detector's model, loaded once per process (see :meth:`Detector.__reduce__`)."""
    source = resolve_model(reference)
    return source, LiteRtRuntime(source.folder / LITERT_FILE, threads)


def _thread_count(threads: object) -> int:
    """``threads`` as LiteRT takes it (1 or more, a numpy integer too), refused in words before
    any model is fetched (LiteRT's own refusal read as a model that could not be loaded)."""
    try:
        count = operator.index(cast(SupportsIndex, threads)) if not isinstance(threads, bool) else None
    except TypeError:
        count = None
    if count is None or count < 1:
        raise ValueError(f"threads must be a whole number of 1 or more, not {threads!r}")
    return count


def _unpickled(reference: str, source: ModelSource, config: ModelConfig, threads: int) -> "Detector":
    loaded, runtime = _network(reference, threads)
    return Detector(runtime, config, replace(source, folder=loaded.folder))


class Detector:
    """Load once, then call :meth:`predict` as often as needed; model calls are batched."""

    def __init__(self, runtime: Runtime, config: ModelConfig, source: ModelSource) -> None:
        self.runtime = runtime
        self.config = config
        self.source = source

    @classmethod
    def load(cls, reference: Optional[Union[str, os.PathLike]] = None, threads: int = THREADS,
             fallback: bool = False) -> "Detector":
        """Load the model named by ``reference`` (see :func:`resolve_model`); None, "" (an unset
        variable's value) or "bundled": the bundled model.
        ``threads``: how many the model call may use. ``fallback``: a Hub model neither
        reachable nor cached is replaced by the bundled one (said in :attr:`warnings`) instead
        of raising ModelLoadError."""
        count = _thread_count(threads)  # before a Hub model is fetched
        return cls.from_source(resolve_model(reference, fallback), count)

    @classmethod
    def from_source(cls, source: ModelSource, threads: int = THREADS) -> "Detector":
        threads = _thread_count(threads)
        config = read_config(source.folder)
        runtime = load_runtime(source.folder, config.labels.index("fake"), threads)
        size = config.preprocessing.input_size
        if runtime.input_size != size:  # LiteRT would run the graph on crops of the config's size
            raise ModelLoadError(f"{source.folder}: config.json says the network takes {size} px crops, and its "
                                 f"network takes {runtime.input_size} px: the config is not the network's "
                                 f"(its preprocessing.input_size would be {runtime.input_size})")
        return cls(runtime, config, source)

    def __reduce__(self) -> tuple[Any, tuple[str, ModelSource, ModelConfig, int]]:
        """Pickled as where its model comes from (the bundled one, a Hub repo pinned to the commit
        loaded here, a folder's absolute path), its source as named here, its config and its
        thread count, for a process pool (multiprocessing, joblib, Dask): its network is loaded
        once in each process that unpickles it (the interpreter itself cannot be pickled). Only a
        LiteRT network travels: a Keras one is a training run's, not a model folder's."""
        if not isinstance(self.runtime, LiteRtRuntime):
            raise TypeError("only a detector whose network runs in LiteRT (a model folder's model.tflite) can be "
                            "pickled")
        reference = self.source.portable_reference() or "bundled"
        return _unpickled, (reference, self.source, self.config, self.runtime.threads)

    def worker_recipe(self) -> Optional[tuple[Path, ModelConfig, ModelSource]]:
        """What a worker process needs to run this detector again on one thread
        (:meth:`from_worker_recipe`), or None when its network does not run in LiteRT: a worker
        would then need TensorFlow, which costs more to start than it saves."""
        if not isinstance(self.runtime, LiteRtRuntime):
            return None
        return self.runtime.path, self.config, self.source

    @classmethod
    def from_worker_recipe(cls, recipe: tuple[Path, ModelConfig, ModelSource]) -> "Detector":
        path, config, source = recipe
        return cls(LiteRtRuntime(path, threads=1), config, source)

    @property
    def labels(self) -> tuple[str, ...]:
        return self.config.labels

    @property
    def facts(self) -> dict[str, Any]:
        """The model as every answer names it (:func:`model_facts`), a copy of its own for each
        caller (one changed changed every later answer's ``model``: a developer's find)."""
        return copy.deepcopy(self._facts)

    @functools.cached_property
    def _facts(self) -> dict[str, Any]:
        """Read once: the revision hashes the weights, the training date is in metrics.json."""
        return model_facts(self)

    @property
    def warnings(self) -> list[str]:
        """What a user should be told of the model answering: a fallback to another model, a
        config that leaves a rule to its default."""
        return [w for w in (self.source.warning, self.config.warning) if w]

    def warm_up(self) -> None:
        """Run the network once now (compiling it, for Keras), so the first answer is as fast
        as the others."""
        size = self.config.preprocessing.input_size
        self.runtime.run(np.zeros((1, size, size, 3), np.float32))

    def answer(self, image: ImageInput) -> Answer:
        """The whole answer for one photo, as the app and the command line give it: the pixel
        model's verdict, what the file's own metadata declares of its origin (read from a path's
        or bytes' contents, or the file a PIL image was opened from by its path; an array has
        none) and the model that answered. ``image``: a
        path, the file's bytes, a file object opened in binary, a PIL image or an RGB(A) uint8
        array (OpenCV's arrays are BGR: pass ``image[:, :, ::-1]``). Raises InvalidImageError for
        bad input."""
        return self.answer_and_pixels(image)[0]

    def answer_and_pixels(self, image: ImageInput) -> tuple[Answer, np.ndarray]:
        """:meth:`answer`, and the decoded copy its faces were found in (for drawing them)."""
        data = read_bytes(image)
        prediction, rgb = self._decoded_prediction(image if data is None else data)
        provenance = read_provenance(data if data is not None else file_behind(image, rgb))
        return Answer(prediction, provenance, self.facts), rgb  # each answer its own copy

    def predict(self, image: ImageInput) -> Prediction:
        """Decode ``image`` and return the pixel model's verdict alone (raises InvalidImageError
        for bad input); :meth:`answer` adds what the file declares of its origin."""
        return self._decoded_prediction(image)[0]

    def _decoded_prediction(self, image: ImageInput) -> tuple[Prediction, np.ndarray]:
        """The verdict for ``image`` and the decoded copy it was judged in (boxes in its pixels)."""
        decoded = load_image(image)
        crops = face_crops(decoded.rgb, self.config.preprocessing, opacity=decoded.opacity)
        return replace(self.judge([crops])[0], scale=decoded.scale, size=decoded.size), decoded.rgb

    def predict_rgb(self, images: Sequence[np.ndarray], centre_fallback: bool = False
                    ) -> list[Prediction]:
        """Verdicts for decoded RGB images, with all their faces scored in batched calls.

        An image without a face gets the verdict "no_face", unless ``centre_fallback`` asks for
        its centre to be judged instead (for metrics, which need a score for every image).
        Anything but an RGB uint8 array (H, W, 3) raises InvalidImageError, as does one too small
        or a strip unless ``centre_fallback`` (metrics score every image); one array given for
        the sequence, TypeError (its rows were taken for images). RGB pixels carry no
        transparency: a see-through face (:mod:`deforgify.faces.transparency`) is told only by
        :meth:`predict` and :meth:`answer`, given the file or an RGBA array. Boxes, width and
        height are the arrays' own: of a photo decoded by
        :func:`~deforgify.decode.images.load_rgb` (reduced to 2048 px), the reduced copy's, which
        :func:`load_image`'s ``scale`` maps back.
        """
        if isinstance(images, np.ndarray) and images.ndim < 4:  # a stack (N, H, W, 3) is a sequence of images
            raise TypeError(f"predict_rgb takes a sequence of images, not one array of shape {images.shape}: "
                            "predict_rgb([rgb]) for one image")
        settings = self.config.preprocessing
        decoded = [decoded_rgb(rgb, photo_size=not centre_fallback) for rgb in images]
        judged = self.judge([face_crops(rgb, settings, centre_fallback) for rgb in decoded])
        return [replace(prediction, size=(rgb.shape[1], rgb.shape[0])) for prediction, rgb in zip(judged, decoded)]

    def judge(self, crops: Sequence[list[Preprocessed]]) -> list[Prediction]:
        """Verdicts for images already cut into face crops (:func:`face_crops`), one batched
        model call for all their faces."""
        if not crops:
            return []
        flat = [crop for image_crops in crops for crop in image_crops]
        probabilities: Union[np.ndarray, list[np.ndarray]]
        cams: Union[np.ndarray, list[np.ndarray]]
        probabilities, cams = self._outputs(np.stack([c.pixels for c in flat])) if flat else ([], [])
        predictions, start = [], 0
        for image_crops in crops:
            end = start + len(image_crops)
            scores = [self._score(*scored) for scored in zip(image_crops, probabilities[start:end], cams[start:end])]
            start = end
            found = image_crops[0].faces if image_crops else []
            predictions.append(replace(self._verdict(scores, beyond_largest(found)),
                                       left_out=max(0, len(found) - len(image_crops))))
        return predictions

    def fake_scores(self, images: Sequence[np.ndarray]) -> np.ndarray:
        """The fake probability of each image's verdict (of its centre where no face was
        found), for metrics over many images."""
        fakes = []
        for prediction in self.predict_rgb(images, True):
            assert prediction.confidences is not None  # every image judged: its faces, or its centre
            fakes.append(prediction.confidences["fake"])
        return np.array(fakes)

    def heatmap(self, rgb: np.ndarray, prediction: Prediction, legend: bool = True) -> np.ndarray:
        """Grad-CAM of the fake class over the crop that decided ``prediction``, as an RGB image
        (with a legend strip below unless ``legend`` is False), as bright as that face's fake
        probability; the map computed with the verdict is reused when the prediction carries it.
        ``rgb`` is the decoded copy the prediction was made in, whose pixels its boxes count
        (:meth:`answer_and_pixels` gives both: a photo over 2048 px is judged reduced). Raises
        ValueError for a prediction without a face."""
        from deforgify.explain.heatmap import overlay, scaled

        crop = self._deciding_crop(rgb, prediction, "heatmap")
        if prediction.confidences is None:
            raise ValueError(f"a {prediction.label} prediction has no face to map")
        decisive = prediction.deciding_score
        cam = decisive.cam if decisive and decisive.cam is not None else self._outputs(crop[None])[1][0]
        return overlay(crop, scaled(cam, prediction.confidences["fake"]), legend)

    def close_up(self, rgb: np.ndarray, prediction: Prediction) -> np.ndarray:
        """The deciding face as the model saw it (its crop, stood upright), enlarged to the
        heatmap's size: in a large photo the face can be a few pixels wide on a screen, and
        which face was judged, and whether it is one, could not be seen. ``rgb`` as for
        :meth:`heatmap`. Raises ValueError for a prediction without a face."""
        from deforgify.explain.heatmap import enlarged

        return enlarged(self._deciding_crop(rgb, prediction, "close_up"))

    def _deciding_crop(self, rgb: np.ndarray, prediction: Prediction, taker: str) -> np.ndarray:
        """The model crop of ``prediction``'s deciding face, cut again from ``rgb`` after
        checking that these are the pixels it was made in."""
        if not isinstance(prediction, Prediction):
            hint = ": pass answer.prediction" if isinstance(prediction, Answer) else ""
            raise TypeError(f"{taker} takes a Prediction, not {type(prediction).__name__}{hint}")
        rgb = decoded_rgb(rgb, taker)
        if prediction.face is None:
            raise ValueError(f"a {prediction.label} prediction has no face to map")
        _check_pixels_of(prediction, rgb)
        decisive = prediction.deciding_score
        turns = decisive.turns if decisive else 0
        crop = preprocess_face(rgb, self.config.preprocessing, prediction.face, [], turns=turns).pixels
        if decisive and decisive.crop_mean is not None and not np.allclose(crop_mean(crop), decisive.crop_mean,
                                                                           atol=1e-3):
            raise ValueError("these pixels are not those this prediction was made in: its face looks otherwise "
                             "there (another photo of the same size?); pass the pixels it was made in "
                             "(answer_and_pixels() gives both)")
        return crop

    def probabilities(self, pixels: np.ndarray) -> np.ndarray:
        """Model outputs for preprocessed pixels (N, size, size, 3), in batches."""
        return self._outputs(pixels)[0]

    def _outputs(self, pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Probabilities (float64) and Grad-CAM maps for preprocessed pixels, in batches, each
        the mean over the crop and its mirror image."""
        runs = [self._mirrored(pixels[i : i + BATCH_SIZE]) for i in range(0, len(pixels), BATCH_SIZE)]
        return (np.concatenate([r[0] for r in runs]), np.concatenate([r[1] for r in runs]))

    def _mirrored(self, pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One model call on the crops and their mirror images, averaged: a mirrored photo gets
        the same answer, and every answer is steadier (the mirror's map is flipped back)."""
        count = len(pixels)
        probabilities, cams = self.runtime.run(np.concatenate([pixels, pixels[:, :, ::-1]]))
        probabilities = probabilities.astype(np.float64)
        return ((probabilities[:count] + probabilities[count:]) / 2,
                (cams[:count] + cams[count:, :, ::-1]) / 2)

    def _score(self, crop: Preprocessed, probabilities: np.ndarray, cam: np.ndarray) -> FaceScore:
        calibration = self.config.calibration
        fake = float(calibration.fake_probability(probabilities[self.labels.index("fake")]))
        label, caution = face_label(calibration.label(fake), crop.face, self.config.min_face_width,
                                    face_colourless(crop), crop.see_through)
        return FaceScore(crop.face, crop.region, {"real": 1.0 - fake, "fake": fake}, label, cam, caution, crop.turns,
                         crop_mean(crop.pixels))

    def _verdict(self, scores: list[FaceScore], beyond: int = 0) -> Prediction:
        """The photo's verdict from its faces' ``scores``; faces worth judging left out ``beyond``
        the largest keep it from "real" (a fake among them was never looked at)."""
        if not scores:
            return Prediction(NO_FACE, None, None, None, [])
        decisive = deciding(scores, lambda s: s.face[2] if s.face else 0)
        assert decisive is not None  # one of the scores
        label = UNSURE if beyond and decisive.label == "real" else decisive.label
        return Prediction(label, decisive.confidences, decisive.face, decisive.region, scores, beyond_largest=beyond)
