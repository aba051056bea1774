"""XMP packets: the IPTC digital source type (``Iptc4xmpExt:DigitalSourceType``, which
Midjourney, Google and Meta write as ``trainedAlgorithmicMedia``), and the tools that made or
edited the file (``xmp:CreatorTool``, ``xmpMM:History`` software agents). Parsed by
``defusedxml`` (no DTDs, no entity expansion), within :mod:`.limits`."""

from __future__ import annotations

from typing import Optional

from deforgify.provenance import limits
from deforgify.provenance.containers import Blocks
from deforgify.provenance.contract import NONE, Evidence, strongest
from deforgify.provenance.rules import describe_source_type, source_type_claim

IPTC_EXT = "{http://iptc.org/std/Iptc4xmpExt/2008-02-29/}"
XMP = "{http://ns.adobe.com/xap/1.0/}"
EVENT = "{http://ns.adobe.com/xap/1.0/sType/ResourceEvent#}"
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
DCTERMS = "{http://purl.org/dc/terms/}"
PROPERTIES = {f"{IPTC_EXT}DigitalSourceType": "Iptc4xmpExt:DigitalSourceType",
              f"{XMP}CreatorTool": "xmp:CreatorTool", f"{EVENT}softwareAgent": "stEvt:softwareAgent",
              f"{DCTERMS}provenance": "dcterms:provenance"}


def read(blocks: Blocks) -> list[Evidence]:
    found: dict[str, list[str]] = {name: [] for name in PROPERTIES.values()}
    problems = list(blocks.skipped.get("xmp", []))
    for packet in blocks.xmp:
        try:
            for name, value in _properties(packet):
                if value not in found[name] and len(found[name]) < limits.MAX_VALUES:
                    found[name].append(value)
        except Exception as error:  # noqa: BLE001  malformed or hostile XML: reported, not raised
            why = str(error) if isinstance(error, _TooComplex) else f"not well-formed XML ({type(error).__name__})"
            problems.append(f"an XMP packet is {why}: not read")
    evidence = [item for item in [_evidence(found)] if item]
    online = [url for url in found["dcterms:provenance"] if url.lower().startswith(("http://", "https://"))]
    if online:  # (an embedded store is linked as self#jumbf=...: read from the file itself)
        evidence.append(Evidence("xmp", f"XMP says Content Credentials for this file are kept online "
                                        f"({online[0]}); they are never fetched, so they decide nothing.",
                                 NONE, {"keys": ["dcterms:provenance"]}))
    if problems:
        evidence.append(Evidence("xmp", f"Some XMP metadata was not read: {'; '.join(problems)}."))
    return evidence


class _TooComplex(ValueError):
    pass


class _Collector:
    """A parser target that keeps only the properties wanted (no tree is built), and stops at
    the depth and element limits."""

    def __init__(self) -> None:
        self.found: list[tuple[str, str]] = []
        self.depth = self.elements = 0
        self.open: list[Optional[str]] = []
        self.text: list[str] = []

    def start(self, tag: str, attributes: dict) -> None:
        self.depth += 1
        self.elements += 1
        if self.depth > limits.MAX_XML_DEPTH or self.elements > limits.MAX_XML_ELEMENTS:
            raise _TooComplex(f"nested deeper than {limits.MAX_XML_DEPTH} or more than {limits.MAX_XML_ELEMENTS} elements")
        for attribute, value in attributes.items():
            if attribute in PROPERTIES and value.strip():
                self.found.append((PROPERTIES[attribute], value.strip()[: limits.MAX_VALUE_CHARS]))
        name = PROPERTIES.get(tag)
        self.open.append(name)
        self.text = []
        if name and attributes.get(f"{RDF}resource", "").strip():
            self.found.append((name, attributes[f"{RDF}resource"].strip()[: limits.MAX_VALUE_CHARS]))

    def data(self, text: str) -> None:
        if self.open and self.open[-1] and sum(map(len, self.text)) < limits.MAX_VALUE_CHARS:
            self.text.append(text)

    def end(self, tag: str) -> None:
        self.depth -= 1
        name = self.open.pop() if self.open else None
        value = "".join(self.text).strip()
        if name and value:
            self.found.append((name, value[: limits.MAX_VALUE_CHARS]))
        self.text = []

    def close(self) -> list[tuple[str, str]]:
        return self.found


def _properties(packet: bytes) -> list[tuple[str, str]]:
    from defusedxml.ElementTree import DefusedXMLParser

    parser = DefusedXMLParser(target=_Collector(), forbid_dtd=True)
    parser.feed(packet.strip(b"\x00 \t\r\n"))
    return parser.close()


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
    keys = [name for name, values in found.items() if values and name != "dcterms:provenance"]
    return Evidence("xmp", says, claim if source_type else NONE,
                    {"digital_source_type": source_type, "generator": tools[0] if tools else None, "keys": keys})
