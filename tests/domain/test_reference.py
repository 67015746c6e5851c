"""Reference data: the packaged files, element lookup, file checks, review warnings."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from app.domain.reference import (
    CONTROLS_FILE,
    ELEMENTS_FILE,
    ReferenceData,
    load_reference_data,
    long_date,
    reference_data,
    review_warnings,
)
from app.errors import NotFoundError, ReferenceDataError

DATA = reference_data()
ALL_SYMBOLS: tuple[str, ...] = ("Sc", "Y", "La", "Ce", "Pr", "Nd", "Pm", "Sm", "Eu", "Gd")
ALL_SYMBOLS += ("Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu")
CHINA_2025_LISTED = {"Sm", "Gd", "Tb", "Dy", "Lu", "Sc", "Y", "Ho", "Er", "Tm", "Eu", "Yb"}
SUSPENDED_BY_NO_70 = ("cn-mofcom-2025-57", "cn-mofcom-2025-61", "cn-mofcom-2025-62")


def test_seventeen_elements_in_atomic_number_order() -> None:
    numbers = [element.atomic_number for element in DATA.elements]
    assert numbers == [21, 39, *range(57, 72)]
    assert tuple(DATA.elements_by_symbol) == ALL_SYMBOLS


def test_only_promethium_is_not_bulk_traded() -> None:
    not_traded = [element.symbol for element in DATA.elements if not element.bulk_traded]
    assert not_traded == ["Pm"]
    promethium = DATA.elements_by_symbol["Pm"]
    assert "radioactive" in promethium.note.lower()
    assert promethium.forms == ()


@pytest.mark.parametrize(
    ("text", "symbol"),
    [
        ("Dy", "Dy"),
        ("dy", "Dy"),
        ("DY", "Dy"),
        ("Dysprosium", "Dy"),
        ("  dysprosium\t", "Dy"),
        ("Y", "Y"),
        ("yttrium", "Y"),
        ("Yb", "Yb"),
        ("lu", "Lu"),
        ("Promethium", "Pm"),
        ("NEODYMIUM", "Nd"),
    ],
)
def test_element_by_symbol_or_name(text: str, symbol: str) -> None:
    assert DATA.element(text).symbol == symbol


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("dysprosum", "Dy (dysprosium)"),
        ("neodynium", "Nd (neodymium)"),
        ("lanthanium", "La (lanthanum)"),
        ("terbum", "Tb (terbium)"),
        ("ytterbum", "Yb (ytterbium)"),
        ("yttrum", "Y (yttrium)"),
        ("prasedymium", "Pr (praseodymium)"),
        ("iron", None),
        ("Dz", None),
        ("", None),
    ],
)
def test_unknown_element_suggests_the_closest(text: str, suggestion: str | None) -> None:
    with pytest.raises(NotFoundError) as caught:
        DATA.element(text)
    assert caught.value.kind == "element"
    assert caught.value.suggestion == suggestion
    if suggestion:
        assert suggestion in str(caught.value)


@pytest.mark.parametrize(
    ("symbol", "usgs", "industry", "china_2025"),
    [
        ("Sc", "none", "none", "medium_and_heavy"),
        ("Y", "heavy", "heavy", "medium_and_heavy"),
        ("La", "light", "light", "not_listed"),
        ("Nd", "light", "light", "not_listed"),
        ("Sm", "light", "medium", "medium_and_heavy"),
        ("Eu", "light", "medium", "medium_and_heavy"),
        ("Gd", "light", "medium", "medium_and_heavy"),
        ("Tb", "heavy", "heavy", "medium_and_heavy"),
        ("Lu", "heavy", "heavy", "medium_and_heavy"),
    ],
)
def test_classification_per_scheme(symbol: str, usgs: str, industry: str, china_2025: str) -> None:
    classification = DATA.elements_by_symbol[symbol].classification
    assert dict(classification) == {"usgs": usgs, "industry": industry, "china_2025": china_2025}


def test_china_2025_lists_twelve_elements() -> None:
    listed = {e.symbol for e in DATA.elements if e.classification["china_2025"] != "not_listed"}
    assert listed == CHINA_2025_LISTED


@pytest.mark.parametrize(
    ("symbol", "form", "code"),
    [
        ("Dy", "metal", "2805301200"),
        ("Tb", "metal", "2805301300"),
        ("Dy", "magnet", "8505111000"),
        ("Nd", "magnet", "8505.11"),
        ("Ce", "oxide", "2846.10"),
        ("Ce", "compound", "2846.10"),
        ("Nd", "oxide", "2846.90"),
        ("Y", "metal", "2805.30"),
        ("Sc", "metal", "2805.30"),
    ],
)
def test_hs_codes(symbol: str, form: str, code: str) -> None:
    assert DATA.elements_by_symbol[symbol].hs_codes[form] == code


@pytest.mark.parametrize(
    ("entry_id", "elements", "status", "suspended_until"),
    [
        ("cn-mofcom-2025-18", "Sm Gd Tb Dy Lu Sc Y", "in_force", None),
        ("cn-mofcom-2025-57", "Ho Er Tm Eu Yb", "suspended", date(2026, 11, 10)),
        (
            "cn-mofcom-2025-61",
            "Sm Gd Tb Dy Lu Sc Y Ho Er Tm Eu Yb",
            "suspended",
            date(2026, 11, 10),
        ),
        ("cn-mofcom-2025-62", "", "suspended", date(2026, 11, 10)),
        ("cn-mofcom-2025-56", "", "suspended", date(2026, 11, 10)),
        ("us-dfars-252-225-7052", "Sm Nd Pr Dy Tb", "in_force", None),
    ],
)
def test_control_entries(
    entry_id: str, elements: str, status: str, suspended_until: date | None
) -> None:
    entry = DATA.control(entry_id)
    assert set(entry.elements) == set(elements.split())
    assert (entry.status, entry.suspended_until) == (status, suspended_until)
    assert entry.sources


def test_announcement_18_facts() -> None:
    entry = DATA.control("cn-mofcom-2025-18")
    assert (entry.announced, entry.effective) == (date(2025, 4, 4), date(2025, 4, 4))
    assert dict(entry.control_codes) == {"Sm": "1C902", "Gd": "1C903"}
    assert entry.magnet_elements == ("Sm", "Tb", "Dy")
    assert entry.magnet_grade_dependent == ("Nd", "Pr")
    assert DATA.control("cn-mofcom-2025-57").effective == date(2025, 11, 8)
    assert DATA.control("us-dfars-252-225-7052").widens_on == date(2027, 1, 1)


def test_licence_processing() -> None:
    processing = DATA.licence_processing
    assert processing.reported_deadline_working_days == 45
    assert not processing.deadline_confirmed
    assert (processing.industry_min_working_days, processing.industry_max_working_days) == (5, 60)
    assert processing.general_licence_first_issued == date(2025, 12, 2)
    assert processing.general_licence_term_months == 12


def test_controls_for_and_unknown_entry() -> None:
    assert [entry.id for entry in DATA.controls_for("ho")] == [
        "cn-mofcom-2025-57",
        "cn-mofcom-2025-61",
    ]
    assert DATA.controls_for("La") == ()
    with pytest.raises(NotFoundError):
        DATA.control("cn-mofcom-2025-99")


def test_reference_data_is_cached() -> None:
    assert reference_data() is reference_data()
    assert reference_data() == DATA


# --- broken files -------------------------------------------------------------------

ELEMENTS, CONTROLS = "elements.yaml", "export_controls.yaml"


@pytest.mark.parametrize(
    ("file_name", "old", "new", "expected"),
    [
        (ELEMENTS, "  - symbol: Lu\n", "  - symbol: Yb\n", ["elements[16] (Yb)", "used twice"]),
        (
            ELEMENTS,
            '    forms: [oxide, metal, alloy, compound]\n    hs_codes: {oxide: "2846.10"',
            '    forms: [oxide, powder]\n    hs_codes: {oxide: "2846.10"',
            ["(Ce)", "'powder'"],
        ),
        (
            ELEMENTS,
            "{usgs: none, industry: none,",
            "{usgs: middle, industry: none,",
            ["(Sc)", "'middle'"],
        ),
        (ELEMENTS, 'metal: "2805301200"', "metal: 2805301200", ["(Dy)", "quote it"]),
        (ELEMENTS, "reviewed: 2026-11-30", "reviewed: 2026-13-30", ["reviewed", "date"]),
        (ELEMENTS, "    bulk_traded: false", "    bulk_traded: no way", ["(Pm)", "true or false"]),
        (
            CONTROLS,
            "status: in_force\n    suspended_until: null\n    suspended_by: null\n"
            "    denies_military_end_users: false\n    note: >-\n      Effective",
            "status: paused\n    suspended_until: null\n    suspended_by: null\n"
            "    denies_military_end_users: false\n    note: >-\n      Effective",
            ["(cn-mofcom-2025-18)", "'paused'"],
        ),
        (
            CONTROLS,
            "elements: [Ho, Er, Tm, Eu, Yb]",
            "elements: [Ho, Er, Tm, Eu, Xx]",
            ["(cn-mofcom-2025-57)", "'Xx'"],
        ),
        (
            CONTROLS,
            "effective: 2025-11-08",
            "effective: 2025-11-31",
            ["(cn-mofcom-2025-57)", "date"],
        ),
        (
            CONTROLS,
            "id: cn-mofcom-2025-62",
            "id: cn-mofcom-2025-61",
            ["controls[3] (cn-mofcom-2025-61)", "used twice"],
        ),
        (CONTROLS, "scope: technology", "scope: services", ["(cn-mofcom-2025-62)", "'services'"]),
        (
            CONTROLS,
            "origin_countries: [CN, RU, KP, IR]",
            "origin_countries: [China]",
            ["(us-dfars-252-225-7052)", "alpha-2"],
        ),
        (
            CONTROLS,
            "industry_max_working_days: 60",
            "industry_max_working_days: 4",
            ["licence_processing", "industry range"],
        ),
        (CONTROLS, "controls:\n", "controls: [\n", ["not valid YAML"]),
    ],
)
def test_broken_files_name_file_entry_and_reason(
    tmp_path: Path, file_name: str, old: str, new: str, expected: list[str]
) -> None:
    shutil.copy(ELEMENTS_FILE, tmp_path / ELEMENTS)
    shutil.copy(CONTROLS_FILE, tmp_path / CONTROLS)
    broken = tmp_path / file_name
    text = broken.read_text(encoding="utf-8")
    assert text.count(old) == 1, "the test's edit must hit exactly one place"
    broken.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(ReferenceDataError) as caught:
        load_reference_data(elements_path=tmp_path / ELEMENTS, controls_path=tmp_path / CONTROLS)
    message = str(caught.value)
    assert file_name in message
    for fragment in expected:
        assert fragment in message


def test_error_gives_the_yaml_line(tmp_path: Path) -> None:
    shutil.copy(ELEMENTS_FILE, tmp_path / ELEMENTS)
    controls = tmp_path / CONTROLS
    lines = CONTROLS_FILE.read_text(encoding="utf-8").splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if "scope: technology" in line)
    lines[index] = lines[index].replace("technology", "services")
    controls.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=rf"line {index + 1}: scope 'services'"):
        load_reference_data(elements_path=tmp_path / ELEMENTS, controls_path=controls)


def test_missing_element_and_missing_file(tmp_path: Path) -> None:
    elements = tmp_path / ELEMENTS
    text = ELEMENTS_FILE.read_text(encoding="utf-8")
    elements.write_text(text[: text.index("  - symbol: Lu")], encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="must list the 17 rare earths, found 16"):
        load_reference_data(elements_path=elements, controls_path=CONTROLS_FILE)
    with pytest.raises(ReferenceDataError, match="absent.yaml: cannot be read"):
        load_reference_data(elements_path=tmp_path / "absent.yaml", controls_path=CONTROLS_FILE)


# --- review warnings ----------------------------------------------------------------


def test_no_age_warning_at_the_limit() -> None:
    today = DATA.reviewed + timedelta(days=90)
    assert not [w for w in review_warnings(data=DATA, today=today) if "last reviewed" in w]


def test_age_warning_one_day_past_the_limit() -> None:
    today = DATA.reviewed + timedelta(days=91)
    age_warnings = [w for w in review_warnings(data=DATA, today=today) if "last reviewed" in w]
    assert age_warnings == [
        "The reference data on rare earths and export controls was last reviewed on "
        "30 November 2026, 91 days ago (more than 90 days). The current control lists must "
        "be checked before this draft is relied on."
    ]


@pytest.mark.parametrize(
    ("today", "expected_ids"),
    [
        (date(2026, 11, 10), ()),
        (date(2026, 11, 11), (*SUSPENDED_BY_NO_70, "cn-mofcom-2025-56")),
    ],
)
def test_warning_for_each_ended_suspension(today: date, expected_ids: tuple[str, ...]) -> None:
    data = dataclasses.replace(DATA, reviewed=today)
    warnings = review_warnings(data=data, today=today)
    assert len(warnings) == len(expected_ids)
    for entry_id, warning in zip(expected_ids, warnings, strict=True):
        entry = data.control(entry_id)
        assert warning.startswith(entry.announcement)
        assert "until 10 November 2026, and that date has passed" in warning
        assert "checked against the current MOFCOM list" in warning


@pytest.mark.parametrize(
    ("element", "expected_ids"),
    [
        ("La", ()),
        ("Ho", ("cn-mofcom-2025-57", "cn-mofcom-2025-61")),
        ("Dy", ("cn-mofcom-2025-61",)),
    ],
)
def test_ended_suspensions_warn_only_for_the_element_drafted(
    element: str, expected_ids: tuple[str, ...]
) -> None:
    today = date(2026, 12, 1)
    data = dataclasses.replace(DATA, reviewed=today)
    warnings = review_warnings(data=data, today=today, element=element)
    announcements = tuple(data.control(entry_id).announcement for entry_id in expected_ids)
    assert tuple(warning.split(" was suspended")[0] for warning in warnings) == announcements


def test_in_force_entries_never_warn() -> None:
    entries = tuple(
        dataclasses.replace(entry, status="in_force", suspended_until=None)
        for entry in DATA.controls
    )
    data: ReferenceData = dataclasses.replace(DATA, controls=entries)
    assert review_warnings(data=data, today=data.reviewed) == []


@pytest.mark.parametrize(
    ("value", "text"),
    [(date(2026, 11, 10), "10 November 2026"), (date(2027, 1, 1), "1 January 2027")],
)
def test_long_date(value: date, text: str) -> None:
    assert long_date(value) == text
