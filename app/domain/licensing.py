"""The licensing assessment: does this supply need a Chinese export licence, and what follows.

Pure rules over :class:`~app.domain.reference.ReferenceData`; no I/O. The rules, and
the choices made where the facts run out:

* **Origin.** China (``CN``) is checked against the export entries of the PRC regime
  that cover the element *and* the form. An unknown origin is treated as possibly
  Chinese: where Chinese material would need a licence, the answer is uncertain
  (``controlled`` None), never a silent "no". Any other origin needs no PRC licence,
  but a non-Chinese magnet or alloy may contain Chinese-origin material, so the
  0.1 % rule (No. 61) is noted. Origin equal to destination is not an export.
* **Magnets.** No. 18 covers SmCo (Sm) and NdFeB containing Tb or Dy. A Sm, Tb or Dy
  magnet is covered; an Nd or Pr magnet is NdFeB whose grade may or may not contain
  Tb/Dy, so it is uncertain (None) with a warning to state the grade.
* **Status over the term** (start = contract start, or ``today`` when unknown):
  in force -> controlled; suspended until a date before the start -> the suspension
  has ended and the status is not recorded -> uncertain; suspended past the end of
  the term -> not controlled, moderate risk; suspended until a date within the term
  (or the end is unknown) -> not controlled now, high risk, and the licence delay is
  still planned for (prudence: later deliveries would need licences); revoked or
  lapsed -> not applicable.
* **Delay.** Expected licence time = midpoint of the industry range of working days,
  spread (standard deviation) = range / 4; both converted to calendar days by x 7/5
  and rounded up. Zero when no licence is expected; the controlled figures when the
  answer is uncertain.
* **US destination.** DFARS 252.225-7052 asks for an origin clause for magnets, and
  for every form of its elements when the term reaches its widening date (2027-01-01).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from app.domain.countries import country_name
from app.domain.licensing_rules import (
    CHINA,
    AppliedControl,
    Findings,
    Term,
    apply_defence_origin,
    apply_prc_beyond_exports,
    apply_prc_exports,
    join_words,
    product,
)
from app.domain.reference import FORMS, Element, LicenceProcessing, ReferenceData, long_date

__all__ = [
    "MECHANISM_IDS",
    "AppliedControl",
    "LicensingAssessment",
    "Mechanism",
    "Risk",
    "assess_licensing",
    "licence_delay_days",
]

Risk = Literal["low", "moderate", "high", "uncertain"]

# The mechanism vocabulary, in the order a draft presents them.
LICENCE_CONDITION_PRECEDENT = "licence_condition_precedent"
LONG_STOP = "long_stop"
END_USER_DOCUMENTS = "end_user_documents"
STATUS_REPORTING = "status_reporting"
ALLOCATION = "allocation"
SUBSTITUTION = "substitution"
CHANGE_OF_LAW = "change_of_law"
COST_REVIEW = "cost_review"
TERMINATION_FOR_REFUSAL = "termination_for_refusal"
COMPLIANCE_UNDERTAKINGS = "compliance_undertakings"
MILITARY_END_USER_DENIAL = "military_end_user_denial"
DEFENCE_ORIGIN = "defence_origin"
MECHANISM_IDS = (
    LICENCE_CONDITION_PRECEDENT,
    LONG_STOP,
    END_USER_DOCUMENTS,
    STATUS_REPORTING,
    ALLOCATION,
    SUBSTITUTION,
    CHANGE_OF_LAW,
    COST_REVIEW,
    TERMINATION_FOR_REFUSAL,
    COMPLIANCE_UNDERTAKINGS,
    MILITARY_END_USER_DENIAL,
    DEFENCE_ORIGIN,
)
PRACTICE = "Supply-contract practice (GAFTA 78; published licensing and shortage clauses)"
_PRACTICE_REASONS = {
    STATUS_REPORTING: "The seller should report the application's progress, any refusal or "
    "delay with reasons, and any change in the rules, promptly.",
    ALLOCATION: "If licensed quantities fall short, the contract should say how available "
    "material is shared: safety stock first, then pro rata.",
    SUBSTITUTION: "Substitute sources or products, with the buyer's consent and at an agreed "
    "price, keep supply going when a licence is refused.",
    COST_REVIEW: "Licence costs, and the price effect of new or changed controls, need an "
    "agreed allocation and a price review.",
    TERMINATION_FOR_REFUSAL: "If licences are refused or delayed beyond a set period, the "
    "affected quantity or the whole agreement can be ended.",
    CHANGE_OF_LAW: "China's control lists have grown and shrunk at short notice since 2025; "
    "a change-of-law clause deals with controls that appear or change during the term.",
    COMPLIANCE_UNDERTAKINGS: "Export-control and sanctions representations, no diversion "
    "contrary to end-use undertakings, and records for audit.",
}


@dataclass(frozen=True, slots=True)
class Mechanism:
    """A contract mechanism the draft should contain; ``id`` is one of MECHANISM_IDS."""

    id: str
    reason: str
    source: str


@dataclass(frozen=True, slots=True)
class LicensingAssessment:
    """The outcome. ``controlled`` is None when the facts given cannot settle it.

    Delays are in calendar days; ``delay_basis`` says how they were derived.
    """

    controlled: bool | None
    licence_required_per_shipment: bool | None
    applicable: tuple[AppliedControl, ...]
    expected_delay_days: int
    delay_sd_days: int
    delay_basis: str
    risk: Risk
    mechanisms: tuple[Mechanism, ...]
    warnings: tuple[str, ...]
    summary: str

    @property
    def mechanism_ids(self) -> frozenset[str]:
        """The ids of :attr:`mechanisms`."""
        return frozenset(mechanism.id for mechanism in self.mechanisms)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for the report (dates as ISO strings)."""
        return {
            "controlled": self.controlled,
            "licence_required_per_shipment": self.licence_required_per_shipment,
            "risk": self.risk,
            "expected_delay_days": self.expected_delay_days,
            "delay_sd_days": self.delay_sd_days,
            "delay_basis": self.delay_basis,
            "applicable": [control.to_dict() for control in self.applicable],
            "mechanisms": [
                {"id": m.id, "reason": m.reason, "source": m.source} for m in self.mechanisms
            ],
            "warnings": list(self.warnings),
            "summary": self.summary,
        }


def licence_delay_days(*, processing: LicenceProcessing) -> tuple[int, int, str]:
    """Return (expected, standard deviation, basis) of one licence, in calendar days."""
    low, high = processing.industry_min_working_days, processing.industry_max_working_days
    expected = math.ceil((low + high) / 2 * 7 / 5)
    spread = math.ceil((high - low) / 4 * 7 / 5)
    basis = (
        f"Midpoint of the reported range of {low} to {high} working days, with a standard "
        "deviation of a quarter of the range, converted to calendar days (x 7/5, rounded up)."
    )
    return expected, spread, basis


def assess_licensing(
    *,
    element: Element,
    form: str,
    origin: str | None,
    destination: str | None,
    start_date: date | None,
    end_date: date | None,
    data: ReferenceData,
    today: date,
) -> LicensingAssessment:
    """Assess the export licensing of supplying ``element`` in ``form``.

    ``origin``/``destination`` are ISO 3166 alpha-2 codes, None when unknown; the
    dates are None when unknown (the term then starts ``today``). Returns the
    assessment; the rules are in the module docstring.

    Raises:
        ValueError: ``form`` is not one of :data:`~app.domain.reference.FORMS`
            (a programming error: the request model validates forms).
    """
    if form not in FORMS:
        raise ValueError(f"form must be one of {FORMS}, not {form!r}")
    origin = origin.strip().upper() if origin else None
    destination = destination.strip().upper() if destination else None
    term = Term.of(start_date=start_date, end_date=end_date, today=today)
    found = Findings()
    name = element.name.capitalize()
    if not element.bulk_traded:
        found.warn(element.note or f"{name} is not traded in bulk.")
    elif form not in element.forms:
        found.warn(f"{name} is not usually traded as {form}; check the form.")
    domestic = origin is not None and origin == destination
    if domestic:
        found.warn(
            "The origin and the destination are the same country, so the supply itself is "
            "not an export; a later export by the buyer may still need a licence."
        )
    else:
        if origin in (None, CHINA):
            apply_prc_exports(found, element=element, form=form, term=term, data=data)
        if origin is None:
            found.warn(
                "The country of origin is not stated, so the material is treated as possibly "
                "Chinese; stating the origin settles the licensing position."
            )
            found.controlled = None if found.controlled is True else found.controlled
        apply_prc_beyond_exports(
            found, element=element, form=form, origin=origin, term=term, data=data
        )
    apply_defence_origin(
        found, element=element, form=form, destination=destination, term=term, data=data
    )

    controlled = found.controlled
    licensing = controlled is not False or found.resumes_in_term
    risk: Risk = "low"
    if controlled is True or found.resumes_in_term:
        risk = "high"
    elif controlled is None:
        risk = "uncertain"
    elif found.suspended or found.foreign_made:
        risk = "moderate"
    expected, spread, basis = licence_delay_days(processing=data.licence_processing)
    if licensing:
        processing = data.licence_processing
        first_issued = long_date(processing.general_licence_first_issued)
        found.warn(
            f"General licences (first issued on {first_issued}, valid "
            f"{processing.general_licence_term_months} months) cover only named "
            "customers; the draft assumes a licence for each shipment."
        )
    else:
        expected, spread = 0, 0
        basis = "No export licence is expected, so no licence delay is planned for."
    mechanisms = _mechanisms(found, data, licensing=licensing)
    where = (
        "of unstated origin"
        if origin is None
        else "of Chinese origin"
        if origin == CHINA
        else f"from {country_name(origin)}"
    )
    supplying = f"supplying {product(element, form)} {where}"
    delay = f"about {expected} calendar days per licence (standard deviation {spread} days)"
    return LicensingAssessment(
        controlled=controlled,
        licence_required_per_shipment=controlled,
        applicable=tuple(found.applied),
        expected_delay_days=expected,
        delay_sd_days=spread,
        delay_basis=basis,
        risk=risk,
        mechanisms=mechanisms,
        warnings=tuple(found.warnings),
        summary=_summary(supplying, found, risk, delay, domestic=domestic, reviewed=data.reviewed),
    )


def _mechanisms(found: Findings, data: ReferenceData, *, licensing: bool) -> tuple[Mechanism, ...]:
    """The mechanisms the findings call for, in MECHANISM_IDS order."""
    processing = data.licence_processing
    source = found.deciding[0] if found.deciding else PRACTICE
    chosen: dict[str, Mechanism] = {}

    def add(mechanism_id: str, reason: str | None = None, origin: str = PRACTICE) -> None:
        text = reason or _PRACTICE_REASONS[mechanism_id]
        chosen.setdefault(mechanism_id, Mechanism(mechanism_id, text, origin))

    if licensing:
        add(
            LICENCE_CONDITION_PRECEDENT,
            "Each delivery depends on a Chinese export licence; making the licence a condition "
            "precedent to each delivery puts that dependency in the contract.",
            source,
        )
        add(
            LONG_STOP,
            f"Licences have taken from {processing.industry_min_working_days} to "
            f"{processing.industry_max_working_days} working days or been refused; a long-stop "
            "date lets either party cancel the affected quantity instead of waiting.",
            source,
        )
        add(
            END_USER_DOCUMENTS,
            f"The application needs {join_words(processing.documents_required)}; the buyer "
            "must supply them within a set time.",
            source,
        )
        add(SUBSTITUTION)
        add(TERMINATION_FOR_REFUSAL)
    if licensing or found.suspended or found.foreign_made:
        add(STATUS_REPORTING)
        add(ALLOCATION)
        add(COST_REVIEW)
    add(CHANGE_OF_LAW)
    if found.applied:
        add(COMPLIANCE_UNDERTAKINGS)
    if found.military_denial_by:
        add(
            MILITARY_END_USER_DENIAL,
            f"{found.military_denial_by} denies licences for military end users: the buyer "
            "should confirm that the goods are not for a military end use.",
            found.military_denial_by,
        )
    if found.defence_origin_reason:
        add(
            DEFENCE_ORIGIN,
            f"{found.defence_origin_reason}. The seller should warrant and document the origin "
            "of the goods and of the material in them.",
            found.defence_origin_source,
        )
    return tuple(chosen[i] for i in MECHANISM_IDS if i in chosen)


def _summary(
    supplying: str, found: Findings, risk: Risk, delay: str, *, domestic: bool, reviewed: date
) -> str:
    """Two plain sentences: the answer, then what the draft does about it."""
    names = join_words(dict.fromkeys(found.deciding))
    if domestic:
        first = f"{supplying} is not an export, so it needs no export licence"
        second = "The draft keeps a change-of-law clause in case the goods are later exported."
    elif found.controlled is True:
        first = f"{supplying} needs a Chinese export licence under {names}"
        second = (
            f"The draft plans for {delay}, makes each delivery conditional on a licence and "
            "sets a long-stop date."
        )
    elif found.controlled is None:
        first = f"whether {supplying} needs a Chinese export licence is not settled by the facts"
        second = f"The draft treats it as licensable, with {delay}, until a lawyer confirms it."
    elif risk == "high":
        first = f"{supplying} needs no Chinese export licence while {names} is suspended"
        second = (
            f"The suspension may end within the term, so the draft plans for {delay} on "
            "later deliveries."
        )
    elif risk == "moderate":
        cause = names or "China's 0.1 % rule for goods made abroad"
        first = f"{supplying} needs no Chinese export licence at present"
        second = (
            f"The draft keeps reporting, allocation and change-of-law clauses because {cause} "
            "may come to apply during the term."
        )
    else:
        first = (
            f"{supplying} needs no Chinese export licence on the lists as reviewed on "
            f"{long_date(reviewed)}"
        )
        second = "The draft keeps a change-of-law clause because the lists have changed before."
    return f"{first[0].upper()}{first[1:]}. {second}"
