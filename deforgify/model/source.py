"""Where a model comes from: a local folder, a Hugging Face Hub repo, or the bundled model.

A reference is a folder path, ``OWNER/NAME`` or ``OWNER/NAME@REVISION`` (branch, tag or commit
sha), or None for the model bundled with the package. Hub files go through ``hf_hub_download``
into the normal Hugging Face cache and honour ``HF_ENDPOINT``. When the Hub cannot be reached
the cached copy is used; with no cache, the bundled model, and the caller is told so.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Union

from deforgify.hub import HUB_TIMEOUT_SECONDS, hub_endpoint, hub_reachable, hub_unreachable
from deforgify.model.folder import (CARD_FILE, CONFIG_FILE, LITERT_FILE, METRICS_FILE, MODEL_FILE, ModelLoadError,
                                    read_config)
from deforgify.model.runtime import litert_installed

BUNDLED_MODEL = Path(__file__).parent.parent / "bundled_model"
_REPO_ID = re.compile(r"^[\w.-]+/[\w.-]+$")


class HubRefusal(ModelLoadError):
    """The Hub refused the model asked for: no such repo or revision, a private repo without a
    valid token, a repo that is not a Deforgify model. The message names the repo and no local
    path, so the app can show it to visitors."""


@dataclass(frozen=True)
class ModelSource:
    """A model folder on disk and how it was found."""

    folder: Path
    reference: str
    """What answers: "bundled", a folder path, or ``OWNER/NAME@REVISION``."""
    revision: Optional[str] = None
    """The commit sha of a Hub model."""
    warning: Optional[str] = None
    """Set when the model asked for could not be used and a fallback answers instead."""
    repo_id: Optional[str] = None
    """The Hub repo, for a Hub model."""

    def fingerprint(self) -> str:
        """The model's revision, named wherever it answers: the Hub commit sha; for a local or the
        bundled model, ``sha256:`` and the first 12 hex digits of the SHA-256 of its files' own
        SHA-256 hex digests, joined in order (config.json and the weights files it has): a
        refitted band or threshold is another revision, as are other weights."""
        if self.revision:
            return self.revision
        files = [path for path in (self.folder / name for name in (CONFIG_FILE, MODEL_FILE, LITERT_FILE))
                 if path.is_file()]
        digests = "".join(_digest(path, path.stat().st_mtime_ns) for path in files)
        return "sha256:" + hashlib.sha256(digests.encode()).hexdigest()[:12]

    def portable_reference(self) -> Optional[str]:
        """A reference that loads these same weights in another process: a Hub model pinned to
        its commit, a folder by its absolute path, None for the bundled model."""
        if self.repo_id:
            return f"{self.repo_id}@{self.revision}"
        return None if self.folder == BUNDLED_MODEL else str(self.folder.resolve())

    @property
    def name(self) -> str:
        """What answers, with its commit for a Hub model: ``OWNER/NAME (commit 1a2b3c4d5e)``."""
        return self.reference + (f" (commit {self.revision[:10]})" if self.revision else "")

    def describe(self) -> str:
        """Its name, its revision when the name lacks it (a folder's, the bundled one's), and its warning."""
        named = self.name if self.revision else f"{self.name} (revision {self.fingerprint()})"
        return f"{named}; {self.warning}" if self.warning else named


@functools.lru_cache(maxsize=8)
def _digest(path: Path, modified: int) -> str:
    """SHA-256 of a file, remembered while it is unchanged (a scan asks for it every batch)."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def resolve_model(reference: Optional[Union[str, os.PathLike]] = None, fallback: bool = False) -> ModelSource:
    """Find the model folder for ``reference``; raise :class:`ModelLoadError` if there is none.
    A Hub model that cannot be reached answers from its cached copy (with a warning); with none
    cached, ``fallback`` lets the bundled model answer instead (with a warning), else it is an
    error: a program must not get another model's verdicts unasked."""
    if reference is None or reference in ("", "bundled"):
        return bundled_source()
    if not isinstance(reference, (str, os.PathLike)):  # os.fspath's own TypeError named neither
        raise ModelLoadError(f"a model is named by a folder's path or a Hub repo id (OWNER/NAME[@REVISION]), "
                             f"not {type(reference).__name__} {reference!r}")
    reference = os.fspath(reference)  # a Path to a folder, or one it cannot find, is said as a string
    path = Path(reference).expanduser()
    if path.is_dir():
        read_config(path)
        return ModelSource(path, str(path))
    if path.exists():  # "no such model folder" for a file that is there misled
        raise ModelLoadError(f"{reference} is a file: give the model's folder (the one holding config.json)")
    repo_id, _, revision = reference.partition("@")  # a branch may hold a slash: OWNER/NAME@exp/one
    if mistyped_folder(repo_id):
        parts = Path(repo_id).expanduser().parts
        why = (f" ({parts[0]}/ is a folder here, so it is not taken for a Hub repo id)"
               if len(parts) == 2 and not path.is_absolute() else "")
        raise ModelLoadError(f"{reference}: no such model folder{why}")
    if reference.endswith("@"):  # taken as no revision: the main branch answered, unsaid
        raise ModelLoadError(f"{reference!r}: no revision after @ (OWNER/NAME@BRANCH, @TAG or @COMMIT_SHA)")
    if not _REPO_ID.match(repo_id) or path.is_absolute() or reference.startswith("."):
        raise ModelLoadError(
            f"{reference!r} is neither a model folder nor a Hub repo id (OWNER/NAME[@REVISION])"
        )
    return _hub_source(repo_id, revision or None, fallback)


def mistyped_folder(reference: str) -> bool:
    """Whether a ``reference`` naming no folder is a mistyped folder rather than a Hub id
    (OWNER/NAME): a path of more than two parts, or of two whose first is a folder here. Taken
    for a Hub id, a mistyped model folder was answered by the bundled model when the Hub could
    not be reached, "not cached" given as the reason; asking the Hub for a mistyped dataset
    folder cost about 25 s of retries."""
    parts = Path(reference).expanduser().parts
    return len(parts) > 2 or (len(parts) == 2 and Path(parts[0]).is_dir())


def bundled_source(warning: Optional[str] = None) -> ModelSource:
    return ModelSource(BUNDLED_MODEL, "bundled", warning=warning)


def _hub_source(repo_id: str, revision: Optional[str], fallback: bool) -> ModelSource:
    from huggingface_hub import constants, errors, hf_hub_download

    offline = constants.HF_HUB_OFFLINE  # HF_HUB_OFFLINE=1: the cache alone, nothing asked
    online = not offline and hub_reachable()
    why_offline = "HF_HUB_OFFLINE is set" if offline else hub_unreachable()

    def download(filename: str) -> Path:
        if not online:
            return _cached_file(repo_id, filename, revision)
        return Path(
            hf_hub_download(
                repo_id,
                filename,
                revision=revision,
                endpoint=hub_endpoint(),
                etag_timeout=HUB_TIMEOUT_SECONDS,
                library_name="deforgify",
            )
        )

    name = f"{repo_id}@{revision}" if revision else repo_id
    try:
        # hf_hub_download answers from the cache when the Hub refuses the request (a 401 for a
        # private repo without a token): ask the Hub first, so that a refusal is an error.
        online = online and _hub_answers(repo_id, revision)
        config_path = download(CONFIG_FILE)
        _hub_config(config_path, name)  # validated before the weights are fetched
        _download_network(download, online)
        _download_if_present(download, METRICS_FILE)  # the training date every answer gives
        _download_if_present(download, CARD_FILE)  # the app shows it (it said "No model card.")
    except errors.RevisionNotFoundError:
        raise HubRefusal(f"Hub repo {repo_id} has no revision {revision!r}") from None
    except (errors.RepositoryNotFoundError, errors.GatedRepoError):
        raise HubRefusal(
            f"Hub repo {repo_id} does not exist, or is private and no valid token was given "
            "(set HF_TOKEN or run `hf auth login`)"
        ) from None
    except errors.RemoteEntryNotFoundError as error:
        raise HubRefusal(
            f"Hub repo {name} is not a Deforgify model: it lacks {_missing_file(error)}"
        ) from None
    except errors.LocalEntryNotFoundError:
        away = f"{why_offline} and {name} is not cached (nor is {repo_id} a model folder here)"
        if not fallback:
            raise ModelLoadError(away) from None
        return bundled_source(f"{away}: using the bundled model")
    commit = config_path.parent.name  # the cache keeps files under snapshots/<commit sha>/
    warning = None if online else f"{why_offline}: using the cached copy of {name}"
    return ModelSource(config_path.parent, name, commit, warning, repo_id)


def _cached_file(repo_id: str, filename: str, revision: Optional[str]) -> Path:
    """A file of the cached copy, found without a request: ``hf_hub_download`` even with
    ``local_files_only`` builds its user agent, which asks the Hub for a registry of AI agents
    once a day (3 s more when the Hub accepts a connection and never answers)."""
    from huggingface_hub import errors, try_to_load_from_cache

    found = try_to_load_from_cache(repo_id, filename, revision=revision)
    if not isinstance(found, str):
        raise errors.LocalEntryNotFoundError(f"{filename} of {repo_id} is not cached")
    return Path(found)


def _hub_config(path: Path, name: str) -> None:
    """Validate a Hub repo's config, naming the repo where the error named the cache's copy."""
    try:
        read_config(path.parent)
    except ModelLoadError as error:
        raise ModelLoadError(str(error).replace(str(path), f"{CONFIG_FILE} of Hub repo {name}")) from None


def _download_network(download: Callable[[str], Path], online: bool) -> None:
    """Fetch the network the model runs in here: ``model.tflite`` where LiteRT is installed
    (``model.keras``, 14 MB more, was fetched too and never read), else, or when the repo has
    none (trained before the LiteRT export), ``model.keras``. A fetch that failed on the way is
    not taken for a repo without the file."""
    from huggingface_hub import errors

    if litert_installed():
        try:
            download(LITERT_FILE)
            return
        except errors.RemoteEntryNotFoundError:
            pass
        except errors.LocalEntryNotFoundError:
            if online:
                raise
    download(MODEL_FILE)


def _download_if_present(download: Callable[[str], Path], filename: str) -> None:
    """Fetch an optional file (one without metrics.json answers without a training date)."""
    from huggingface_hub import errors

    try:
        download(filename)
    except (errors.RemoteEntryNotFoundError, errors.LocalEntryNotFoundError):
        pass


def _hub_answers(repo_id: str, revision: Optional[str]) -> bool:
    """Whether the Hub serves this repo's config to us; False when it cannot be asked (network
    down, server error). A refusal (missing or private repo, missing revision or file) raises
    huggingface_hub's own error."""
    from huggingface_hub import errors, get_hf_file_metadata, hf_hub_url

    url = hf_hub_url(repo_id, CONFIG_FILE, revision=revision, endpoint=hub_endpoint())
    try:
        get_hf_file_metadata(url, timeout=HUB_TIMEOUT_SECONDS)
    except (errors.RepositoryNotFoundError, errors.GatedRepoError, errors.RevisionNotFoundError,
            errors.RemoteEntryNotFoundError):
        raise
    except Exception:  # noqa: BLE001  network errors and 5xx answers: the Hub is away
        return False
    return True


def card_url(source: ModelSource) -> Optional[str]:
    """The Hub page of a Hub model's card at the commit that answers (the repo's page shows its
    main branch's, which may be another model's); None for local and bundled models."""
    from huggingface_hub import constants

    if source.repo_id is None:
        return None
    page = f"{(hub_endpoint() or constants.ENDPOINT).rstrip('/')}/{source.repo_id}"
    return f"{page}/blob/{source.revision}/{CARD_FILE}" if source.revision else page


def _missing_file(error: Exception) -> str:
    if MODEL_FILE not in str(error):
        return CONFIG_FILE
    if not litert_installed():
        return f"{MODEL_FILE}, which runs it where ai-edge-litert (for a {LITERT_FILE}) is not installed"
    return f"a network ({LITERT_FILE} or {MODEL_FILE})"
