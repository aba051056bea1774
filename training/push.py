"""Publish a trained model folder to the Hugging Face Hub in one commit: the files a training run
writes, and nothing else (the repo's model files the folder lacks are deleted there).

    python -m training.push MODEL_DIR OWNER/NAME [--private] [--revision BRANCH]

The token comes from ``HF_TOKEN`` or ``hf auth login``; it is never printed or written. The
Hub is ``HF_ENDPOINT`` when set. Prints the files, the commit URL and the revision sha; exit status 1 when
the folder is not a model folder or the Hub refuses.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Optional, Sequence

from deforgify.cli.argtypes import DefaultsShown, first_paragraph, run_command
from deforgify.hub import hub_endpoint, hub_reachable
from deforgify.model.folder import METRICS_FILE, MODEL_FILE, ModelLoadError, read_config

if TYPE_CHECKING:
    from huggingface_hub import HfApi


class PushFailed(RuntimeError):
    """Publishing did not happen; the message says why (never containing the token)."""


@dataclass(frozen=True)
class Published:
    repo_id: str
    revision: str
    commit_sha: str
    commit_url: str
    files: tuple[str, ...] = ()
    """The files uploaded: what a training run writes, no other file of the folder."""
    left_out: tuple[str, ...] = ()
    """Files of the folder a run does not write, not uploaded (notes, a ``.env``, checkpoints)."""
    deleted: tuple[str, ...] = ()
    """Model files the revision held and the folder lacks, deleted there by this push."""

    def reference(self) -> str:
        """What to pass as ``--model`` to use exactly this upload."""
        return f"{self.repo_id}@{self.commit_sha}"


def repo_id(text: str) -> str:
    """An argparse ``type``: a Hub model repo id ``OWNER/NAME`` as the Hub accepts it, checked
    before anything is trained or uploaded (a bad one ended in a traceback after the upload)."""
    from huggingface_hub.errors import HFValidationError
    from huggingface_hub.utils import validate_repo_id

    if text.count("/") != 1:  # before the library's check, which speaks of its own arguments
        raise argparse.ArgumentTypeError(f"{text!r} is not a Hub repo id: give it as OWNER/NAME")
    try:
        validate_repo_id(text)
    except HFValidationError as error:
        raise argparse.ArgumentTypeError(f"{text!r} is not a Hub repo id: {_first_line(error)}") from None
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m training.push", description=first_paragraph(__doc__),
                                     formatter_class=DefaultsShown)
    parser.add_argument("folder", type=Path, metavar="MODEL_DIR", help="the model folder a training run wrote")
    parser.add_argument("repo_id", type=repo_id, metavar="OWNER/NAME", help="the Hub model repo to publish it to")
    add_hub_options(parser)
    return parser


def add_hub_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--private", action="store_true", help="create the repo as private")
    parser.add_argument("--revision", default="main", metavar="BRANCH",
                        help="branch to commit to (created from main if missing)")


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        report(push_model(args.folder, args.repo_id, private=args.private, revision=args.revision))
    except PushFailed as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def report(published: Published) -> None:
    print(f"pushed: {', '.join(published.files)}")
    if published.left_out:
        print(f"not uploaded (a training run does not write them): {', '.join(published.left_out)}")
    if published.deleted:
        print(f"deleted there (the revision held them, this folder does not): {', '.join(published.deleted)}")
    print(f"commit: {published.commit_url}")
    branch = f"; --model {published.repo_id}@{published.revision} for the branch's newest" \
        if published.revision != "main" else ""
    print(f"revision: {published.commit_sha}  (use --model {published.reference()}{branch})")


def push_model(folder: Path, repo_id: str, private: bool = False, revision: str = "main") -> Published:
    """Upload ``folder``'s model files (with its card rendered for ``repo_id``) to ``repo_id`` at
    ``revision``, and delete there the model files the folder lacks: the repo then holds this
    model alone (a folder without ``model.tflite`` left the previous push's there, and its
    revision served one model's network with another's config). Other files of the folder are not
    uploaded (a ``.env`` with a token was published)."""
    from training.train import run_files  # not at import: training.train imports this module

    _check_folder(folder)
    written = run_files()
    files = tuple(sorted(name for name in written if (folder / name).is_file()))
    left_out = tuple(sorted(path.name for path in folder.iterdir() if path.name not in written))
    import httpx2  # huggingface_hub's HTTP client
    from huggingface_hub import errors

    from training.card import write_card  # here, not at import: it loads matplotlib

    api = check_can_push(repo_id, private)
    try:
        api.create_repo(repo_id, private=private, exist_ok=True)
        if revision != "main":
            api.create_branch(repo_id, branch=revision, exist_ok=True)
        held = set(api.list_repo_files(repo_id, revision=revision))
        with tempfile.TemporaryDirectory() as staging:
            upload = Path(staging) / "model"
            upload.mkdir()
            for name in files:
                shutil.copy2(folder / name, upload / name)
            write_card(upload, repo_id, revision=revision)
            uploaded = tuple(sorted(path.name for path in upload.iterdir()))
            commit = api.upload_folder(
                repo_id=repo_id,
                folder_path=upload,
                revision=revision,
                commit_message=_commit_message(upload),
                delete_patterns=sorted(written),  # the model files this folder lacks
            )
    except errors.HfHubHTTPError as error:
        raise PushFailed(f"the Hub refused the upload to {repo_id}: {_first_line(error)}") from None
    except (httpx2.TransportError, OSError) as error:  # the connection broke on the way
        raise PushFailed(f"cannot reach the Hub at {api.endpoint}: {error}") from None
    deleted = tuple(sorted((held & set(written)) - set(uploaded)))
    return Published(repo_id, revision, commit.oid, commit.commit_url, uploaded, left_out, deleted)


def check_can_push(repo_id: str, private: bool = False) -> HfApi:
    """The Hub client to push ``repo_id`` with; PushFailed when there is no token, the Hub cannot
    be reached or it refuses the token, the token can only read, the repo's owner is neither the
    token's user nor one of its organisations, or ``private`` is asked of an existing public repo
    (checked before a training run that is to push too, so that it fails at once, not after the
    run, with a retry hint that would fail the same way)."""
    import httpx2  # huggingface_hub's HTTP client
    from huggingface_hub import HfApi, errors, get_token

    token = get_token()
    if not token:
        raise PushFailed("no Hub token: set HF_TOKEN or run `hf auth login`")
    api = HfApi(endpoint=hub_endpoint(), token=token, library_name="deforgify")
    if not hub_reachable():
        raise PushFailed(f"cannot reach the Hub at {api.endpoint}")
    try:
        user = api.whoami()
        _check_repo(api, user, repo_id, private)
    except errors.HfHubHTTPError as error:
        raise PushFailed(f"the Hub refused the token: {_first_line(error)}") from None
    except (httpx2.TransportError, OSError) as error:
        raise PushFailed(f"cannot reach the Hub at {api.endpoint}: {error}") from None
    return api


def _check_repo(api: HfApi, user: dict, repo_id: str, private: bool) -> None:
    from huggingface_hub import errors

    if user.get("auth", {}).get("accessToken", {}).get("role") == "read":
        raise PushFailed(f"the token can only read: make one that can write (the Hub's settings, {api.endpoint})")
    owner, owners = repo_id.split("/")[0], {user.get("name")} | {org.get("name") for org in user.get("orgs", [])}
    if user.get("name") and owner not in owners:
        raise PushFailed(f"the token is {user['name']}'s, who cannot write to {owner}'s repos: nothing was "
                         f"uploaded (push to {user['name']}/... or one of the token's organisations)")
    if private:
        try:
            public = not api.repo_info(repo_id).private
        except errors.RepositoryNotFoundError:
            return
        if public:
            raise PushFailed(f"{repo_id} already exists and is public, and --private does not change an existing "
                             "repo: nothing was uploaded (make it private on the Hub first, or push without --private)")


def _check_folder(folder: Path) -> None:
    if not folder.is_dir():
        raise PushFailed(f"{folder}: no such folder" if not folder.exists() else f"{folder} is not a folder")
    try:
        read_config(folder)
    except ModelLoadError as error:
        raise PushFailed(str(error)) from None
    for name in (MODEL_FILE, METRICS_FILE):
        if not (folder / name).is_file():
            raise PushFailed(f"{folder} has no {name}: train it with training.train first")


def _commit_message(folder: Path) -> str:
    test = json.loads((folder / METRICS_FILE).read_text())["test"]
    return f"Deforgify model: test accuracy {test['accuracy']:.3f}, ROC-AUC {test['roc_auc'] or 0:.3f}"


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0]


if __name__ == "__main__":
    run_command(main)
