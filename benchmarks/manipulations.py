"""Manipulated real faces: does the model tell a doctored photo from the photo it came from?

    python benchmarks/manipulations.py [--model REF] [--data SRC ...] [--seed 0]

Every real test face with a detected face is scored beside a manipulated copy of itself, so
only the manipulation separates the two halves (accuracy is balanced, AUC is reals against
their copies). Kinds: a self-blend (the pseudo-fakes training sees, drawn anew here), and two
held-out kinds training never sees: another test person's face swapped in (colour-matched,
feathered edge) and a careless paste (hard edge, no colour matching).
"""

from __future__ import annotations

import numpy as np
from test_split import TestSplit, parse_arguments

from training.face_swap import face_swap
from training.metrics import FAKE
from training.self_blend import self_blend


def main() -> None:
    args = parse_arguments(__doc__.split("\n")[0])
    split = TestSplit.load(args)
    test = split.test
    reals = [i for i, (label, faces) in enumerate(zip(test.labels, test.faces))
             if label != FAKE and faces]
    donors = _donors(reals, test.sources, np.random.default_rng(args.seed))
    kinds = {
        "self-blend": lambda i, rng: self_blend(test.images[i], test.faces[i][0], rng),
        "face swap": lambda i, rng: _swap(test, i, donors[i], rng, careless=False),
        "careless paste": lambda i, rng: _swap(test, i, donors[i], rng, careless=True),
    }
    print(f"{len(reals)} real test faces, each against its manipulated copy")
    split.print_header("manipulation")
    labels = np.array([1 - FAKE] * len(reals) + [FAKE] * len(reals))
    sources = [test.sources[i] for i in reals] * 2
    for name, manipulate in kinds.items():
        rng = np.random.default_rng(args.seed)
        images = [test.images[i] for i in reals] + [manipulate(i, rng) for i in reals]
        split.print_row(name, images, labels, sources)


def _donors(reals: list[int], sources: list[str], rng: np.random.Generator) -> dict[int, int]:
    """For each real face another real face of the same source (a different person)."""
    donors = {}
    for source in set(sources[i] for i in reals):
        group = [i for i in reals if sources[i] == source]
        order = rng.permutation(group)
        donors.update({int(a): int(b) for a, b in zip(order, np.roll(order, 1))})
    return donors


def _swap(test, target: int, donor: int, rng: np.random.Generator, careless: bool) -> np.ndarray:
    return face_swap(test.images[target], test.faces[target][0], test.images[donor],
                     test.faces[donor][0], rng, match_colour=not careless, feather=not careless)


if __name__ == "__main__":
    main()
