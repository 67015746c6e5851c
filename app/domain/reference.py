"""Reference data: the 17 rare earths and the export controls that bear on them.

The facts live in ``app/data/elements.yaml`` and ``app/data/export_controls.yaml``,
each with its sources and the date it was last reviewed. This module loads and
checks them (:func:`load_reference_data`), serves them cached
(:func:`reference_data`) and says when they are too old to rely on
(:func:`review_warnings`).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from types import MappingProxyType

from app.domain.yaml_reader import YamlMapping, read_yaml_file
from app.errors import NotFoundError, ReferenceDataError

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
ELEMENTS_FILE = DATA_DIR / "elements.yaml"
CONTROLS_FILE = DATA_DIR / "export_controls.yaml"

FORMS = ("oxide", "metal", "alloy", "compound", "magnet")
STATUSES = ("in_force", "suspended", "lapsed", "revoked")
SCOPES = (
    "export",
    "extraterritorial",
    "end_use",
    "technology",
    "equipment",
    "procurement_origin",
)
ELEMENT_COUNT = 17
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def long_date(value: date) -> str:
    """Return ``value`` as a lawyer writes it: ``10 November 2026`` (locale-independent)."""
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


@dataclass(frozen=True, slots=True)
class Source:
    """Where a fact was read."""

    title: str
    url: str


@dataclass(frozen=True, slots=True)
class Element:
    """One rare earth. ``name`` is the lower-case English name (``dysprosium``).

    ``classification`` maps a scheme (``usgs``, ``industry``, ``china_2025``) to the
    element's group in it; ``hs_codes`` maps a traded form to its HS code (absent
    where no code is recorded); ``forms`` are the forms it is traded in.
    """

    symbol: str
    name: str
    atomic_number: int
    classification: Mapping[str, str]
    forms: tuple[str, ...]
    hs_codes: Mapping[str, str]
    bulk_traded: bool
    note: str

    @property
    def label(self) -> str:
        """Symbol and name, as in suggestions: ``Dy (dysprosium)``."""
        return f"{self.symbol} ({self.name})"


@dataclass(frozen=True, slots=True)
class ControlEntry:
    """One dated measure: an export-control announcement or an origin rule.

    ``forms`` are the request forms it covers; for the magnet form,
    ``magnet_elements`` are the elements whose magnets are covered outright and
    ``magnet_grade_dependent`` those whose magnets are covered only in grades
    containing a covered element (NdFeB with Tb or Dy). ``origin_countries``
    empty means goods of any origin; ``destination_countries`` empty means any
    destination. ``widens_on``/``widening`` record a dated extension of scope.
    """

    id: str
    regime: str
    authority: str
    announcement: str
    announced: date
    effective: date | None
    elements: tuple[str, ...]
    forms: tuple[str, ...]
    items: tuple[str, ...]
    control_codes: Mapping[str, str]
    scope: str
    status: str
    suspended_until: date | None
    suspended_by: str | None
    sources: tuple[Source, ...]
    note: str
    magnet_elements: tuple[str, ...] = ()
    magnet_grade_dependent: tuple[str, ...] = ()
    origin_countries: tuple[str, ...] = ()
    destination_countries: tuple[str, ...] = ()
    denies_military_end_users: bool = False
    widens_on: date | None = None
    widening: str = ""


@dataclass(frozen=True, slots=True)
class LicenceProcessing:
    """How long a Chinese export licence takes, and what an applicant must supply.

    Times are in working days; ``deadline_confirmed`` is False while the
    reported deadline is not confirmed as statute.
    """

    reported_deadline_working_days: int
    deadline_confirmed: bool
    industry_min_working_days: int
    industry_max_working_days: int
    documents_required: tuple[str, ...]
    general_licence_first_issued: date
    general_licence_term_months: int
    general_licence_note: str
    sources: tuple[Source, ...]
    note: str


@dataclass(frozen=True, slots=True)
class LegalBase:
    """A statute the controls rest on."""

    title: str
    in_force: date
    source: Source


@dataclass(frozen=True, slots=True)
class ReferenceData:
    """Everything loaded from the data files.

    ``reviewed`` is the older of the two files' review dates, the one that
    decides whether the data is still fresh enough to rely on.
    """

    elements: tuple[Element, ...]
    controls: tuple[ControlEntry, ...]
    licence_processing: LicenceProcessing
    reviewed: date
    sources: tuple[Source, ...]
    legal_bases: tuple[LegalBase, ...]

    @property
    def elements_by_symbol(self) -> Mapping[str, Element]:
        """The elements keyed by symbol, in atomic-number order."""
        return MappingProxyType({element.symbol: element for element in self.elements})

    def element(self, text: str) -> Element:
        """Return the element named by symbol or English name, in any case.

        Raises:
            NotFoundError: no such element; ``suggestion`` holds the closest
                ``"Dy (dysprosium)"`` when the text looks like a misspelling.
        """
        key = " ".join(text.split()).casefold()
        for element in self.elements:
            if key in (element.symbol.casefold(), element.name.casefold()):
                return element
        names = {element.name.casefold(): element for element in self.elements}
        close = difflib.get_close_matches(key, list(names), n=1, cutoff=0.75) if key else []
        suggestion = names[close[0]].label if close else None
        raise NotFoundError("element", text, suggestion)

    def controls_for(self, symbol: str) -> tuple[ControlEntry, ...]:
        """Return the entries naming the element ``symbol`` (any case), in file order."""
        wanted = symbol.strip().casefold()
        return tuple(
            entry
            for entry in self.controls
            if any(listed.casefold() == wanted for listed in entry.elements)
        )

    def control(self, entry_id: str) -> ControlEntry:
        """Return the entry with id ``entry_id``.

        Raises:
            NotFoundError: no entry has that id.
        """
        for entry in self.controls:
            if entry.id == entry_id:
                return entry
        raise NotFoundError("export-control entry", entry_id)


@cache
def reference_data() -> ReferenceData:
    """Return the packaged reference data, loaded and checked once per process.

    Raises:
        ReferenceDataError: a packaged file is missing or inconsistent.
    """
    return load_reference_data(elements_path=ELEMENTS_FILE, controls_path=CONTROLS_FILE)


def load_reference_data(*, elements_path: Path, controls_path: Path) -> ReferenceData:
    """Load and check both data files.

    Returns the data when every check passes: 17 elements with unique symbols,
    names and atomic numbers; known forms; every control naming existing
    elements; dates that parse; statuses and scopes from the allowed sets.

    Raises:
        ReferenceDataError: the first problem found, naming the file, the entry
            (index, id or symbol, and YAML line) and the reason.
    """
    elements_file = read_yaml_file(elements_path, error=ReferenceDataError)
    elements = _parse_elements(elements_file)
    controls_file = read_yaml_file(controls_path, error=ReferenceDataError)
    symbols = frozenset(element.symbol for element in elements)
    controls = _parse_controls(controls_file, symbols=symbols)
    legal_bases = tuple(
        LegalBase(
            title=base.text("title"),
            in_force=base.date("in_force"),
            source=_source(base.child("source")),
        )
        for base in controls_file.items("legal_bases")
    )
    return ReferenceData(
        elements=elements,
        controls=controls,
        licence_processing=_parse_processing(controls_file.child("licence_processing")),
        reviewed=min(elements_file.date("reviewed"), controls_file.date("reviewed")),
        sources=_sources(elements_file),
        legal_bases=legal_bases,
    )


def review_warnings(
    *, data: ReferenceData, today: date, max_age_days: int = 90, element: str | None = None
) -> list[str]:
    """Return the warnings a lawyer needs about the age of the reference data.

    One warning when ``data.reviewed`` is more than ``max_age_days`` before
    ``today``; one for each suspended entry whose suspension ended before
    ``today`` (its status is then unknown). With ``element`` (a symbol), only the
    entries that list that element count: a draft for lanthanum need not warn about
    a control on holmium. Empty when the data is fresh.
    """
    warnings: list[str] = []
    age = (today - data.reviewed).days
    if age > max_age_days:
        warnings.append(
            f"The reference data on rare earths and export controls was last reviewed on "
            f"{long_date(data.reviewed)}, {age} days ago (more than {max_age_days} days). "
            "The current control lists must be checked before this draft is relied on."
        )
    for entry in data.controls:
        if element is not None and element not in entry.elements:
            continue
        until = entry.suspended_until
        if entry.status == "suspended" and until is not None and until < today:
            where = "MOFCOM list" if entry.regime == "cn_export_control" else "official text"
            warnings.append(
                f"{entry.announcement} was suspended by {entry.suspended_by} until "
                f"{long_date(until)}, and that date has passed. Its status must be checked "
                f"against the current {where}."
            )
    return warnings


_COUNTRY_CODE = re.compile(r"[A-Z]{2}")


def _source(node: YamlMapping) -> Source:
    url = node.text("url")
    if not url.startswith(("https://", "http://")):
        raise node.error(f'"url" must be a web address, not {url!r}', "url")
    return Source(title=node.text("title"), url=url)


def _sources(node: YamlMapping) -> tuple[Source, ...]:
    sources = tuple(_source(item) for item in node.items("sources"))
    if not sources:
        raise node.error('"sources" must list at least one source')
    return sources


def _countries(node: YamlMapping, key: str) -> tuple[str, ...]:
    codes = node.texts(key)
    for code in codes:
        if not _COUNTRY_CODE.fullmatch(code):
            raise node.error(f'"{key}" must list ISO 3166 alpha-2 codes, not {code!r}', key)
    return codes


def _parse_elements(file: YamlMapping) -> tuple[Element, ...]:
    schemes = file.child("schemes")
    forms = frozenset(FORMS)
    elements: list[Element] = []
    for item in file.items("elements"):
        entry = item.named(item.text("symbol"))
        classification = entry.text_mapping("classification", keys=frozenset(schemes.keys))
        for scheme, group in classification.items():
            allowed = schemes.child(scheme).texts("values")
            if group not in allowed:
                raise entry.error(f"{scheme} group {group!r} is not one of {list(allowed)}")
        element = Element(
            symbol=entry.text("symbol"),
            name=entry.text("name"),
            atomic_number=entry.integer("atomic_number"),
            classification=MappingProxyType(classification),
            forms=entry.texts("forms", allowed=forms),
            hs_codes=MappingProxyType(entry.text_mapping("hs_codes", keys=forms)),
            bulk_traded=entry.flag("bulk_traded"),
            note=entry.optional_text("note") or "",
        )
        for earlier in elements:
            for attribute in ("symbol", "name", "atomic_number"):
                if getattr(earlier, attribute) == getattr(element, attribute):
                    raise entry.error(f"{attribute} {getattr(element, attribute)!r} is used twice")
        elements.append(element)
    if len(elements) != ELEMENT_COUNT:
        raise file.error(f"must list the {ELEMENT_COUNT} rare earths, found {len(elements)}")
    return tuple(sorted(elements, key=lambda element: element.atomic_number))


def _parse_control(entry: YamlMapping, *, symbols: frozenset[str]) -> ControlEntry:
    status, scope = entry.text("status"), entry.text("scope")
    if status not in STATUSES:
        raise entry.error(f"status {status!r} is not one of {list(STATUSES)}", "status")
    if scope not in SCOPES:
        raise entry.error(f"scope {scope!r} is not one of {list(SCOPES)}", "scope")
    suspended_until = entry.optional_date("suspended_until")
    if status != "suspended" and suspended_until is not None:
        raise entry.error(f'"suspended_until" is set but the status is {status!r}')
    magnets = entry.child("magnets") if entry.has("magnets") else None
    return ControlEntry(
        id=entry.text("id"),
        regime=entry.text("regime"),
        authority=entry.text("authority"),
        announcement=entry.text("announcement"),
        announced=entry.date("announced"),
        effective=entry.optional_date("effective"),
        elements=entry.texts("elements", allowed=symbols),
        forms=entry.texts("forms", allowed=frozenset(FORMS)),
        items=entry.texts("items"),
        control_codes=MappingProxyType(entry.text_mapping("control_codes", keys=symbols)),
        scope=scope,
        status=status,
        suspended_until=suspended_until,
        suspended_by=entry.text("suspended_by") if status == "suspended" else None,
        sources=_sources(entry),
        note=entry.optional_text("note") or "",
        magnet_elements=magnets.texts("covered", allowed=symbols) if magnets else (),
        magnet_grade_dependent=(
            magnets.texts("depends_on_grade", allowed=symbols) if magnets else ()
        ),
        origin_countries=_countries(entry, "origin_countries"),
        destination_countries=_countries(entry, "destination_countries"),
        denies_military_end_users=entry.flag("denies_military_end_users", default=False),
        widens_on=entry.optional_date("widens_on"),
        widening=entry.optional_text("widening") or "",
    )


def _parse_controls(file: YamlMapping, *, symbols: frozenset[str]) -> tuple[ControlEntry, ...]:
    controls: list[ControlEntry] = []
    for item in file.items("controls"):
        entry = item.named(item.text("id"))
        control = _parse_control(entry, symbols=symbols)
        if any(earlier.id == control.id for earlier in controls):
            raise entry.error(f"id {control.id!r} is used twice", "id")
        controls.append(control)
    return tuple(controls)


def _parse_processing(node: YamlMapping) -> LicenceProcessing:
    low, high = node.integer("industry_min_working_days"), node.integer("industry_max_working_days")
    if not 0 < low <= high:
        raise node.error("the industry range must run from a positive minimum up to the maximum")
    general = node.child("general_licence")
    return LicenceProcessing(
        reported_deadline_working_days=node.integer("reported_deadline_working_days"),
        deadline_confirmed=node.flag("reported_deadline_confirmed"),
        industry_min_working_days=low,
        industry_max_working_days=high,
        documents_required=node.texts("documents_required"),
        general_licence_first_issued=general.date("first_issued"),
        general_licence_term_months=general.integer("term_months"),
        general_licence_note=general.optional_text("note") or "",
        sources=_sources(node),
        note=node.optional_text("note") or "",
    )
