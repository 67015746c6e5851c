"""The JSON report of a draft, and the summary of one element's reference data.

The report explains the whole draft: every clause chosen or left out and why, the
licensing assessment, the safety-stock computation, where each option came from,
open placeholders and warnings.
"""

from __future__ import annotations

import json
from typing import Any

from app.domain.reference import reference_data
from app.service import Draft


def report(draft_: Draft) -> dict[str, Any]:
    """The JSON report: every clause chosen or left out and why, the licensing
    assessment, the safety-stock computation, open placeholders and warnings."""
    assembly = draft_.assembly
    stock = draft_.facts.safety_stock
    options = draft_.facts.options
    return {
        "input_hash": draft_.input_hash,
        "library_version": draft_.library_version,
        "title": assembly.document.properties.title,
        "element": draft_.facts.element.symbol,
        "clauses": [
            {
                "id": decision.clause_id,
                "version": decision.version,
                "number": decision.number,
                "title": decision.title,
                "family": decision.family,
                "part": decision.part,
                "reason": decision.reason,
                "note": decision.note or None,
            }
            for decision in assembly.decisions
            if decision.included
        ],
        "excluded": [
            {"id": decision.clause_id, "title": decision.title, "reason": decision.reason}
            for decision in assembly.decisions
            if not decision.included
        ],
        "licensing": {
            **draft_.facts.assessment.to_dict(),
            "options": _jsonable(options.licensing),
        },
        "force_majeure": {"options": _jsonable(options.force_majeure)},
        "safety_stock": stock.to_dict()
        if stock is not None
        else {"method": "none", "quantity": 0, "unit": draft_.request.volume.unit.value},
        "option_sources": dict(sorted(options.origin.items())),
        "placeholders": [
            {"key": placeholder.key, "label": placeholder.label}
            for placeholder in assembly.placeholders
        ],
        "warnings": list(draft_.warnings),
    }


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    """Options as JSON values (enum members and decimals as their text)."""
    decoded: dict[str, Any] = json.loads(json.dumps(values, default=str))
    return decoded


def element_summary(symbol: str) -> dict[str, Any]:
    """One element with its classification, forms, HS codes and control entries."""
    data = reference_data()
    element = data.element(symbol)
    return {
        "symbol": element.symbol,
        "name": element.name,
        "atomic_number": element.atomic_number,
        "classification": dict(element.classification),
        "forms": list(element.forms),
        "hs_codes": dict(element.hs_codes),
        "bulk_traded": element.bulk_traded,
        "note": element.note,
        "controls": [
            {
                "id": entry.id,
                "announcement": entry.announcement,
                "status": entry.status,
                "effective": entry.effective.isoformat() if entry.effective else None,
                "suspended_until": entry.suspended_until.isoformat()
                if entry.suspended_until
                else None,
                "sources": [{"title": source.title, "url": source.url} for source in entry.sources],
            }
            for entry in data.controls_for(element.symbol)
        ],
        "reviewed": data.reviewed.isoformat(),
    }
