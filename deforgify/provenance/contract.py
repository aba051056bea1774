"""The provenance contract, the same in every output (CLI JSON rows, scan rows, the app's JSON)::

    "provenance": {"claim": "ai_generated" | "ai_edited" | "camera" | "none",
                   "evidence": [{"kind": "c2pa" | "xmp" | "png_text" | "exif",
                                 "says": "<one sentence>", "claim": ..., ...}],
                   "valid": true | false | null, "trusted": true | false | null}

``claim`` is the strongest thing the file says about its origin (``ai_generated`` over
``ai_edited`` over ``camera``), whether or not it can be believed; each evidence item carries
what it alone claims. ``valid``: whether a C2PA manifest's signature and its binding to these
exact bytes check out; ``trusted``: whether its signer chains to a configured trust list; both
null without C2PA. Which claims decide a verdict is :mod:`deforgify.provenance.rules`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

AI_GENERATED, AI_EDITED, CAMERA, NONE = "ai_generated", "ai_edited", "camera", "none"
CLAIMS = (AI_GENERATED, AI_EDITED, CAMERA, NONE)
"""Strongest first."""
KINDS = ("c2pa", "xmp", "png_text", "exif")

EVIDENCE_DETAILS = ("digital_source_type", "generator", "signer", "actions", "validation_state",
                    "failures", "keys", "make", "model", "software")
"""Fields an evidence item may carry beside kind, says and claim (absent when they do not apply):
the IPTC digital source type declared; the software that made or edited the file (a C2PA claim
generator, XMP CreatorTool, the generator a PNG chunk names, EXIF Software); a C2PA signer and its
actions (``{"action", "digital_source_type", "software_agent"}``), validation state and failure
codes; the PNG text keys or XMP properties found; EXIF Make, Model, Software."""


def strongest(claims: Iterable[str]) -> str:
    return min(claims, key=CLAIMS.index, default=NONE)


@dataclass(frozen=True)
class Evidence:
    kind: str
    says: str
    """One sentence a person understands."""
    claim: str = NONE
    """What this item alone says about the file's origin."""
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        assert self.kind in KINDS and self.claim in CLAIMS, (self.kind, self.claim)
        assert set(self.details) <= set(EVIDENCE_DETAILS), self.details

    def to_json(self) -> dict:
        return {"kind": self.kind, "says": self.says, "claim": self.claim,
                **{k: v for k, v in self.details.items() if v is not None}}


@dataclass(frozen=True)
class Provenance:
    evidence: tuple[Evidence, ...] = ()
    valid: Optional[bool] = None
    trusted: Optional[bool] = None

    @property
    def claim(self) -> str:
        return strongest(e.claim for e in self.evidence)

    def to_json(self) -> dict:
        return {"claim": self.claim, "evidence": [e.to_json() for e in self.evidence],
                "valid": self.valid, "trusted": self.trusted}


NO_PROVENANCE = Provenance()
