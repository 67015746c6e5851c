"""What the API answers, as OpenAPI schemas with examples.

The routes return plain JSON built by :mod:`app.service`; these models document
it (and the schemathesis test holds the responses to them). Models that describe
open-ended service output allow extra members, so a new report field never
breaks a client that validates against the schema.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.library.loader import ClauseMeta

EXAMPLE_REQUEST: dict[str, Any] = {
    "element": "Dy",
    "form": "oxide",
    "volume": {"quantity": 12, "unit": "t", "per": "year"},
    "term": {"start_date": "2027-01-01", "months": 36},
    "seller": {
        "name": "Ganzhou Example Rare Earth Co., Ltd.",
        "country": "CN",
        "address": "1 Example Road, Ganzhou, Jiangxi",
    },
    "buyer": {
        "name": "Example Magnetics GmbH",
        "country": "DE",
        "address": "Beispielstrasse 1, 80331 Munich",
    },
    "posture": "balanced",
}

SHORTHAND_REQUEST: dict[str, Any] = {
    "element": "neodymium",
    "form": "metal",
    "volume": "500 kg/month",
    "term": "3 years",
    "posture": "buyer",
}

REQUEST_EXAMPLES: dict[str, dict[str, Any]] = {
    "spec": {"summary": "Dysprosium oxide, both parties named", "value": EXAMPLE_REQUEST},
    "shorthand": {
        "summary": "Only the required facts, in shorthand",
        "description": "Whatever is left out becomes a highlighted placeholder.",
        "value": SHORTHAND_REQUEST,
    },
}

EXAMPLE_HASH = "5d41c7f1b1a6f0a3e0c4f2d9b8e7a6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9"

CLAUSE_EXAMPLE: dict[str, Any] = {
    "id": "export_licensing",
    "family": "licensing",
    "title": "Export Licences",
    "version": "1.2.0",
    "part": "clause",
    "order": 90,
    "applies_when": "assessment.controlled != false",
    "reason": "Rare-earth exports from China need a licence per shipment.",
    "excluded_reason": "",
    "variants": {},
    "note": "",
}

ELEMENT_EXAMPLE: dict[str, Any] = {
    "symbol": "Ce",
    "name": "cerium",
    "atomic_number": 58,
    "classification": {"usgs": "light", "industry": "light"},
    "forms": ["oxide", "metal", "alloy", "compound"],
    "hs_codes": {"oxide": "2846.10", "metal": "2805.30"},
    "bulk_traded": True,
    "note": None,
    "controls": [],
    "reviewed": "2026-11-30",
}


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class FieldProblem(BaseModel):
    """One offending field of a request."""

    path: str = Field(description='Where, as a path: "volume.quantity", "[3].term.months".')
    loc: list[str | int] = Field(description="The same path as a list (list indexes as numbers).")
    message: str = Field(description="What is wrong, in a sentence.")


class Problem(BaseModel):
    """An error (RFC 9457 problem details), sent as ``application/problem+json``."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "example": {
                "type": "about:blank",
                "title": "The request cannot be drafted",
                "status": 422,
                "detail": "1 field(s) need attention: volume.quantity: must be more than 0",
                "errors": [
                    {
                        "path": "volume.quantity",
                        "loc": ["volume", "quantity"],
                        "message": "must be more than 0",
                    }
                ],
                "request_id": "8c1f0c5e2b7d4a49a1c9e3f1d2b4a6c8",
            }
        },
    )

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    request_id: str | None = Field(default=None, description="Also in the X-Request-ID header.")
    errors: list[FieldProblem] | None = Field(
        default=None, description="With 422: every offending field."
    )


class ChosenClause(_Open):
    id: str
    version: str
    number: str | None = Field(description="The clause number in the draft.")
    title: str
    reason: str = Field(description="Why the clause is in this draft.")


class ExcludedClause(_Open):
    id: str
    reason: str = Field(description="Why the clause was left out.")


class Licensing(_Open):
    controlled: bool | None = Field(
        description="Whether an export control bears on this supply; null when uncertain."
    )


class SafetyStock(_Open):
    quantity: float = Field(description="The safety stock, in ``unit``.")
    unit: str


class OpenPlaceholder(_Open):
    key: str
    label: str


class Report(_Open):
    """Every clause chosen or left out and why, with the facts behind them."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "example": {
                "input_hash": EXAMPLE_HASH,
                "library_version": "2026.11.1",
                "title": "Dysprosium Supply Agreement",
                "element": "Dy",
                "clauses": [
                    {
                        "id": "export_licensing",
                        "version": "1.2.0",
                        "number": "9",
                        "title": "Export Licences",
                        "reason": "Rare-earth exports from China need a licence per shipment.",
                    }
                ],
                "excluded": [{"id": "hardship", "reason": "The posture chose no hardship clause."}],
                "licensing": {"controlled": True, "risk": "high", "expected_delay_days": 46},
                "safety_stock": {"method": "computed", "quantity": 1.6, "unit": "t"},
                "placeholders": [{"key": "agreement.date", "label": "date of the agreement"}],
                "warnings": [],
            }
        },
    )

    input_hash: str = Field(description="SHA-256 of the normalised request.")
    library_version: str
    clauses: list[ChosenClause]
    excluded: list[ExcludedClause]
    licensing: Licensing
    safety_stock: SafetyStock
    placeholders: list[OpenPlaceholder] = Field(description="Facts still to be filled in.")
    warnings: list[str]


class ElementControl(_Open):
    id: str
    announcement: str
    status: str
    effective: str | None
    suspended_until: str | None


class ElementOut(_Open):
    """One rare-earth element with its classification and export-control entries."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"example": ELEMENT_EXAMPLE})

    symbol: str
    name: str
    atomic_number: int
    classification: dict[str, str]
    forms: list[str]
    hs_codes: dict[str, str]
    bulk_traded: bool
    note: str | None
    controls: list[ElementControl]
    reviewed: str = Field(description="When the reference data was last checked (ISO date).")


class ElementList(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"example": {"reviewed": "2026-11-30", "elements": [ELEMENT_EXAMPLE]}}
    )

    reviewed: str
    elements: list[ElementOut]


class ClauseList(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"example": {"library_version": "2026.11.1", "clauses": [CLAUSE_EXAMPLE]}}
    )

    library_version: str
    clauses: list[ClauseMeta]


class ClauseStampOut(BaseModel):
    id: str
    version: str


class DocumentParameters(BaseModel):
    """What a .docx made by this service carries about itself."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "request": {**EXAMPLE_REQUEST, "draft_number": 1},
                "input_hash": EXAMPLE_HASH,
                "input_hash_matches": True,
                "library_version": "2026.11.1",
                "clauses": [{"id": "export_licensing", "version": "1.2.0"}],
            }
        }
    )

    request: dict[str, Any] = Field(
        description="The normalised request the document was drafted from (every field, "
        "defaults filled in); POST it again to draft the same document."
    )
    input_hash: str
    input_hash_matches: bool = Field(
        description="Whether the request still hashes to input_hash (false: the embedded "
        "data was edited after drafting)."
    )
    library_version: str
    clauses: list[ClauseStampOut]


class Health(BaseModel):
    model_config = ConfigDict(json_schema_extra={"example": {"status": "ok", "version": "0.4.0"}})

    status: str
    version: str
