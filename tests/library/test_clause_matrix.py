"""Every clause template renders across a matrix of the parameters the risk families
vary on, with no leaked template syntax or values and every cross-reference resolving.

The matrix crosses every posture, every licensing position (controlled, free,
uncertain) and both treatments of licence refusal in full; safety-stock method and
holder, hardship route, destination and the seller's licensing duty rotate so that
each of their values meets each posture and each licensing position.
"""

from __future__ import annotations

import json
import re
from datetime import date
from functools import cache
from itertools import product
from typing import Any

import pytest
from doctext import texts

from app import service
from app.domain.document import (
    Document,
)
from app.domain.numbering import iter_cross_refs
from app.library.assemble import ClauseDecision

TODAY = date(2026, 12, 1)
POSTURES = ("buyer", "balanced", "seller")
POSITIONS = {  # licensing position -> (changes to the request, expected ``controlled``)
    "controlled": ({"element": "Dy"}, True),
    "free": ({"element": "La"}, False),
    "uncertain": ({"element": "Ho"}, None),
}
REFUSALS = ("licensing_clause", "force_majeure")
METHODS = ("computed", "fixed_cover", "none")
HOLDERS = ("seller_warehouse", "consignment", "vendor_managed")
HARDSHIP = ("renegotiate_then_terminate", "renegotiate_then_adapt", "none")
DUTIES = (None, "absolute", "diligent_efforts")  # None: the posture's default
ROTATIONS = 6
ALWAYS = (
    "export_licensing.condition",
    "export_licensing.long_stop",
    "export_licensing.allocation",
    "export_licensing.termination",
    "export_licensing.cooperation",
    "force_majeure.notice",
    "force_majeure.export_controls",
    "force_majeure.termination",
    "compliance",
)


def _case(posture: str, position: str, refusal: str, index: int, turn: int) -> dict[str, Any]:
    return {
        "posture": posture,
        "position": position,
        "refusal": refusal,
        "method": METHODS[(index + turn) % 3],
        "holder": HOLDERS[(index + 2 * turn) % 3],
        "hardship": HARDSHIP[(index // 3 + turn) % 3],
        "duty": DUTIES[(index + turn // 2) % 3],
        "us": turn % 3 == 0,
    }


MATRIX = [
    _case(posture, position, refusal, index, turn)
    for index, (posture, position, refusal) in enumerate(product(POSTURES, POSITIONS, REFUSALS))
    for turn in range(ROTATIONS)
]


def _case_id(case: dict[str, Any]) -> str:
    return "-".join(
        [
            case["posture"],
            case["position"],
            case["refusal"],
            case["method"],
            case["holder"],
            case["hardship"],
            case["duty"] or "default",
            "US" if case["us"] else "DE",
        ]
    )


def _request(case: dict[str, Any]) -> dict[str, Any]:
    changes, _ = POSITIONS[case["position"]]
    licensing = {"seller_duty": case["duty"]} if case["duty"] else {}
    return {
        "element": changes["element"],
        "form": "oxide",
        "volume": {"quantity": 12, "unit": "t", "per": "year"},
        "term": {"start_date": "2027-01-01", "months": 36},
        "seller": {"name": "Example Rare Earth Co., Ltd.", "country": "CN"},
        "buyer": {"name": "Example Magnetics Inc.", "country": "US" if case["us"] else "DE"},
        "posture": case["posture"],
        "licensing": licensing,
        "force_majeure": {
            "licence_refusal": case["refusal"],
            "hardship": case["hardship"],
            "additional_events": ["cyber-attack"],
        },
        "safety_stock": {"method": case["method"], "holder": case["holder"]},
    }


@cache
def _draft(request_json: str) -> tuple[Document, tuple[ClauseDecision, ...], bool | None]:
    drafted = service.draft(request=service.parse_request_json(request_json), today=TODAY)
    return (
        drafted.assembly.document,
        drafted.assembly.decisions,
        drafted.facts.assessment.controlled,
    )


def test_the_matrix_is_large_and_covers_every_value() -> None:
    assert len(MATRIX) >= 100
    for key, values in [
        ("method", METHODS),
        ("holder", HOLDERS),
        ("hardship", HARDSHIP),
        ("duty", DUTIES),
    ]:
        for posture in POSTURES:
            seen = {case[key] for case in MATRIX if case["posture"] == posture}
            assert seen == set(values), (key, posture)


@pytest.mark.parametrize("case", MATRIX, ids=[_case_id(case) for case in MATRIX])
def test_every_clause_renders_cleanly(case: dict[str, Any]) -> None:
    document, decisions, controlled = _draft(json.dumps(_request(case), sort_keys=True))
    assert controlled is POSITIONS[case["position"]][1]
    text = "\n".join(texts(document))
    for leak in ("{{", "}}", "{%", "%}", "[](", "](", "\\"):
        assert leak not in text, f"{leak!r} in the draft"
    # "None of the following" is English; a bare None, True or False is a leaked value.
    leaked = re.search(r"\b(?:None(?! of )|True|False)\b", text)
    assert leaked is None, text[max(leaked.start() - 80, 0) : leaked.end() + 40]
    # Two numbered paragraphs run together when a template line ends in a tag.
    merged = re.search(r"[a-z)]\.1\. |;\s+- ", text)
    assert merged is None, text[max(merged.start() - 80, 0) : merged.end() + 40]
    for line in texts(document):
        assert not re.search(r"  |\( |\s[,.;:)]|^\s", line), f"broken spacing: {line!r}"
    for decision in decisions:
        assert decision.reason, decision.clause_id
        assert "{" not in decision.reason, decision.clause_id


@pytest.mark.parametrize("case", MATRIX, ids=[_case_id(case) for case in MATRIX])
def test_every_cross_reference_resolves_and_the_clauses_follow_the_options(
    case: dict[str, Any],
) -> None:
    document, decisions, _ = _draft(json.dumps(_request(case), sort_keys=True))
    refs = iter_cross_refs(document)
    assert refs
    assert {ref.target for ref in refs} <= set(document.anchors)
    for anchor in ALWAYS:
        assert anchor in document.anchors, anchor
    included = {decision.clause_id for decision in decisions if decision.included}
    stock = case["method"] != "none"
    assert ("safety_stock" in included) is stock
    assert ("safety_stock_schedule" in included) is stock
    assert ("safety_stock.release" in document.anchors) is stock
    assert ("hardship" in included) is (case["hardship"] != "none")
    assert ("defence_origin" in included) is case["us"]
    assert "export_licensing" in included
    assert "force_majeure" in included
