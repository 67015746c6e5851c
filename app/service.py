"""The calls every transport uses: validate a request, draft it, render it, report it.

Routes and the command line stay thin: they parse input, call one function here and
shape the output. Nothing here knows about HTTP or the terminal.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from app.config import get_settings
from app.domain.delivery_plan import add_months
from app.domain.document import DocumentProperties, EmbeddedData
from app.domain.licensing import assess_licensing
from app.domain.options import resolve_options
from app.domain.reference import reference_data, review_warnings
from app.domain.request import (
    DELIVERIES_PER_YEAR,
    SEA_ONLY_INCOTERMS,
    ContractRequest,
    MassUnit,
    SafetyStockMethod,
)
from app.domain.safety_stock import SafetyStockResult, compute_safety_stock, fixed_cover
from app.errors import DocumentReadError, FieldError, InvalidRequestError
from app.json_input import decode_json, strict_json_loads
from app.library.assemble import Assembly, assemble
from app.library.context import DraftingFacts, build_context, compute_plan
from app.library.loader import ClauseLibrary, load_library
from app.render.docx_reader import read_embedded
from app.validation import field_errors


@cache
def _library_at(root: Path) -> ClauseLibrary:
    return load_library(root)


@cache
def _library_in(folder: Path) -> ClauseLibrary:
    return _library_at(folder.resolve())  # resolving costs system calls: once per folder


def get_library() -> ClauseLibrary:
    """The checked clause library of the configured folder, loaded once per process."""
    return _library_in(get_settings().templates_dir)


@dataclass(frozen=True, slots=True)
class Readiness:
    """What a process has loaded and checked before it serves anything."""

    library_version: str
    clause_count: int
    reference_data_reviewed: date


def check_startup() -> Readiness:
    """Load and check the clause library and the reference data (both are cached, so
    later calls are cheap and say whether they are still loaded).

    Returns what was loaded, for the readiness endpoint.

    Raises:
        ClauseLibraryError: a clause template or the library's metadata is broken; the
            message names the file, the line and the reason.
        ReferenceDataError: a reference-data file is broken; the message names the
            file, the entry, the line and the reason.
    """
    library = get_library()
    data = reference_data()
    return Readiness(
        library_version=library.version,
        clause_count=len(library.clauses),
        reference_data_reviewed=data.reviewed,
    )


def parse_request(data: object) -> ContractRequest:
    """Validate a decoded JSON value as a contract request.

    Raises:
        InvalidRequestError: with every offending field's path and a plain sentence.
    """
    if not isinstance(data, dict):
        raise InvalidRequestError(
            [FieldError(location=(), message="the request must be a JSON object with named fields")]
        )
    try:
        return ContractRequest.model_validate(data)
    except ValidationError as error:
        raise InvalidRequestError(field_errors(error, model=ContractRequest)) from None


def parse_request_json(raw: bytes | str) -> ContractRequest:
    """Decode and validate a JSON request body.

    Raises:
        InvalidRequestError: not JSON, or not a valid request.
    """
    return parse_request(decode_json(raw))


def normalised_json(request: ContractRequest) -> str:
    """The canonical JSON of a request: every field, defaults filled, keys sorted."""
    return json.dumps(
        request.model_dump(mode="json"), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )


def input_hash(request: ContractRequest) -> str:
    """SHA-256 of the canonical JSON: equal requests have equal hashes."""
    return _json_hash(normalised_json(request))


def _json_hash(canonical_json: str) -> str:
    return hashlib.sha256(canonical_json.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Draft:
    """One drafted agreement with everything the report needs."""

    request: ContractRequest
    facts: DraftingFacts
    assembly: Assembly
    input_hash: str
    library_version: str
    warnings: tuple[str, ...]


def _safety_stock(
    request: ContractRequest, facts_delay: tuple[int, int]
) -> SafetyStockResult | None:
    options = request.safety_stock
    annual_kg = request.volume.annual_kg(months=request.term.months)
    unit: Literal["kg", "t"] = "t" if request.volume.unit is MassUnit.T else "kg"
    if options.method is SafetyStockMethod.NONE:
        return None
    if options.method is SafetyStockMethod.FIXED_COVER:
        return fixed_cover(
            annual_quantity_kg=annual_kg, cover_months=options.cover_months, unit=unit
        )
    return compute_safety_stock(
        annual_quantity_kg=annual_kg,
        deliveries_per_year=DELIVERIES_PER_YEAR[request.delivery.frequency],
        demand_cv=options.demand_cv,
        base_lead_time_days=options.base_lead_time_days,
        base_lead_time_sd_days=options.base_lead_time_sd_days,
        licence_delay_days=facts_delay[0],
        licence_delay_sd_days=facts_delay[1],
        service_level=options.service_level,
        unit=unit,
    )


def draft(*, request: ContractRequest, today: date | None = None) -> Draft:
    """Draft one agreement.

    ``today`` only affects warnings (reference data too old, suspensions ended);
    the document itself depends on the request and the library alone.

    Raises:
        ClauseLibraryError, DocumentAssemblyError: a defect in the library (never
            the client's input); tests keep these from happening.
    """
    today = today or date.today()
    data = reference_data()
    element = data.element(request.element)
    start = request.term.start_date
    end = add_months(start, request.term.months) if start is not None else None
    assessment = assess_licensing(
        element=element,
        form=request.form.value,
        origin=request.effective_origin,
        destination=request.effective_destination,
        start_date=start,
        end_date=end,
        data=data,
        today=today,
    )
    facts = DraftingFacts(
        request=request,
        element=element,
        options=resolve_options(request=request),
        assessment=assessment,
        safety_stock=_safety_stock(
            request, (assessment.expected_delay_days, assessment.delay_sd_days)
        ),
        plan=compute_plan(request),
    )
    library = get_library()
    request_json = normalised_json(request)
    digest = _json_hash(request_json)  # input_hash(request), without a second dump
    title = f"{element.name.capitalize()} Supply Agreement"
    created = datetime.combine(
        request.agreement_date or start or date(2000, 1, 1), datetime.min.time()
    )
    assembly = assemble(
        library=library,
        context=build_context(facts),
        properties=DocumentProperties(
            title=title,
            subject=f"Supply of {element.name.lower()} {request.form.value}",
            author="Clausewright",
            keywords=f"{element.symbol}; {request.form.value}; {request.posture.value} draft",
            created=created,
            revision=request.draft_number,
        ),
        embedded_without_clauses=EmbeddedData(
            request_json=request_json,
            clauses=(),
            library_version=library.version,
            input_hash=digest,
        ),
        header_text=f"Draft {request.draft_number} - for discussion - subject to contract",
    )
    warnings = [
        *review_warnings(
            data=data,
            today=today,
            max_age_days=get_settings().review_max_age_days,
            element=element.symbol,
        ),
        *assessment.warnings,
    ]
    if request.delivery.incoterm in SEA_ONLY_INCOTERMS:
        warnings.append(
            f"{request.delivery.incoterm.value} is a rule for goods loaded on board a vessel; "
            "containerised cargo is usually better served by FCA, CPT or CIP."
        )
    long_stop = facts.options.licensing["long_stop_days"]
    fm_termination = facts.options.force_majeure["termination_days"]
    if long_stop >= fm_termination:
        warnings.append(
            f"The licence long-stop period ({long_stop} days) is not shorter than the "
            f"force-majeure termination period ({fm_termination} days): a delivery held up "
            "by a licence could not be cancelled before the whole agreement may be ended. "
            "Consider a shorter long-stop period."
        )
    return Draft(
        request=request,
        facts=facts,
        assembly=assembly,
        input_hash=digest,
        library_version=library.version,
        warnings=tuple(dict.fromkeys(warnings)),
    )


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:40].strip("-")


def docx_filename(draft_: Draft) -> str:
    """A descriptive, filesystem-safe file name: parties, element, date."""
    request = draft_.request
    dated = request.agreement_date or request.term.start_date
    parts = [
        _slug(request.seller.name or "seller"),
        _slug(request.buyer.name or "buyer"),
        _slug(f"{draft_.facts.element.name} supply agreement"),
        dated.isoformat() if dated else "undated",
    ]
    return "_".join(part for part in parts if part) + ".docx"


def parameters_from_docx(*, data: bytes, max_bytes: int) -> dict[str, Any]:
    """What a .docx this service made says about itself: the normalised request it
    was drafted from, its input hash (and whether the request still matches it), the
    clause-library version and each clause's id and version.

    The embedded request is decoded strictly and validated again, so what comes back
    is always a request this service accepts.

    Raises:
        DocumentReadError: the upload is not a .docx this service made, is unsafe
            to read (see :func:`app.render.docx_reader.read_embedded`), or the request
            it carries is not valid JSON or not a valid request.
    """
    embedded = read_embedded(data, max_bytes=max_bytes)
    try:
        request = strict_json_loads(embedded.request_json)
    except ValueError as error:
        raise DocumentReadError(
            f"The request embedded in this .docx is not valid JSON ({error})."
        ) from None
    try:
        parse_request(request)
    except InvalidRequestError as error:
        raise DocumentReadError(
            f"The request embedded in this .docx is not one this service accepts: {error}"
        ) from None
    digest = hashlib.sha256(embedded.request_json.encode()).hexdigest()
    return {
        "request": request,
        "input_hash": embedded.input_hash,
        "input_hash_matches": digest == embedded.input_hash,
        "library_version": embedded.library_version,
        "clauses": [
            {"id": stamp.clause_id, "version": stamp.version} for stamp in embedded.clauses
        ],
    }
