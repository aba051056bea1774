"""The Hugging Face Hub, or the endpoint ``HF_ENDPOINT`` names: whether it answers, and datasets
by Hub id, for the scan and for training alike. A Hub that cannot be reached is found out with one
quick probe, and then not asked at all (models: :mod:`deforgify.model.source`)."""

from __future__ import annotations

import contextlib
import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Iterator, Optional

HUB_TIMEOUT_SECONDS = 3.0
"""How long to wait for the Hub before falling back: a slow Hub must not hang the app."""


def hub_endpoint() -> Optional[str]:
    """The Hub to talk to, read at call time so that ``HF_ENDPOINT`` set later still counts."""
    return os.environ.get("HF_ENDPOINT") or None


def hub_unreachable() -> str:
    """Why the Hub was not asked, for messages: "the Hub could not be reached", or that
    ``HF_ENDPOINT`` names no address (``HF_ENDPOINT="not a url"`` was told "could not be reached",
    the typo unsaid). The endpoint itself is not named: the app shows this to its visitors."""
    endpoint = hub_endpoint()
    if endpoint is not None and not endpoint.strip().lower().startswith(("http://", "https://")):
        return "HF_ENDPOINT is not an http:// or https:// address"
    return "the Hub could not be reached"


def hub_reachable(timeout: float = HUB_TIMEOUT_SECONDS) -> bool:
    """Whether the Hub answers at all: any HTTP status counts, a network error does not.

    ``hf_hub_download`` retries a dead connection with backoff for about 20 seconds; one quick
    probe first lets an offline start fall back at once.
    """
    from huggingface_hub import constants

    url = (hub_endpoint() or constants.ENDPOINT).rstrip("/") + "/api/models"
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=timeout):
            pass
    except urllib.error.HTTPError:
        return True
    except (OSError, ValueError):
        return False
    return True


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
            raise HubDatasetAway(f"{dataset_id}: {hub_unreachable()}, and no copy of the dataset is "
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
