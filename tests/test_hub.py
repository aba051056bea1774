"""Publishing to and pulling from the Hub, with the real huggingface_hub and datasets clients
talking to a Hub double on loopback (HF_ENDPOINT). Every command runs as a user would run it."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from huggingface_hub import HfApi
from PIL import Image

from deforgify.model.source import BUNDLED_MODEL

from helpers import ROOT, run_module, train_tiny
from hub_double import HubDouble, silent_endpoint
from test_app import start_app, stop_app

MODEL_FILES = {"model.keras", "model.tflite", "config.json", "metrics.json", "splits.json", "README.md",
               "training_curves.png", "confusion_matrix.png", "roc_curve.png"}


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def push(folder: Path, repo_id: str, env: dict, *extra: str) -> str:
    """Push with `training.push`; return the commit sha it printed."""
    result = run_module("training.push", str(folder), repo_id, *extra, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert env["HF_TOKEN"] not in result.stdout + result.stderr
    return re.search(r"revision: ([0-9a-f]{40})", result.stdout).group(1)


def predict(image: Path, model: str, env: dict):
    result = run_module("deforgify", "predict", str(image), "--model", model, "--json", env=env)
    return result, (json.loads(result.stdout) if result.returncode == 0 else None)


@pytest.fixture(scope="module")
def published(hub: HubDouble, hub_env: dict, api: HfApi, tiny_model: Path) -> dict[str, str]:
    """alice/detector: the tiny model at tag v1 and branch dev, the bundled model on main."""
    tiny_sha = push(tiny_model, "alice/detector", hub_env)
    api.create_tag("alice/detector", tag="v1", revision=tiny_sha)
    dev_sha = push(tiny_model, "alice/detector", hub_env, "--revision", "dev")
    main_sha = push(BUNDLED_MODEL, "alice/detector", hub_env)
    return {"tiny": tiny_sha, "dev": dev_sha, "main": main_sha}


def test_push_uploads_the_model_folder_with_a_card_for_the_repo(hub, published, tiny_model) -> None:
    repo = hub.repos[("model", "alice/detector")]
    commit = repo.commits[published["tiny"]]
    assert set(commit.files) == MODEL_FILES
    card = commit.files["README.md"].decode()
    assert card.startswith("---\nlibrary_name: deforgify\npipeline_tag: image-classification\n")
    assert "model-index:\n- name: detector\n" in card
    assert 'Detector.load("alice/detector")' in card
    from huggingface_hub import ModelCard

    results = ModelCard(card).data.eval_results  # as the Hub reads them; accuracy said to be before the band
    assert [r.metric_type for r in results] == ["accuracy", "roc_auc", "f1"]
    assert results[0].metric_name == "Test accuracy (at the threshold; no unsure band)"
    # The card on a branch loads that branch's model (it named main's).
    on_dev = repo.commits[published["dev"]].files["README.md"].decode()
    assert 'Detector.load("alice/detector@dev")' in on_dev and "--model alice/detector@dev" in on_dev
    assert repo.branches["dev"] == published["dev"] and repo.tags["v1"] == published["tiny"]
    assert repo.branches["main"] == published["main"]
    assert commit.files["model.keras"] == (tiny_model / "model.keras").read_bytes()


def test_a_push_holds_the_model_files_alone(hub, hub_env, tiny_model, tmp_path, astronaut_jpeg) -> None:
    """A folder without model.tflite left the previous push's there: the revision served one
    model's network with another's config. Files a run does not write (a .env with a token) were
    published too, unsaid."""
    import shutil

    push(tiny_model, "alice/mirrored", hub_env)
    folder = tmp_path / "older"
    shutil.copytree(tiny_model, folder, ignore=shutil.ignore_patterns("model.tflite"))
    (folder / ".env").write_text("HF_TOKEN=hf_secret\n")
    (folder / "notes.txt").write_text("mine\n")
    result = run_module("training.push", str(folder), "alice/mirrored", env=hub_env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "not uploaded (a training run does not write them): .env, notes.txt" in result.stdout
    assert "deleted there (the revision held them, this folder does not): model.tflite" in result.stdout  # unsaid
    sha = re.search(r"revision: ([0-9a-f]{40})", result.stdout).group(1)
    assert set(hub.repos[("model", "alice/mirrored")].commits[sha].files) == MODEL_FILES - {"model.tflite"}
    assert sorted(p.name for p in folder.iterdir()) == sorted(MODEL_FILES - {"model.tflite"} | {".env", "notes.txt"})
    pulled, answer = predict(astronaut_jpeg, "alice/mirrored", hub_env)  # no LiteRT graph: Keras runs model.keras
    assert pulled.returncode == 0 and answer["model"]["revision"] == sha, pulled.stderr[-2000:]
    branch = run_module("training.push", str(folder), "alice/mirrored", "--revision", "side", env=hub_env)
    assert branch.returncode == 0 and "; --model alice/mirrored@side for the branch's newest)" in branch.stdout


def test_a_hub_model_brings_its_card_linked_at_the_commit_that_answers(hub, published, hub_env) -> None:
    """The app showed "No model card." for a Hub model (its README.md was never fetched), and
    linked the repo's page, whose main branch may hold another model's card."""
    import subprocess
    import sys

    code = ("from deforgify.model.source import card_url, resolve_model\n"
            "source = resolve_model('alice/detector@v1')\n"
            "print((source.folder / 'README.md').read_text().count('alice/detector'), card_url(source))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **hub_env})
    assert done.returncode == 0, done.stderr[-2000:]
    mentions, link = done.stdout.split()
    assert int(mentions) > 0 and link == f"{hub.url}/alice/detector/blob/{published['tiny']}/README.md"


@pytest.mark.parametrize("revision", ["v1", "dev", "sha", "main"])
def test_pull_honours_branch_tag_and_commit(published, hub_env, tiny_model, astronaut_jpeg, revision) -> None:
    reference = {"v1": "@v1", "dev": "@dev", "sha": f"@{published['tiny']}", "main": ""}[revision]
    expected_folder = BUNDLED_MODEL if revision == "main" else tiny_model
    _, local = predict(astronaut_jpeg, str(expected_folder), hub_env)
    result, pulled = predict(astronaut_jpeg, "alice/detector" + reference, hub_env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert pulled["confidences"] == pytest.approx(local["confidences"], abs=1e-6)
    assert "warning" not in result.stderr
    assert pulled["model"]["trained"] == local["model"]["trained"] is not None  # metrics.json came too
    assert pulled["model"]["revision"] == (published["main"] if revision == "main" else published[
        "dev" if revision == "dev" else "tiny"])


def test_second_start_does_not_download_again(hub, published, hub_env, astronaut_jpeg) -> None:
    """Nor is model.keras fetched where LiteRT runs model.tflite (it never reads the Keras file)."""
    def fetched(name: str) -> int:
        return len([r for r in hub.requests
                    if r.startswith("GET") and "alice/detector/resolve" in r and r.endswith(name)])

    predict(astronaut_jpeg, "alice/detector@v1", hub_env)
    before = fetched("model.tflite")
    result, _ = predict(astronaut_jpeg, "alice/detector@v1", hub_env)
    assert result.returncode == 0 and fetched("model.tflite") == before >= 1
    assert fetched("model.keras") == 0


def test_unreachable_hub_falls_back_to_the_cache_then_the_bundled_model(
    published, hub_env, astronaut_jpeg, tmp_path
) -> None:
    predict(astronaut_jpeg, "alice/detector@v1", hub_env)  # warm the cache
    offline = {**hub_env, "HF_ENDPOINT": closed_port_url()}
    started = time.monotonic()
    result, cached = predict(astronaut_jpeg, "alice/detector@v1", offline)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "could not be reached: using the cached copy of alice/detector@v1" in result.stderr
    _, online = predict(astronaut_jpeg, "alice/detector@v1", hub_env)
    assert cached["confidences"] == online["confidences"]
    assert cached["model"]["reference"] == "alice/detector@v1"
    assert cached["model"]["revision"] == online["model"]["revision"] == published["tiny"]

    # Nothing cached: refused, fast (two developers' walks: the bundled model answered with exit 0, and a script
    # checking the status alone got another model's answers).
    empty_cache = {**offline, "HF_HOME": str(tmp_path / "empty")}
    result, _ = predict(astronaut_jpeg, "alice/detector@v1", empty_cache)
    assert result.returncode == 2 and result.stdout == "" and "Traceback" not in result.stderr
    assert ("error: the Hub could not be reached and alice/detector@v1 is not cached (nor is alice/detector a model "
            "folder here): nothing was judged (--model bundled answers with the bundled model)") in result.stderr
    assert time.monotonic() - started < 60  # two full CLI runs; no 20 s retry loops


def test_offline_mode_answers_from_the_cache_without_asking_the_hub(hub, published, hub_env, astronaut_jpeg) -> None:
    """HF_HUB_OFFLINE=1 was not honoured: the Hub was asked (3 s when it hangs), and the warning
    said it "could not be reached"."""
    _, online = predict(astronaut_jpeg, "alice/detector@v1", hub_env)  # cached
    asked = len(hub.requests)
    result, offline = predict(astronaut_jpeg, "alice/detector@v1", {**hub_env, "HF_HUB_OFFLINE": "1"})
    assert result.returncode == 0 and offline["confidences"] == online["confidences"], result.stderr[-2000:]
    assert "warning: HF_HUB_OFFLINE is set: using the cached copy of alice/detector@v1" in result.stderr
    assert len(hub.requests) == asked


def test_a_hub_that_never_answers_is_asked_once_then_the_cached_copy_answers(
    published, hub_env, astronaut_jpeg
) -> None:
    """huggingface_hub's own request (its registry of AI agents, fetched once a day) waited for
    such a Hub as well: a second connection, 6 s before the fallback instead of 3."""
    predict(astronaut_jpeg, "alice/detector@v1", hub_env)  # warm the cache
    url, connections = silent_endpoint()
    result, answer = predict(astronaut_jpeg, "alice/detector@v1", {**hub_env, "HF_ENDPOINT": url})
    assert result.returncode == 0, result.stderr[-2000:]
    assert "could not be reached: using the cached copy of alice/detector@v1" in result.stderr
    assert answer["model"]["revision"] == published["tiny"]
    assert len(connections) == 1


def test_the_app_names_the_revision_asked_and_says_why_the_hub_refused(published, hub_env, tmp_path) -> None:
    """The page named the repo alone (not the tag it serves), and a Hub refusal only as "the
    configured model could not be loaded", the reason in the log alone."""
    pages = {}
    for reference in ("alice/detector@v1", "alice/no-such-detector"):
        process, url = start_app(tmp_path, DEFORGIFY_MODEL=reference, **hub_env)
        try:
            pages[reference] = urllib.request.urlopen(url + "config", timeout=10).read().decode()
        finally:
            stop_app(process)
    assert "alice/detector@v1, Deforgify" in pages["alice/detector@v1"]
    assert f"(commit {published['tiny'][:10]})" in pages["alice/detector@v1"]
    assert ("The configured model could not be loaded: Hub repo alice/no-such-detector does not exist, "
            "or is private") in pages["alice/no-such-detector"]
    assert "the bundled model answers instead" in pages["alice/no-such-detector"]
    # Its cached copy with the Hub away: the card link is the page's own card, not the Hub's page out of reach.
    away = closed_port_url()
    process, url = start_app(tmp_path, DEFORGIFY_MODEL="alice/detector@v1", **{**hub_env, "HF_ENDPOINT": away})
    try:
        page = urllib.request.urlopen(url + "config", timeout=10).read().decode()
    finally:
        stop_app(process)
    assert "using the cached copy of alice/detector@v1" in page and "[model card](#model-card)" in page
    assert away not in page


def test_a_program_or_a_scan_never_gets_another_model_unasked(published, hub_env, astronaut_jpeg, tmp_path) -> None:
    """The library raises, and a scan refuses, when the Hub is away and nothing is cached; the
    bundled model answers only when asked to (``fallback=True``, as the app does)."""
    away = {**hub_env, "HF_ENDPOINT": closed_port_url(), "HF_HOME": str(tmp_path / "empty")}
    code = ("from deforgify import Detector, ModelLoadError\n"
            "try:\n    Detector.load('alice/detector@v1')\n"
            "except ModelLoadError as error:\n    print('refused:', error)\n"
            "print('fallback:', Detector.load('alice/detector@v1', fallback=True).source.reference)")
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT,
        env={**os.environ, **away}, stdin=subprocess.DEVNULL)
    assert result.stdout.splitlines() == [
        "refused: the Hub could not be reached and alice/detector@v1 is not cached (nor is alice/detector a model "
        "folder here)", "fallback: bundled"], result.stderr
    scan = run_module("deforgify", "scan", str(astronaut_jpeg.parent), "--output", str(tmp_path / "out.jsonl"),
                      "--model", "alice/detector@v1", env=away)
    assert scan.returncode == 2 and "alice/detector@v1 is not cached" in scan.stderr, scan.stderr[-2000:]
    assert "Traceback" not in scan.stderr and not (tmp_path / "out.jsonl").exists()


def test_a_pickled_hub_detector_loads_the_commit_it_was_made_from_not_a_newer_one(hub, hub_env, tiny_model,
                                                                                  tmp_path) -> None:
    """A detector loaded by repo name travels to a process pool's workers as where its model
    comes from: it travelled as the bare name, so a worker loaded the newest commit of main (the
    weights pushed since) beside the config pickled with it."""
    first = push(tiny_model, "alice/moving", hub_env)
    pickled, env = tmp_path / "detector.pickle", {**os.environ, **hub_env}
    save = (f"import pickle; from deforgify import Detector; open({str(pickled)!r}, 'wb').write("
            "pickle.dumps(Detector.load('alice/moving')))")
    made = subprocess.run([sys.executable, "-c", save], capture_output=True, text=True, timeout=300, cwd=ROOT, env=env)
    assert made.returncode == 0, made.stderr[-2000:]
    push(BUNDLED_MODEL, "alice/moving", hub_env)  # main moves on: other weights, another input size
    load = (f"import pickle; detector = pickle.loads(open({str(pickled)!r}, 'rb').read()); "
            "print(detector.source.reference, detector.source.revision, detector.runtime.input_size, "
            "detector.config.preprocessing.input_size, detector.source.folder.name)")
    there = subprocess.run([sys.executable, "-c", load], capture_output=True, text=True, timeout=300, cwd=ROOT, env=env)
    size = json.loads((tiny_model / "config.json").read_text())["preprocessing"]["input_size"]
    assert there.stdout.split() == ["alice/moving", first, str(size), str(size), first], there.stderr[-2000:]


@pytest.mark.parametrize(
    "reference, message",
    [
        ("alice/missing", "Hub repo alice/missing does not exist, or is private"),
        ("alice/detector@no-such-branch", "Hub repo alice/detector has no revision 'no-such-branch'"),
        ("alice/empty", "Hub repo alice/empty is not a Deforgify model: it lacks config.json"),
        ("alice/weightless", "Hub repo alice/weightless is not a Deforgify model: it lacks a network "
                             "(model.tflite or model.keras)"),
        ("alice/secret", "Hub repo alice/secret does not exist, or is private and no valid token"),
    ],
)
def test_bad_hub_references_give_a_clear_error(hub, api, published, hub_env, astronaut_jpeg, reference,
                                                message) -> None:
    if ("model", "alice/empty") not in hub.repos:
        hub.create_repo("alice/empty")
        hub.create_repo("alice/secret", private=True)
        hub.create_repo("alice/weightless")
        api.upload_file(path_or_fileobj=str(BUNDLED_MODEL / "config.json"), path_in_repo="config.json",
                        repo_id="alice/weightless")
    anonymous = {**hub_env, "HF_TOKEN": ""}
    result, _ = predict(astronaut_jpeg, reference, anonymous)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_a_private_repo_is_pushed_and_pulled_with_the_token(
    hub, hub_env, tiny_model, astronaut_jpeg, tmp_path
) -> None:
    push(tiny_model, "alice/private-detector", hub_env, "--private")
    assert hub.repos[("model", "alice/private-detector")].private
    result, _ = predict(astronaut_jpeg, "alice/private-detector", hub_env)
    assert result.returncode == 0, result.stderr[-2000:]
    stranger = {**hub_env, "HF_TOKEN": "", "HF_HOME": str(tmp_path)}  # no token, no cache
    result, _ = predict(astronaut_jpeg, "alice/private-detector", stranger)
    assert result.returncode == 2 and "is private and no valid token" in result.stderr
    # A copy in the cache is no licence: without the token, the Hub's refusal still counts.
    cached_no_token = {**hub_env, "HF_TOKEN": ""}
    result, _ = predict(astronaut_jpeg, "alice/private-detector", cached_no_token)
    assert result.returncode == 2 and "is private and no valid token" in result.stderr


def test_a_repo_with_a_corrupt_config_is_refused_before_the_weights(
    hub, hub_env, api, tiny_model, astronaut_jpeg
) -> None:
    api.create_repo("alice/corrupt")
    api.upload_file(path_or_fileobj=b'{"format": "something-else"}', path_in_repo="config.json",
                    repo_id="alice/corrupt")
    api.upload_file(path_or_fileobj=str(tiny_model / "model.keras"), path_in_repo="model.keras",
                    repo_id="alice/corrupt")
    result, _ = predict(astronaut_jpeg, "alice/corrupt", hub_env)
    assert result.returncode == 2 and "config.json of Hub repo alice/corrupt is invalid" in result.stderr  # not a path
    assert not [r for r in hub.requests if "alice/corrupt/resolve" in r and r.endswith(("model.keras", "model.tflite"))]


@pytest.mark.parametrize(
    "case, message",
    [
        ("no token", "no Hub token: set HF_TOKEN or run `hf auth login`"),
        ("bad token", "the Hub refused the token: Invalid user token."),
        ("unreachable", "cannot reach the Hub at http://127.0.0.1"),
        ("not a model", "has no config.json: not a Deforgify model folder"),
        ("no folder", "missing: no such folder"),
    ],
)
def test_push_failures_say_why(hub_env, tiny_model, tmp_path, case, message) -> None:
    env = {
        "no token": {**hub_env, "HF_TOKEN": ""},
        "bad token": {**hub_env, "HF_TOKEN": "hf_wrong"},
        "unreachable": {**hub_env, "HF_ENDPOINT": closed_port_url(), "HF_HUB_ETAG_TIMEOUT": "1"},
        "not a model": hub_env,
        "no folder": hub_env,
    }[case]
    folder = {"not a model": tmp_path, "no folder": tmp_path / "missing"}.get(case, tiny_model)
    result = run_module("training.push", str(folder), "alice/refused", env=env)
    assert result.returncode == 1
    assert message in result.stderr and "Traceback" not in result.stderr
    assert "hf_wrong" not in result.stderr + result.stdout


@pytest.mark.parametrize("bad", ["alice/bad name", "a/b/c", "alice/x--y", "alice"])
def test_a_bad_repo_id_is_a_usage_error_before_anything_is_trained_or_sent(hub, hub_env, tiny_model,
                                                                           tiny_dataset, tmp_path, bad) -> None:
    before = len(hub.requests)
    pushed = run_module("training.push", str(tiny_model), bad, env=hub_env)
    trained = run_module("training.train", "--data", str(tiny_dataset), "--output", str(tmp_path / "run"),
                         "--push-to-hub", bad, env=hub_env)
    for result in (pushed, trained):
        assert result.returncode == 2 and f"{bad!r} is not a Hub repo id" in result.stderr, result.stderr[-2000:]
        assert "Traceback" not in result.stderr and "repo_type" not in result.stderr  # the library's words
    assert len(hub.requests) == before and not (tmp_path / "run").exists()


def test_private_is_refused_for_a_public_repo_and_a_push_to_a_hub_away_trains_nothing(
        hub, hub_env, api, tiny_model, tiny_dataset, tmp_path) -> None:
    api.create_repo("alice/public-detector")
    result = run_module("training.push", str(tiny_model), "alice/public-detector", "--private", env=hub_env)
    assert result.returncode == 1 and "alice/public-detector already exists and is public" in result.stderr
    repo = hub.repos[("model", "alice/public-detector")]
    assert not repo.private and "model.keras" not in repo.commits[repo.branches["main"]].files
    away = {**hub_env, "HF_ENDPOINT": closed_port_url()}
    for env, repo, reason in (
            (away, ["alice/later"], "cannot reach the Hub"),
            ({**hub_env, "HF_TOKEN": "hf_expired"}, ["alice/later"], "refused the token"),
            # refused only after training before, with a retry hint that failed the same way
            (hub_env, ["alice/public-detector", "--private"], "already exists and is public"),
            (hub_env, ["bob/taken"], "the token is alice's, who cannot write to bob's repos")):
        started = time.monotonic()
        result = train_tiny(tiny_dataset, tmp_path / "run", "--push-to-hub", *repo, env=env)
        assert result.returncode == 1 and reason in result.stderr and "nothing was trained" in result.stderr
        assert not (tmp_path / "run").exists() and time.monotonic() - started < 30
        assert "hf_expired" not in result.stderr + result.stdout


def test_train_on_a_hub_dataset_and_push_the_result(hub, hub_env, api, tiny_dataset, tmp_path) -> None:
    api.create_repo("alice/faces", repo_type="dataset")
    api.upload_folder(repo_id="alice/faces", repo_type="dataset", folder_path=tiny_dataset)
    output = tmp_path / "from-hub"
    result = train_tiny("alice/faces", output, "--push-to-hub", "alice/from-hub", env=hub_env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "pushed: " in result.stdout
    metrics = json.loads((output / "metrics.json").read_text())
    assert metrics["training"]["data"] == ["alice/faces"]
    assert metrics["training"]["split_sizes"] == {"train": 48, "val": 6, "test": 6}
    splits = json.loads((output / "splits.json").read_text())
    assert all(re.fullmatch(r"(real|fake)/\1_\d+\.jpg", e["file"]) for e in splits["test"])
    card = hub.repos[("model", "alice/from-hub")].commits[
        hub.repos[("model", "alice/from-hub")].branches["main"]].files["README.md"].decode()
    assert "datasets:\n- alice/faces\n" in card


def test_parquet_dataset_with_image_and_label_columns(hub_env, api, tiny_model, tiny_dataset) -> None:
    import datasets

    files = sorted((tiny_dataset / "real").iterdir())[:12] + sorted((tiny_dataset / "fake").iterdir())[:12]
    table = datasets.Dataset.from_dict(
        {"image": [str(f) for f in files], "label": [0] * 12 + [1] * 12},
        features=datasets.Features(
            {"image": datasets.Image(), "label": datasets.ClassLabel(names=["Real", "Fake"])}
        ),
    )
    parquet = tiny_dataset.parent / "faces.parquet"
    table.to_parquet(parquet)
    api.create_repo("alice/faces-parquet", repo_type="dataset")
    api.upload_file(path_or_fileobj=str(parquet), path_in_repo="data/train-00000-of-00001.parquet",
                    repo_id="alice/faces-parquet", repo_type="dataset")
    result = run_module("training.evaluate", "--model", str(tiny_model), "--data", "alice/faces-parquet",
                        "--split", "all", env=hub_env)
    assert result.returncode == 0, result.stderr[-3000:]
    metrics = json.loads(result.stdout)
    assert metrics["count"] == 24
    assert metrics["per_class"]["real"]["support"] == 12 and metrics["per_class"]["fake"]["support"] == 12

    with socket.socket() as closed:  # a port nothing listens on: the Hub is away
        closed.bind(("127.0.0.1", 0))
        away = {**hub_env, "HF_ENDPOINT": f"http://127.0.0.1:{closed.getsockname()[1]}"}
    cached = run_module("training.evaluate", "--model", str(tiny_model), "--data", "alice/faces-parquet",
                        "--split", "all", env=away)
    assert cached.returncode == 0 and json.loads(cached.stdout)["count"] == 24, cached.stderr[-3000:]
    never = run_module("training.evaluate", "--model", str(tiny_model), "--data", "alice/never-loaded",
                       "--split", "all", env=away)
    assert never.returncode != 0 and "Traceback" not in never.stderr, never.stderr[-3000:]
    assert "alice/never-loaded: the Hub could not be reached, and no copy of the dataset is cached here" in never.stderr
    assert "Retrying" not in never.stderr  # 24 s of "Retrying in 8s" lines came first


def test_make_deploy_uploads_what_the_space_serves(hub, hub_env, api) -> None:
    """The README's deploy command against the loopback Hub: the app, the library, the bundled
    model and the examples land; training, tests and local folders do not; every binary that
    lands is routed through large-file storage by .gitattributes."""
    import fnmatch

    make = shutil.which("make")
    assert make, "make is needed for the deploy command"

    def deploy() -> set[str]:
        result = subprocess.run([make, "deploy", "SPACE=alice/deforgify-space", f"BIN={Path(sys.executable).parent}"],
                                cwd=ROOT, capture_output=True, text=True, timeout=300, env={**os.environ, **hub_env})
        assert result.returncode == 0, result.stderr[-3000:]
        space = hub.repos[("space", "alice/deforgify-space")]
        return set(space.commits[space.branches["main"]].files)

    first = deploy()
    api.upload_file(path_or_fileobj=b"an older version's module", path_in_repo="deforgify/renamed_since.py",
                    repo_id="alice/deforgify-space", repo_type="space")
    files = deploy()
    assert files == first  # a file gone from here is gone from the Space
    assert {"app.py", "README.md", "requirements.txt", ".gitattributes", "LICENSE",
            "deforgify/bundled_model/model.keras", "deforgify/bundled_model/model.tflite",
            "deforgify/bundled_model/config.json",
            "deforgify/faces/face_models/face_detection_short_range.tflite",
            "examples/two-faces.jpg", "examples/SOURCES.md", "docs/videos.md",  # the README links to docs/
            "deforgify/app/page.py", "deforgify/app/page.css", "deforgify/app/page.js"} <= files
    assert not any(f.startswith(("training/", "tests/", ".venv/", "runs/", "benchmarks/")) or
                   "__pycache__" in f or f.endswith(".pyi") for f in files)  # not Gradio's stubs
    lfs = [line.split()[0] for line in (ROOT / ".gitattributes").read_text().splitlines()
           if "filter=lfs" in line]
    binaries = [f for f in files if (ROOT / f).read_bytes().count(b"\0")]
    assert binaries and all(any(fnmatch.fnmatch(Path(f).name, p) for p in lfs) for f in binaries)


def test_wrong_verdict_reports_go_to_a_hub_dataset_when_configured(hub, hub_env, api, tmp_path, astronaut_jpeg,
                                                                   monkeypatch) -> None:
    from deforgify.feedback import FeedbackError, FeedbackStore, IssuedAnswer

    for key, value in hub_env.items():
        monkeypatch.setenv(key, value)
    api.create_repo("alice/reports", repo_type="dataset", private=True)
    store = FeedbackStore(tmp_path / "flags", "alice/reports")
    answer = {"label": "fake", "model": {"reference": "bundled"}}
    report = store.save(IssuedAnswer(str(astronaut_jpeg), answer), "real")
    store.send(report)
    dataset = hub.repos[("dataset", "alice/reports")]
    files = dataset.commits[dataset.branches["main"]].files
    sent = Image.open(io.BytesIO(files[f"reports/{report}/image.png"]))
    assert np.array_equal(np.asarray(sent), np.asarray(Image.open(astronaut_jpeg)))  # the pixels
    record = json.loads(files[f"reports/{report}/report.json"])
    assert record["answer"] == answer and record["should_be"] == "real"
    assert (tmp_path / "flags" / report / "report.json").is_file()  # and kept locally

    monkeypatch.setenv("HF_TOKEN", "")  # the Hub refuses: the local copy stays, the error says so
    kept = store.save(IssuedAnswer(str(astronaut_jpeg), answer), "fake")
    with pytest.raises(FeedbackError, match=r"sending it to the dataset alice/reports failed \("):
        store.send(kept)
    assert len(list((tmp_path / "flags").iterdir())) == 2


def test_a_report_the_hub_refuses_is_saved_here_and_its_id_shown(hub_env, tmp_path, astronaut_jpeg) -> None:
    """The app with a report dataset it cannot send to: the report is kept on the server and the
    visitor gets its id, with why it was not sent (it was "could not be saved", though saved, and a
    retry answered "already reported" without an id)."""
    from gradio_client import Client, handle_file

    import test_app as app_tests

    flags = tmp_path / "flags"
    process, url = app_tests.start_app(tmp_path, DEFORGIFY_FLAGS=str(flags), DEFORGIFY_FLAG_DATASET="alice/reports",
                                       **{**hub_env, "HF_TOKEN": ""})
    try:
        client = Client(url, verbose=False)
        result = client.predict(handle_file(str(astronaut_jpeg)), api_name="/predict")[4]
        message = client.predict(result["answer_id"], "fake" if result["label"] != "fake" else "real",
                                 api_name="/flag")
        [saved] = [p.name for p in flags.iterdir()]
        said = "fake" if result["label"] != "fake" else "real"
        assert message.startswith(f"Thank you: report {saved} (it should be {said}) was saved. It is kept on this "
                                  "server only: sending it to the dataset alice/reports failed ("), message
    finally:
        app_tests.stop_app(process)


def test_a_branch_with_a_slash_is_a_hub_revision_not_a_folder(tmp_path, monkeypatch) -> None:
    """A card pushed to branch exp/one names OWNER/NAME@exp/one, which was refused as "no such
    model folder" (three path parts) without the Hub being asked."""
    from deforgify.model.folder import ModelLoadError
    from deforgify.model.source import resolve_model

    monkeypatch.setenv("HF_ENDPOINT", closed_port_url())
    monkeypatch.setenv("HF_HOME", str(tmp_path / "empty"))
    with pytest.raises(ModelLoadError, match="alice/faces@exp/one is not cached"):
        resolve_model("alice/faces@exp/one")
