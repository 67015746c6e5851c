"""The licensing assessment, as tables over elements, forms, origins and dates."""

from __future__ import annotations

import dataclasses
import json
from datetime import date

import pytest

from app.domain.licensing import (
    MECHANISM_IDS,
    LicensingAssessment,
    assess_licensing,
    licence_delay_days,
)
from app.domain.reference import FORMS, ReferenceData, reference_data

DATA = reference_data()
# The packaged data was reviewed on 2026-11-30; the suspensions by No. 70 ran to
# 2026-11-10, so for a term starting in 2027 their status is not recorded.
TODAY = date(2026, 11, 30)
START, END = date(2027, 1, 1), date(2029, 12, 31)

# One letter per form, in FORMS order (oxide, metal, alloy, compound, magnet):
# T controlled/high, ? uncertain, F not controlled/low, M not controlled/moderate.
EXPECTED = {
    "CN": {
        "Sc": "TTTTF",
        "Y": "TTTTF",
        "La": "FFFFF",
        "Ce": "FFFFF",
        "Pr": "FFFF?",
        "Nd": "FFFF?",
        "Pm": "FFFFF",
        "Sm": "TTTTT",
        "Eu": "????F",
        "Gd": "TTTTF",
        "Tb": "TTTTT",
        "Dy": "TTTTT",
        "Ho": "????F",
        "Er": "????F",
        "Tm": "????F",
        "Yb": "????F",
        "Lu": "TTTTF",
    },
    None: {
        "Sc": "????M",
        "Y": "????M",
        "La": "FFMFM",
        "Ce": "FFMFM",
        "Pr": "FFMF?",
        "Nd": "FFMF?",
        "Pm": "FFMFM",
        "Sm": "?????",
        "Eu": "????M",
        "Gd": "????M",
        "Tb": "?????",
        "Dy": "?????",
        "Ho": "????M",
        "Er": "????M",
        "Tm": "????M",
        "Yb": "????M",
        "Lu": "????M",
    },
    "AU": dict.fromkeys(DATA.elements_by_symbol, "FFMFM"),
}
LETTERS = {
    "T": (True, "high"),
    "?": (None, "uncertain"),
    "F": (False, "low"),
    "M": (False, "moderate"),
}
LICENSING = {
    "licence_condition_precedent",
    "long_stop",
    "end_user_documents",
    "termination_for_refusal",
}

CASES = [
    (origin, symbol, form, letter)
    for origin, table in EXPECTED.items()
    for symbol, letters in table.items()
    for form, letter in zip(FORMS, letters, strict=True)
]


def assess(
    symbol: str,
    form: str = "oxide",
    origin: str | None = "CN",
    destination: str | None = None,
    *,
    start: date | None = START,
    end: date | None = END,
    today: date = TODAY,
    data: ReferenceData = DATA,
) -> LicensingAssessment:
    return assess_licensing(
        element=data.elements_by_symbol[symbol],
        form=form,
        origin=origin,
        destination=destination,
        start_date=start,
        end_date=end,
        data=data,
        today=today,
    )


def test_table_covers_every_element_form_and_origin() -> None:
    assert len(CASES) == 17 * 5 * 3
    assert {symbol for _, symbol, _, _ in CASES} == set(DATA.elements_by_symbol)


@pytest.mark.parametrize(("origin", "symbol", "form", "letter"), CASES)
def test_controlled_and_risk(origin: str | None, symbol: str, form: str, letter: str) -> None:
    result = assess(symbol, form, origin)
    assert (result.controlled, result.risk) == LETTERS[letter]
    assert result.licence_required_per_shipment == result.controlled
    assert "change_of_law" in result.mechanism_ids
    if result.controlled is False:
        assert (result.expected_delay_days, result.delay_sd_days) == (0, 0)
        assert not LICENSING & result.mechanism_ids
    else:
        assert (result.expected_delay_days, result.delay_sd_days) == (46, 20)
        assert result.mechanism_ids >= LICENSING
    json.dumps(result.to_dict())


def test_delay_is_the_range_midpoint_in_calendar_days() -> None:
    # 5 to 60 working days: midpoint 32.5 WD x 7/5 = 45.5 -> 46 calendar days;
    # spread (60 - 5) / 4 = 13.75 WD x 7/5 = 19.25 -> 20 calendar days.
    expected, spread, basis = licence_delay_days(processing=DATA.licence_processing)
    assert (expected, spread) == (46, 20)
    assert "5 to 60 working days" in basis


def test_unknown_origin_is_treated_as_possibly_chinese() -> None:
    result = assess("Dy", origin=None)
    assert result.controlled is None
    assert any("origin is not stated" in warning for warning in result.warnings)
    assert [c.entry_id for c in result.applicable][0] == "cn-mofcom-2025-18"


def test_ndfeb_magnet_depends_on_grade() -> None:
    result = assess("Nd", "magnet")
    assert result.controlled is None
    assert any("state whether the magnets contain either" in w for w in result.warnings)
    reason = result.applicable[0].reason
    assert reason.startswith("Covers NdFeB magnets only in grades containing terbium")


def test_promethium_is_flagged_as_not_traded_in_bulk() -> None:
    result = assess("Pm")
    assert any("radioactive and not traded in bulk" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("today", "start", "end", "controlled", "risk", "delay", "phrase"),
    [
        # suspended through the whole term: not controlled, but a risk
        (date(2025, 12, 1), date(2026, 1, 1), date(2026, 10, 31), False, "moderate", 0,
         "after the term ends"),
        # the suspension ends within the term: later deliveries need licences
        (date(2025, 12, 1), date(2026, 1, 1), date(2027, 12, 31), False, "high", 46,
         "applies again from then, within the term"),
        (date(2025, 12, 1), date(2026, 1, 1), None, False, "high", 46,
         "possibly within the term (its end is not known)"),
        # the suspension ended before the start: status not recorded
        (date(2026, 11, 30), None, None, None, "uncertain", 46,
         "ended on 10 November 2026, before today (30 November 2026)"),
        (date(2025, 12, 1), date(2026, 11, 11), None, None, "uncertain", 46,
         "before the term starts on 11 November 2026"),
        # a suspension "until" a date still covers that date
        (date(2025, 12, 1), date(2026, 11, 10), date(2026, 11, 10), False, "moderate", 0,
         "after the term ends"),
    ],
)  # fmt: skip
def test_suspension_over_the_term(
    today: date,
    start: date | None,
    end: date | None,
    controlled: bool | None,
    risk: str,
    delay: int,
    phrase: str,
) -> None:
    result = assess("Ho", start=start, end=end, today=today)
    assert (result.controlled, result.risk, result.expected_delay_days) == (controlled, risk, delay)
    assert any("Announcement No. 57" in w and phrase in w for w in result.warnings)
    assert "status_reporting" in result.mechanism_ids


def _with_entry(entry_id: str, **changes: object) -> ReferenceData:
    controls = tuple(
        dataclasses.replace(entry, **changes) if entry.id == entry_id else entry  # type: ignore[arg-type]
        for entry in DATA.controls
    )
    return dataclasses.replace(DATA, controls=controls)


@pytest.mark.parametrize(
    ("changes", "controlled", "risk", "listed"),
    [
        ({"status": "revoked"}, False, "low", False),
        ({"status": "lapsed"}, False, "low", False),
        ({"effective": date(2030, 1, 1)}, False, "low", False),
        ({"status": "suspended", "suspended_by": "No. X"}, False, "moderate", True),
        (
            {"status": "suspended", "suspended_until": date(2030, 1, 1), "suspended_by": "No. X"},
            False,
            "moderate",
            True,
        ),
    ],
)
def test_status_of_announcement_18(
    changes: dict[str, object], controlled: bool, risk: str, listed: bool
) -> None:
    result = assess("Dy", data=_with_entry("cn-mofcom-2025-18", **changes))
    assert (result.controlled, result.risk) == (controlled, risk)
    assert ("cn-mofcom-2025-18" in [c.entry_id for c in result.applicable]) is listed


@pytest.mark.parametrize(
    ("symbol", "form", "origin", "destination", "end", "defence_origin"),
    [
        ("Dy", "magnet", "AU", "US", END, True),
        ("Sm", "magnet", "CN", "us", date(2026, 12, 31), True),
        ("Dy", "oxide", "CN", "US", date(2026, 12, 31), False),
        ("Dy", "oxide", "CN", "US", date(2027, 1, 1), True),
        ("Nd", "oxide", "AU", "US", None, True),
        ("La", "oxide", "CN", "US", END, False),
        ("Dy", "magnet", "AU", "DE", END, False),
        ("Dy", "magnet", "AU", None, END, False),
    ],
)
def test_us_defence_origin(
    symbol: str, form: str, origin: str, destination: str | None, end: date | None,
    defence_origin: bool,
) -> None:  # fmt: skip
    result = assess(symbol, form, origin, destination, start=date(2026, 1, 1), end=end)
    assert ("defence_origin" in result.mechanism_ids) is defence_origin
    ids = [control.entry_id for control in result.applicable]
    assert ("us-dfars-252-225-7052" in ids) is defence_origin


def test_non_chinese_magnet_notes_the_extraterritorial_rule() -> None:
    result = assess("Dy", "magnet", "AU")
    (control,) = result.applicable
    assert control.entry_id == "cn-mofcom-2025-61"
    assert "0.1 % or more by value" in control.reason
    assert {"military_end_user_denial", "compliance_undertakings"} <= result.mechanism_ids


def test_same_origin_and_destination_is_not_an_export() -> None:
    result = assess("Dy", origin="CN", destination="CN")
    assert (result.controlled, result.risk, result.applicable) == (False, "low", ())
    assert any("not an export" in warning for warning in result.warnings)


def test_lower_case_country_codes_are_accepted() -> None:
    assert assess("Dy", origin="cn").controlled is True


def test_mechanisms_come_from_the_vocabulary_in_order() -> None:
    result = assess("Dy", "magnet", "CN", "US")
    ids = [mechanism.id for mechanism in result.mechanisms]
    assert ids == list(MECHANISM_IDS)  # every mechanism applies, in vocabulary order
    assert all(mechanism.reason and mechanism.source for mechanism in result.mechanisms)


@pytest.mark.parametrize(
    ("symbol", "origin", "summary"),
    [
        (
            "Dy",
            "CN",
            "Supplying dysprosium oxide of Chinese origin needs a Chinese export licence under "
            "MOFCOM and GAC Announcement No. 18 of 2025. The draft plans for about 46 calendar "
            "days per licence (standard deviation 20 days), makes each delivery conditional on "
            "a licence and sets a long-stop date.",
        ),
        (
            "La",
            "CN",
            "Supplying lanthanum oxide of Chinese origin needs no Chinese export licence on the "
            "lists as reviewed on 30 November 2026. The draft keeps a change-of-law clause "
            "because the lists have changed before.",
        ),
        (
            "Dy",
            None,
            "Whether supplying dysprosium oxide of unstated origin needs a Chinese export "
            "licence is not settled by the facts. The draft treats it as licensable, with about "
            "46 calendar days per licence (standard deviation 20 days), until a lawyer "
            "confirms it.",
        ),
    ],
)
def test_summary(symbol: str, origin: str | None, summary: str) -> None:
    assert assess(symbol, origin=origin).summary == summary


def test_to_dict_is_json_ready() -> None:
    payload = assess("Ho", start=date(2026, 1, 1), end=None, today=date(2025, 12, 1)).to_dict()
    assert json.loads(json.dumps(payload)) == payload
    assert payload["controlled"] is False
    assert payload["applicable"][0]["suspended_until"] == "2026-11-10"
    assert payload["applicable"][0]["sources"][0]["url"].startswith("https://")
    assert {m["id"] for m in payload["mechanisms"]} <= set(MECHANISM_IDS)


def test_unknown_form_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="form must be one of"):
        assess("Dy", "powder")
