"""Datasets by Hub id (``HF_ENDPOINT`` honoured), for the scan and for training alike: a Hub
that cannot be reached is found out with one quick probe, and then not asked at all."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any, Iterator

from deforgify.model.source import hub_reachable


class HubDatasetAway(Exception):
    """The Hub could not be reached and no copy of the dataset is cached here."""


def load_hub_dataset(dataset_id: str, **options: Any) -> Any:
    """``datasets.load_dataset(dataset_id, **options)``; with the Hub away, its cached copy or
    :class:`HubDatasetAway` at once. A ValueError (no such split, say) is the caller's."""
    import datasets

    away = not Path(dataset_id).exists() and not hub_reachable()
    try:
        with _offline(away):
            return datasets.load_dataset(dataset_id, **options)
    except ValueError:
        raise
    except Exception:  # datasets raises many kinds for a dataset it cannot find offline
        if away:
            raise HubDatasetAway(f"{dataset_id}: the Hub could not be reached, and no copy of the dataset is "
                                 "cached here") from None
        raise


@contextlib.contextmanager
def _offline(away: bool) -> Iterator[None]:
    """``datasets`` and ``huggingface_hub`` told not to ask the Hub while it is ``away`` (the
    cached copy is used if there is one): asking a Hub that cannot be reached cost about 24 s of
    "Retrying in 8s" lines before the same refusal."""
    import datasets
    from huggingface_hub import constants

    saved = datasets.config.HF_HUB_OFFLINE, constants.HF_HUB_OFFLINE
    if away:
        datasets.config.HF_HUB_OFFLINE = constants.HF_HUB_OFFLINE = True
    try:
        yield
    finally:
        datasets.config.HF_HUB_OFFLINE, constants.HF_HUB_OFFLINE = saved
