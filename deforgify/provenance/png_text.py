"""PNG text chunks of known image generators: AUTOMATIC1111 and Forge (``parameters``: prompt,
then ``Steps: .., Sampler: .., Seed: ..``), ComfyUI (``prompt`` and ``workflow``: its node
graph as JSON), InvokeAI (``invokeai_metadata``, ``invokeai_graph``, ``sd-metadata``, ``Dream``),
Fooocus (``fooocus_scheme``, or JSON ``parameters``), NovelAI (``Software: NovelAI`` and a
``Comment`` of settings). A chunk is counted only when its content has its generator's shape,
not for its key alone."""

from __future__ import annotations

import json
import re
from typing import Any, Optional

from deforgify.provenance import limits
from deforgify.provenance.containers import Blocks
from deforgify.provenance.contract import AI_GENERATED, Evidence

A1111_SETTINGS = re.compile(r"(^|\n|, )Steps: \d+")
SETTING_KEYS = ("steps", "sampler", "sampler_name", "seed", "cfg", "cfg_scale", "guidance_scale", "scheduler")


def read(blocks: Blocks) -> list[Evidence]:
    texts = dict(reversed(blocks.texts))  # the first chunk of a key wins
    generators: dict[str, list[str]] = {}
    for key, text in blocks.texts:
        generator = recognise(key, text, texts)
        if generator and key not in generators.setdefault(generator, []):
            generators[generator].append(key)
    evidence = [Evidence("png_text", _says(generator, keys), AI_GENERATED,
                         {"generator": generator, "keys": keys[: limits.MAX_VALUES]})
                for generator, keys in generators.items() if keys]
    if blocks.skipped.get("png_text"):
        evidence.append(Evidence("png_text", f"Some PNG text chunks were not read: {'; '.join(blocks.skipped['png_text'])}."))
    return evidence


def recognise(key: str, text: str, texts: dict[str, str]) -> Optional[str]:
    """The generator whose settings the chunk ``key`` holds, or None."""
    if key == "parameters":
        if A1111_SETTINGS.search(text) and any(k in text for k in ("Sampler: ", "Seed: ", "CFG scale: ")):
            return "AUTOMATIC1111 / Forge (Stable Diffusion web UI)"
        settings = _json(text)
        if isinstance(settings, dict) and ("fooocus_scheme" in texts or "Fooocus" in str(settings.get("version", ""))):
            return "Fooocus"
        return "an AI image generator" if _generic_settings(settings) else None
    if key == "prompt":
        graph = _json(text)
        if isinstance(graph, dict) and any(isinstance(n, dict) and "class_type" in n for n in graph.values()):
            return "ComfyUI"
        return "an AI image generator" if _generic_settings(graph) else None
    if key == "workflow":
        workflow = _json(text)
        return "ComfyUI" if isinstance(workflow, dict) and isinstance(workflow.get("nodes"), list) else None
    if key in ("invokeai_metadata", "invokeai_graph", "sd-metadata"):
        return "InvokeAI" if isinstance(_json(text), dict) else None
    if key == "Dream" and re.search(r"\s-s\s*\d+|\s-S\s*\d+", text):
        return "InvokeAI"
    if key == "fooocus_scheme":
        return "Fooocus"
    if key == "Comment" and texts.get("Software", "").startswith("NovelAI"):
        settings = _json(text)
        return "NovelAI" if isinstance(settings, dict) and "steps" in settings else None
    return None


def _generic_settings(settings: Any) -> bool:
    """A JSON object of a generator's settings: a prompt and at least one sampling setting."""
    return (isinstance(settings, dict) and isinstance(settings.get("prompt"), str)
            and any(key in settings for key in SETTING_KEYS))


def _json(text: str) -> Any:
    if not text.lstrip().startswith(("{", "[")):
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _says(generator: str, keys: list[str]) -> str:
    chunks = ", ".join(f"'{k}'" for k in keys[:4])
    noun = "chunk" if len(keys) == 1 else "chunks"
    return (f"The PNG carries the generation settings of {generator} (text {noun} {chunks}): "
            "it was made by an AI image generator.")


def settings_generator(text: str) -> Optional[str]:
    """The generator whose settings ``text`` is, wherever it was found (AUTOMATIC1111 writes
    the same text into a JPEG's or WebP's EXIF user comment)."""
    return recognise("parameters", text, {})
