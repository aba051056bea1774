"""Synthetic manipulations: self-blended training fakes and the face swaps and pastes that
measure what training never saw. They must change the face and nothing far from it."""

from __future__ import annotations

import numpy as np
import pytest

from deforgify.faces.finding import detect_faces
from deforgify.model.folder import LABELS
from training.data import Example
from training.face_swap import face_swap
from training.manipulated import KINDS, manipulated_pairs
from training.prepared import PreparedSet
from training.self_blend import self_blend

REAL, FAKE = LABELS.index("real"), LABELS.index("fake")


@pytest.fixture()
def portrait(astronaut: np.ndarray) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    return astronaut, detect_faces(astronaut)[0]


def face_and_far_change(before: np.ndarray, after: np.ndarray, face) -> tuple[float, float]:
    """Mean absolute change inside the face box and in the image's bottom-right corner."""
    x, y, w, h = face
    change = np.abs(after.astype(float) - before.astype(float))
    return change[y : y + h, x : x + w].mean(), change[-100:, -100:].mean()


@pytest.mark.parametrize("seed", range(4))
def test_self_blend_changes_the_face_only(portrait, seed: int) -> None:
    image, face = portrait
    blended = self_blend(image, face, np.random.default_rng(seed))
    inside, far = face_and_far_change(image, blended, face)
    assert blended.shape == image.shape and blended.dtype == np.uint8
    assert inside > 1.0 and far == 0.0


@pytest.mark.parametrize("careless", [False, True])
def test_a_face_swap_puts_the_donor_face_on_the_target(portrait, careless: bool) -> None:
    target, face = portrait
    donor = np.ascontiguousarray(target[:, ::-1, [2, 1, 0]])  # another "person": mirrored, blue
    donor_face = detect_faces(donor)[0]
    swapped = face_swap(target, face, donor, donor_face, np.random.default_rng(0),
                        match_colour=not careless, feather=not careless)
    inside, far = face_and_far_change(target, swapped, face)
    assert inside > 10.0 and far == 0.0
    x, y, w, h = face
    centre = np.s_[y + h // 3 : y + 2 * h // 3, x + w // 3 : x + 2 * w // 3]
    blue_shift = swapped[centre][..., 2].mean() - target[centre][..., 2].mean()
    # The careless paste keeps the donor's colours; colour matching brings them back to the target's.
    assert (blue_shift > 20) if careless else (abs(blue_shift) < 20)


def test_manipulated_pairs_are_each_real_face_and_a_copy(astronaut: np.ndarray) -> None:
    images = [astronaut, np.ascontiguousarray(astronaut[:, ::-1]), astronaut, np.zeros_like(astronaut)]
    labels = [REAL, REAL, FAKE, REAL]
    examples = [Example(f"source{i % 2}", f"{i}.png", label, "") for i, label in enumerate(labels)]
    data = PreparedSet(examples, images, [detect_faces(image) for image in images])
    for kind in KINDS:
        pair_images, pair_labels, sources = manipulated_pairs(data, kind, seed=0)
        # The two reals with a face (not the fake, not the faceless image), then their copies.
        assert pair_labels.tolist() == [REAL, REAL, FAKE, FAKE]
        assert sources == ["source0", "source1"] * 2
        assert pair_images[0] is images[0] and pair_images[1] is images[1]
        assert all(not np.array_equal(pair_images[k], pair_images[k + 2]) for k in (0, 1))
    with pytest.raises(ValueError, match="unknown manipulation"):
        manipulated_pairs(data, "morph", seed=0)


def test_with_one_real_face_there_is_nobody_to_swap_in(astronaut: np.ndarray) -> None:
    data = PreparedSet([Example("s", "0.png", REAL, "")], [astronaut], [detect_faces(astronaut)])
    assert len(manipulated_pairs(data, "self-blend", seed=0)[0]) == 2
    for kind in ("face swap", "careless paste"):
        images, labels, sources = manipulated_pairs(data, kind, seed=0)
        assert images == [] and len(labels) == 0 and sources == []
