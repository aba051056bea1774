"""C2PA Content Credentials, read and validated by ``c2pa-python`` (the Content Authenticity
Initiative's bindings of its Rust SDK): the active manifest and the manifests of its ingredients,
the validation state, the signer, the claim generator, the actions and their
``digitalSourceType``.

Never online: remote manifests, OCSP and every network host are switched off in the SDK's
settings. No trust list ships; a deployer names one with ``DEFORGIFY_C2PA_TRUST_ANCHORS`` (a PEM
file of root certificates), and ``trusted`` is then whether a manifest's signer chains to it.
"""

from __future__ import annotations

import io
import json
import logging
import os
import threading
from collections import deque
from typing import Any, Optional

from deforgify.provenance import limits
from deforgify.provenance.containers import Blocks
from deforgify.provenance.contract import AI_EDITED, AI_GENERATED, NONE, Evidence, strongest
from deforgify.provenance.rules import describe_source_type, source_type_claim

TRUST_ANCHORS_VARIABLE = "DEFORGIFY_C2PA_TRUST_ANCHORS"
OFFLINE = {"verify": {"ocsp_fetch": False, "remote_manifest_fetch": False, "verify_trust": True},
           "core": {"allowed_network_hosts": []}}
"""The SDK's settings: no remote manifests, no OCSP, no network host allowed."""
FAILURE_WORDS = {
    "assertion.dataHash.mismatch": "the image was changed after signing",
    "assertion.boxesHash.mismatch": "the image was changed after signing",
    "assertion.bmffHash.mismatch": "the image was changed after signing",
    "claimSignature.mismatch": "the signature does not match the claim",
    "assertion.hashedURI.mismatch": "an assertion was changed after signing",
    "signingCredential.expired": "the signing certificate had expired",
    "signingCredential.revoked": "the signing certificate was revoked",
    "signingCredential.invalid": "the signing certificate is not valid for signing",
}
HARMLESS_FAILURES = {"signingCredential.untrusted"}
"""Failure codes that leave a manifest valid: an untrusted signer is what ``trusted`` reports."""

_settings_lock = threading.Lock()
_log = logging.getLogger(__name__)
_settings_cache: dict[tuple, str] = {}


def wanted(data: bytes, blocks: Blocks) -> bool:
    """Whether the file may hold a C2PA manifest store: one found by the container walk, or,
    in formats it does not walk, the JUMBF label ``c2pa`` anywhere in the bytes."""
    if blocks.c2pa_bytes:
        return True
    return blocks.format not in ("JPEG", "PNG", "WebP") and b"c2pa" in data


def read(data: bytes, blocks: Blocks) -> tuple[Optional[Evidence], Optional[bool], Optional[bool]]:
    """The evidence of the file's C2PA manifest store, and (valid, trusted); (None, None, None)
    when it has none."""
    if blocks.c2pa_bytes > limits.MAX_C2PA_BYTES:
        return (Evidence("c2pa", f"The file holds Content Credentials (C2PA) of {blocks.c2pa_bytes // 1_000_000} MB, "
                                 f"over the {limits.MAX_C2PA_BYTES // 1_000_000} MB limit: not read, so they decide nothing."),
                False, False)
    try:
        import c2pa

        context = c2pa.Context.from_json(settings_json())
        reader = c2pa.Reader.try_create(blocks.mime_type, io.BytesIO(data), None, context)
        if reader is None:
            return None, None, None
        with reader:
            store = json.loads(reader.json())
    except Exception as error:  # noqa: BLE001  c2pa raises its own kinds for malformed stores
        if not blocks.c2pa_bytes and "NotSupported" in type(error).__name__:
            return None, None, None  # "c2pa" in the bytes of a format the SDK does not read
        reason = str(error).split("\n")[0][: limits.MAX_VALUE_CHARS] or type(error).__name__
        return (Evidence("c2pa", f"The file holds Content Credentials (C2PA) that cannot be read ({reason}), "
                                 "so they decide nothing.", NONE, {"validation_state": "Unreadable"}),
                False, False)
    return from_store(store)


def settings_json() -> str:
    """The SDK's settings: offline, with the deployer's trust anchors if any (cached per file
    version)."""
    path = os.environ.get(TRUST_ANCHORS_VARIABLE, "").strip()
    key: tuple = (path,)
    if path:
        try:
            stat = os.stat(path)
            key = (path, stat.st_mtime_ns, stat.st_size)
        except OSError:
            key = (path, None)
    with _settings_lock:
        if key not in _settings_cache:
            settings = json.loads(json.dumps(OFFLINE))
            anchors = _trust_anchors(path) if path else None
            if anchors:
                settings["trust"] = {"trust_anchors": anchors}
            _settings_cache[key] = json.dumps(settings)
        return _settings_cache[key]


def _trust_anchors(path: str) -> Optional[str]:
    try:
        with open(path, encoding="ascii") as file:
            text = file.read(limits.MAX_C2PA_BYTES)
    except (OSError, UnicodeDecodeError) as error:
        _log.warning("%s=%s cannot be read (%s): no signer is trusted", TRUST_ANCHORS_VARIABLE, path, error)
        return None
    if "-----BEGIN CERTIFICATE-----" not in text:
        _log.warning("%s=%s holds no PEM certificate: no signer is trusted", TRUST_ANCHORS_VARIABLE, path)
        return None
    return text


def from_store(store: dict) -> tuple[Evidence, bool, bool]:
    """Evidence, valid and trusted from the manifest store as ``Reader.json()`` gives it."""
    manifests = store.get("manifests") or {}
    active = manifests.get(store.get("active_manifest")) or {}
    results = (store.get("validation_results") or {}).get("activeManifest") or {}
    successes = {item.get("code") for item in results.get("success") or []}
    failures = [item.get("code") for item in results.get("failure") or []]
    for delta in (store.get("validation_results") or {}).get("ingredientDeltas") or []:
        failures += [item.get("code") for item in (delta.get("validationDeltas") or {}).get("failure") or []]
    state = store.get("validation_state") or ("Invalid" if set(failures) - HARMLESS_FAILURES else "Valid")
    valid = state in ("Valid", "Trusted")
    trusted = state == "Trusted" or "signingCredential.trusted" in successes
    claim, source_type = _origin(store.get("active_manifest"), manifests)
    actions = [_action(a) for a in _actions(active)][: limits.MAX_VALUES]
    generator = _generator(active)
    signature = active.get("signature_info") or {}
    signer = _short(signature.get("common_name") or signature.get("issuer"))
    if signer and signature.get("issuer") and signature.get("issuer") != signer:
        signer = f"{signer} ({_short(signature['issuer'])})"
    details = {"digital_source_type": source_type, "generator": generator, "signer": signer, "actions": actions,
               "validation_state": state, "failures": sorted(set(failures))[: limits.MAX_VALUES]}
    return Evidence("c2pa", _says(claim, source_type, actions, generator, signer, valid, trusted, failures),
                    claim, details), valid, trusted


def _origin(label: Optional[str], manifests: dict) -> tuple[str, Optional[str]]:
    """The strongest origin the active manifest and the manifests it was made from declare: a
    parent's claim carries over; an AI-made component makes the whole AI-edited."""
    found: list[tuple[str, Optional[str]]] = []
    queue = deque([(label, False)])
    seen: set[Optional[str]] = set()
    while queue and len(seen) < limits.MAX_MANIFESTS:
        label, component = queue.popleft()
        if label in seen or label not in manifests:
            continue
        seen.add(label)
        manifest = manifests[label] or {}
        for action in _actions(manifest):
            source_type = action.get("digitalSourceType") or (action.get("parameters") or {}).get("digitalSourceType")
            claim = source_type_claim(source_type, action.get("action")) if isinstance(source_type, str) else NONE
            if component:
                claim = AI_EDITED if claim in (AI_GENERATED, AI_EDITED) else NONE
            if claim != NONE:
                found.append((claim, source_type))
        for ingredient in (manifest.get("ingredients") or [])[: limits.MAX_MANIFESTS]:
            if isinstance(ingredient, dict) and ingredient.get("active_manifest"):
                queue.append((ingredient["active_manifest"], component or ingredient.get("relationship") != "parentOf"))
    claim = strongest(c for c, _ in found)
    return claim, next((s for c, s in found if c == claim), None)


def _actions(manifest: dict) -> list[dict]:
    actions: list[dict] = []
    for assertion in manifest.get("assertions") or []:
        if isinstance(assertion, dict) and str(assertion.get("label", "")).startswith("c2pa.actions"):
            listed = (assertion.get("data") or {}).get("actions") or []
            actions += [a for a in listed[: limits.MAX_VALUES * 4] if isinstance(a, dict)]
    return actions


def _action(action: dict) -> dict:
    agent = action.get("softwareAgent")
    if isinstance(agent, dict):
        agent = " ".join(filter(None, (agent.get("name"), agent.get("version"))))
    return {"action": _short(action.get("action")), "digital_source_type": _short(action.get("digitalSourceType")),
            "software_agent": _short(agent)}


def _generator(manifest: dict) -> Optional[str]:
    info = manifest.get("claim_generator_info") or []
    if info and isinstance(info[0], dict) and info[0].get("name"):
        return _short(" ".join(filter(None, (str(info[0]["name"]), str(info[0].get("version") or "")))))
    return _short(manifest.get("claim_generator"))


def _short(value: Any) -> Optional[str]:
    return str(value)[: limits.MAX_VALUE_CHARS] if value else None


def _says(claim: str, source_type: Optional[str], actions: list[dict], generator: Optional[str],
          signer: Optional[str], valid: bool, trusted: bool, failures: list[str]) -> str:
    if claim != NONE and source_type:
        what = f"say the image was {describe_source_type(source_type)}"
    else:
        names = ", ".join(dict.fromkeys(a["action"] for a in actions if a["action"])) or "none"
        what = f"record its history (actions: {names}) but declare no AI or camera origin"
    made = f", written by {generator}" if generator else ""
    signed = f"; signed by {signer}" if signer else "; unsigned"
    if valid:
        check = "; the signature and its binding to these exact bytes check out"
    else:
        reasons = [FAILURE_WORDS.get(code, code) for code in dict.fromkeys(failures) if code not in HARMLESS_FAILURES]
        check = f"; but they do not validate ({', '.join(reasons[:3]) or 'invalid'}), so they decide nothing"
    trust = "; the signer is on the configured trust list" if trusted else "; the signer is not on a trust list"
    return f"Content Credentials (C2PA) {what}{made}{signed}{check}{trust}."
