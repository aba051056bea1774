"""XMP packets: the IPTC digital source type (``Iptc4xmpExt:DigitalSourceType``, which
Midjourney, Google and Meta write as ``trainedAlgorithmicMedia``), and the tools that made or
edited the file (``xmp:CreatorTool``, ``xmpMM:History`` software agents). Parsed by
``defusedxml`` (no DTDs, no entity expansion), within :mod:`.limits`."""

from __future__ import annotations

from typing import Iterator, Optional

from deforgify.provenance import limits
from deforgify.provenance.containers import Blocks
from deforgify.provenance.contract import NONE, Evidence, strongest
from deforgify.provenance.rules import describe_source_type, source_type_claim

IPTC_EXT = "{http://iptc.org/std/Iptc4xmpExt/2008-02-29/}"
XMP = "{http://ns.adobe.com/xap/1.0/}"
EVENT = "{http://ns.adobe.com/xap/1.0/sType/ResourceEvent#}"
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
PROPERTIES = {f"{IPTC_EXT}DigitalSourceType": "Iptc4xmpExt:DigitalSourceType",
              f"{XMP}CreatorTool": "xmp:CreatorTool", f"{EVENT}softwareAgent": "stEvt:softwareAgent"}


def read(blocks: Blocks) -> list[Evidence]:
    found: dict[str, list[str]] = {name: [] for name in PROPERTIES.values()}
    problems = list(blocks.skipped.get("xmp", []))
    for packet in blocks.xmp:
        try:
            for name, value in _properties(packet):
                if value not in found[name] and len(found[name]) < limits.MAX_VALUES:
                    found[name].append(value)
        except Exception as error:  # noqa: BLE001  malformed or hostile XML: reported, not raised
            problems.append(f"an XMP packet is not well-formed XML ({type(error).__name__}): not read")
    evidence = [item for item in [_evidence(found)] if item]
    if problems:
        evidence.append(Evidence("xmp", f"Some XMP metadata was not read: {'; '.join(problems)}."))
    return evidence


def _properties(packet: bytes) -> Iterator[tuple[str, str]]:
    from defusedxml import ElementTree

    root = ElementTree.fromstring(packet.strip(b"\x00 \t\r\n"), forbid_dtd=True)
    for element in root.iter():  # iterative: deep nesting costs no recursion
        name = PROPERTIES.get(element.tag)
        if name:
            value = (element.text or "").strip() or element.get(f"{RDF}resource", "")
            if value:
                yield name, value[: limits.MAX_VALUE_CHARS]
        for attribute, value in element.attrib.items():
            if attribute in PROPERTIES and value.strip():
                yield PROPERTIES[attribute], value.strip()[: limits.MAX_VALUE_CHARS]


def _evidence(found: dict[str, list[str]]) -> Optional[Evidence]:
    source_types = found["Iptc4xmpExt:DigitalSourceType"]
    tools = found["xmp:CreatorTool"] + [t for t in found["stEvt:softwareAgent"] if t not in found["xmp:CreatorTool"]]
    if not source_types and not tools:
        return None
    claims = [source_type_claim(value, None) for value in source_types]
    claim = strongest(claims)
    source_type = source_types[claims.index(claim)] if source_types else None
    made_with = f" (software named: {', '.join(tools[:3])})" if tools else ""
    if source_type:
        says = f"XMP metadata says the image was {describe_source_type(source_type)}{made_with}."
    else:
        says = f"XMP metadata names the software that made or edited the file: {', '.join(tools[:3])}."
    keys = [name for name, values in found.items() if values]
    return Evidence("xmp", says, claim if source_type else NONE,
                    {"digital_source_type": source_type, "generator": tools[0] if tools else None, "keys": keys})
