"""The rules behind :func:`app.domain.licensing.assess_licensing`.

Which control entries bear on a supply, and how: an entry's status is read over the
contract term (not just today), the magnet form has its own coverage rule, and each
rule records what it found in a :class:`Findings`. The choices made where the facts
run out are listed in the docstring of :mod:`app.domain.licensing`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from app.domain.countries import country_name
from app.domain.reference import ControlEntry, Element, ReferenceData, Source, long_date

CHINA = "CN"
PRC_REGIME = "cn_export_control"
DFARS_REGIME = "us_dfars"

Coverage = Literal["covered", "grade_dependent", "not_covered"]

_PRODUCT = {
    "oxide": "{} oxide",
    "metal": "{} metal",
    "alloy": "{} alloys",
    "compound": "{} compounds",
    "magnet": "magnets containing {}",
}


def product(element: Element, form: str) -> str:
    """The goods in words: ``dysprosium oxide``, ``magnets containing samarium``."""
    return _PRODUCT[form].format(element.name)


def join_words(items: Iterable[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    listed = list(items)
    return ", ".join(listed[:-1]) + f" and {listed[-1]}" if len(listed) > 1 else "".join(listed)


@dataclass(frozen=True, slots=True)
class Term:
    """The contract period. ``start`` is the contract start or, when unknown, today."""

    start: date
    end: date | None
    start_text: str

    @classmethod
    def of(cls, *, start_date: date | None, end_date: date | None, today: date) -> Term:
        """The term from the request's dates, falling back to ``today`` for the start."""
        if start_date is None:
            return cls(start=today, end=end_date, start_text=f"today ({long_date(today)})")
        return cls(start_date, end_date, f"the term starts on {long_date(start_date)}")


@dataclass(frozen=True, slots=True)
class StatusVerdict:
    """An entry's effect over a term.

    ``controlled``: True (in force), False (suspended) or None (a suspension has
    ended and the current status is not recorded). ``resumes_in_term``: a
    suspension may end before the term does. ``status_text`` completes a reason
    ("...; suspended until 10 November 2026."); ``warning`` is for the report.
    """

    controlled: bool | None
    resumes_in_term: bool
    status_text: str
    warning: str | None


def status_over_term(entry: ControlEntry, term: Term) -> StatusVerdict | None:
    """Return the entry's effect over ``term``, or None when it cannot apply.

    Revoked and lapsed entries, and entries taking effect after the term, cannot
    apply. A suspension "until" a date covers that date.
    """
    if entry.status in ("revoked", "lapsed"):
        return None
    if entry.status == "in_force":
        if entry.effective is not None and term.end is not None and entry.effective > term.end:
            return None
        since = f" since {long_date(entry.effective)}" if entry.effective else ""
        return StatusVerdict(True, False, f"in force{since}", None)
    name, until = entry.announcement, entry.suspended_until
    if until is None:
        warning = f"{name} is suspended without an end date and may be reinstated at any time."
        return StatusVerdict(False, False, "suspended without an end date", warning)
    until_text = long_date(until)
    if until < term.start:
        warning = (
            f"The suspension of {name} ended on {until_text}, before {term.start_text}. "
            "Whether it now applies must be checked against the current MOFCOM list."
        )
        status = f"suspended until {until_text}; current status not recorded"
        return StatusVerdict(None, False, status, warning)
    if term.end is not None and until >= term.end:
        warning = (
            f"{name} is suspended until {until_text}, after the term ends; suspensions can "
            "be lifted early and lists widened at short notice."
        )
        return StatusVerdict(False, False, f"suspended until {until_text}, after the term", warning)
    when = "within the term" if term.end else "possibly within the term (its end is not known)"
    warning = (
        f"{name} is suspended until {until_text}; unless the suspension is extended it applies "
        f"again from then, {when}, and later deliveries would need a licence."
    )
    return StatusVerdict(False, True, f"suspended until {until_text}", warning)


def coverage(entry: ControlEntry, *, symbol: str, form: str) -> Coverage:
    """Whether ``entry`` covers ``symbol`` supplied in ``form``.

    For the magnet form, an entry with magnet lists decides by them: listed in
    ``magnet_elements`` -> covered; in ``magnet_grade_dependent`` -> covered only
    in some grades. Otherwise the element and the form must both be listed.
    """
    if form == "magnet" and (entry.magnet_elements or entry.magnet_grade_dependent):
        if symbol in entry.magnet_elements:
            return "covered"
        return "grade_dependent" if symbol in entry.magnet_grade_dependent else "not_covered"
    return "covered" if symbol in entry.elements and form in entry.forms else "not_covered"


@dataclass(frozen=True, slots=True)
class AppliedControl:
    """An entry that bears on the supply, with why and in what state."""

    entry_id: str
    announcement: str
    status: str
    effective: date | None
    suspended_until: date | None
    reason: str
    sources: tuple[Source, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, dates as ISO strings."""
        return {
            "id": self.entry_id,
            "announcement": self.announcement,
            "status": self.status,
            "effective": self.effective.isoformat() if self.effective else None,
            "suspended_until": self.suspended_until.isoformat() if self.suspended_until else None,
            "reason": self.reason,
            "sources": [{"title": source.title, "url": source.url} for source in self.sources],
        }


@dataclass(slots=True)
class Findings:
    """What the rules found. ``deciding`` names the export entries behind ``controlled``."""

    applied: list[AppliedControl] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    deciding: list[str] = field(default_factory=list)
    controlled: bool | None = False
    resumes_in_term: bool = False
    suspended: bool = False
    foreign_made: bool = False
    military_denial_by: str | None = None
    defence_origin_reason: str | None = None
    defence_origin_source: str = ""

    def apply(self, entry: ControlEntry, reason: str) -> None:
        """Record that ``entry`` bears on the supply, and why."""
        self.applied.append(
            AppliedControl(
                entry_id=entry.id,
                announcement=entry.announcement,
                status=entry.status,
                effective=entry.effective,
                suspended_until=entry.suspended_until,
                reason=reason,
                sources=entry.sources,
            )
        )

    def warn(self, text: str | None) -> None:
        """Add a warning once."""
        if text and text not in self.warnings:
            self.warnings.append(text)


def apply_prc_exports(
    found: Findings, *, element: Element, form: str, term: Term, data: ReferenceData
) -> None:
    """Apply the PRC export entries, as for goods of Chinese origin; sets ``controlled``."""
    values: list[bool | None] = []
    for entry in data.controls:
        if entry.regime != PRC_REGIME or entry.scope != "export":
            continue
        covers = coverage(entry, symbol=element.symbol, form=form)
        verdict = status_over_term(entry, term)
        if covers == "not_covered" or verdict is None:
            continue
        value = verdict.controlled
        what = f"Lists {product(element, form)}"
        if covers == "grade_dependent":
            what = "Covers NdFeB magnets only in grades containing terbium or dysprosium"
            if value is True:
                value = None
                found.warn(
                    f"{entry.announcement} covers NdFeB magnets only in grades containing "
                    "terbium or dysprosium; state whether the magnets contain either."
                )
        found.apply(entry, f"{what}; {verdict.status_text}.")
        found.warn(verdict.warning)
        found.deciding.append(entry.announcement)
        values.append(value)
        found.resumes_in_term |= verdict.resumes_in_term
        found.suspended |= verdict.controlled is False
    found.controlled = True if True in values else None if None in values else False


def apply_prc_beyond_exports(
    found: Findings,
    *,
    element: Element,
    form: str,
    origin: str | None,
    term: Term,
    data: ReferenceData,
) -> None:
    """Apply PRC entries that reach past Chinese exports (No. 61: the 0.1 % rule for goods
    made abroad, and the denial of military end users)."""
    for entry in data.controls:
        if entry.regime != PRC_REGIME or entry.scope != "extraterritorial":
            continue
        reasons = []
        abroad = origin != CHINA and form in entry.forms
        if abroad:
            reasons.append(
                "Reaches goods made outside China with 0.1 % or more by value of Chinese-origin "
                f"controlled rare earths, which non-Chinese {form}s may contain"
            )
        if origin in (None, CHINA) and element.symbol in entry.elements:
            reasons.append("Applies to the listed rare earths exported from China")
        verdict = status_over_term(entry, term)
        if not reasons or verdict is None:
            continue
        if entry.denies_military_end_users:
            reasons.append("denies licences for military end users")
            found.military_denial_by = found.military_denial_by or entry.announcement
        found.apply(entry, f"{'; '.join(reasons)}; {verdict.status_text}.")
        found.warn(verdict.warning)
        found.foreign_made |= abroad


def apply_defence_origin(
    found: Findings,
    *,
    element: Element,
    form: str,
    destination: str | None,
    term: Term,
    data: ReferenceData,
) -> None:
    """Apply the US defence origin rule (DFARS) for magnets, and for every form of its
    elements when the term reaches the date the rule widens to upstream material."""
    for entry in data.controls:
        if entry.regime != DFARS_REGIME or element.symbol not in entry.elements:
            continue
        widens = entry.widens_on
        widened = widens is not None and (term.end is None or term.end >= widens)
        verdict = status_over_term(entry, term)
        if destination not in entry.destination_countries or verdict is None:
            continue
        if form not in entry.forms and not widened:
            continue
        countries = join_words(country_name(code) for code in entry.origin_countries)
        reason = f"Bars SmCo and NdFeB magnets from {countries} in US defence contracts"
        if widens is not None and widened:
            reason += (
                f"; from {long_date(widens)}, within the term, it also reaches material mined, "
                "refined or separated there"
            )
        found.apply(entry, f"{reason}; {verdict.status_text}.")
        found.defence_origin_reason = reason
        found.defence_origin_source = entry.announcement
