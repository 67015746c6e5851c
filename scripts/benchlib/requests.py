"""The requests the benchmark drafts.

Every timed draft is a different request (the seller's name and the quantity change
from one to the next), so what the drafting path caches only helps where a real
stream of contracts repeats itself: the clauses no request changes.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from app.domain.request import ContractRequest
from app.service import parse_request

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
REQUEST_MONTHS_LIMIT = 360  # the request model's bound on term.months


def spec_example() -> dict[str, Any]:
    """The request of SPEC.md (``examples/spec.json``)."""
    data: dict[str, Any] = json.loads((EXAMPLES / "spec.json").read_text())
    return data


def monthly_contract(months: int = 120) -> dict[str, Any]:
    """``examples/full.json`` (every optional group) with monthly deliveries over
    ``months`` months: a 10-year contract by default, 120 delivery-plan rows."""
    data: dict[str, Any] = json.loads((EXAMPLES / "full.json").read_text())
    data["term"] = {"start_date": "2027-01-01", "months": months}
    data["delivery"]["frequency"] = "monthly"
    return data


def variant(data: dict[str, Any], index: int) -> dict[str, Any]:
    """``data`` made a different contract: seller ``index`` and a slightly larger volume."""
    changed = copy.deepcopy(data)
    seller = changed.setdefault("seller", {})
    seller["name"] = f"Example Rare Earth Supplier {index} Co., Ltd."
    volume = changed["volume"]
    if isinstance(volume, str):  # "12 t per year"
        quantity, _, rest = volume.partition(" ")
        changed["volume"] = f"{float(quantity) + index / 8:g} {rest}"
    else:
        volume["quantity"] = float(volume["quantity"]) + index / 8
    return changed


def with_plan_rows(data: dict[str, Any], rows: int) -> ContractRequest:
    """A validated request with ``rows`` monthly deliveries.

    Above the request model's limit of 360 months the term is set on the validated
    model directly (``model_copy``): the benchmark measures how drafting grows with
    the plan, beyond what a client may send.
    """
    months = min(rows, REQUEST_MONTHS_LIMIT)
    changed = copy.deepcopy(data)
    changed["term"] = {"start_date": "2027-01-01", "months": months}
    changed["delivery"]["frequency"] = "monthly"
    request = parse_request(changed)
    if rows > months:
        request = request.model_copy(
            update={"term": request.term.model_copy(update={"months": rows})}
        )
    return request
