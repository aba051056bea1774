"""Manipulated copies of real test faces: does a model tell a doctored photo from its original?

Every real face with a detected face is paired with a manipulated copy of itself, so only the
manipulation separates the two halves. Kinds: a self-blend, another test person's face swapped
in (colour-matched, feathered edge) and a careless paste (hard edge, no colour matching).
Training makes pseudo-fakes of these kinds too, but from training people only: these measure
whether what was learned holds for faces never seen.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from training.face_swap import face_swap
from training.metrics import FAKE
from training.prepared import PreparedSet
from training.self_blend import self_blend

KINDS = ("self-blend", "face swap", "careless paste")


def manipulated_pairs(data: PreparedSet, kind: str, seed: int
                      ) -> tuple[list[np.ndarray], np.ndarray, list[str]]:
    """Images, labels and sources: the real faces of ``data``, then a ``kind`` copy of each."""
    reals = [i for i, (label, faces) in enumerate(zip(data.labels, data.faces))
             if label != FAKE and faces]
    if kind != "self-blend" and len(reals) < 2:
        reals = []  # nobody else's face to swap in
    rng = np.random.default_rng(seed)
    manipulate = _manipulation(data, kind, _donors(reals, data.sources, rng))
    images = [data.images[i] for i in reals] + [manipulate(i, rng) for i in reals]
    labels = np.array([1 - FAKE] * len(reals) + [FAKE] * len(reals), dtype=np.int64)
    return images, labels, [data.sources[i] for i in reals] * 2


def _manipulation(data: PreparedSet, kind: str, donors: dict[int, int]
                  ) -> Callable[[int, np.random.Generator], np.ndarray]:
    if kind == "self-blend":
        return lambda i, rng: self_blend(data.images[i], data.faces[i][0], rng)
    if kind not in KINDS:
        raise ValueError(f"unknown manipulation {kind!r}; known: {KINDS}")
    careless = kind == "careless paste"
    return lambda i, rng: face_swap(
        data.images[i], data.faces[i][0], data.images[donors[i]], data.faces[donors[i]][0], rng,
        match_colour=not careless, feather=not careless,
    )


def _donors(reals: list[int], sources: list[str], rng: np.random.Generator) -> dict[int, int]:
    """For each real face another real face (another person), of the same source if it has
    two or more."""
    donors: dict[int, int] = {}
    for source in sorted(set(sources[i] for i in reals)):
        group = [i for i in reals if sources[i] == source]
        if len(group) > 1:
            order = rng.permutation(group)
            donors.update({int(a): int(b) for a, b in zip(order, np.roll(order, 1))})
        else:
            donors[group[0]] = int(rng.choice([i for i in reals if i != group[0]] or group))
    return donors
