"""The contract request: the one model the API, the command line and the form share.

Only ``element``, ``volume`` and ``term`` are required. Every other fact may be left
out; the draft then shows a highlighted placeholder and the report lists it. Options
left out take a default chosen by the ``posture`` (see :mod:`app.domain.options`).

Validation messages are written for lawyers: they say what is wrong and, where we
can tell, what was probably meant.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from app.domain.countries import normalise_country, normalise_currency
from app.domain.reference import reference_data
from app.errors import NotFoundError

# XML 1.0 forbids most C0 control characters; tabs and newlines are folded to spaces.
_FORBIDDEN_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")


def _clean_text(value: str) -> str:
    if _FORBIDDEN_CHARS.search(value):
        raise PydanticCustomError(
            "control_character", "contains a control character that cannot appear in a document"
        )
    value = unicodedata.normalize("NFC", value)
    return " ".join(value.split())


def _quotable(value: str) -> str:
    """``value`` safe to quote in an error message: a lone surrogate (broken Unicode
    from the client) becomes its escape sequence instead of failing the message."""
    return value.encode("utf-8", "backslashreplace").decode("utf-8")


def _clean_multiline(value: str) -> str:
    if _FORBIDDEN_CHARS.search(value):
        raise PydanticCustomError(
            "control_character", "contains a control character that cannot appear in a document"
        )
    lines = [" ".join(line.split()) for line in unicodedata.normalize("NFC", value).splitlines()]
    return ", ".join(line for line in lines if line)


Name = Annotated[str, AfterValidator(_clean_text), StringConstraints(min_length=1, max_length=200)]
ShortText = Annotated[
    str, AfterValidator(_clean_text), StringConstraints(min_length=1, max_length=300)
]
Address = Annotated[
    str, AfterValidator(_clean_multiline), StringConstraints(min_length=1, max_length=500)
]
Country = Annotated[str, AfterValidator(normalise_country)]
Currency = Annotated[str, AfterValidator(normalise_currency)]
Days = Annotated[int, Field(ge=1, le=730)]


class _Strict(BaseModel):
    """Every request model: unknown fields are errors, strings are trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Form(StrEnum):
    OXIDE = "oxide"
    METAL = "metal"
    ALLOY = "alloy"
    COMPOUND = "compound"
    MAGNET = "magnet"


class Posture(StrEnum):
    """Whose side the draft leans to."""

    BUYER = "buyer"
    BALANCED = "balanced"
    SELLER = "seller"


class MassUnit(StrEnum):
    KG = "kg"
    T = "t"


class VolumePeriod(StrEnum):
    YEAR = "year"
    MONTH = "month"
    TERM = "term"


_VOLUME_SHORTHAND = re.compile(
    r"^\s*(?P<quantity>\d[\d,_ ]*(?:\.\d+)?)\s*"
    r"(?P<unit>kg|kgs|kilograms?|t|tonnes?|tons?|mt)\s*"
    r"(?:(?:/|per|a|an|each|every)\s*(?P<per>year|yr|y|annum|month|mo|m|term|contract))?\s*$",
    re.IGNORECASE,
)
_UNIT_WORDS = {"kg": "kg", "kgs": "kg", "kilogram": "kg", "kilograms": "kg"}
_PERIOD_WORDS = {
    "year": "year", "yr": "year", "y": "year", "annum": "year",
    "month": "month", "mo": "month", "m": "month", "term": "term", "contract": "term",
}  # fmt: skip


class Volume(_Strict):
    """The contract quantity: ``quantity`` ``unit`` per ``per``."""

    quantity: Decimal = Field(gt=0, le=Decimal("1000000"), max_digits=12, decimal_places=3)
    unit: MassUnit
    per: VolumePeriod = VolumePeriod.YEAR

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        match = _VOLUME_SHORTHAND.match(value)
        if match is None:
            raise PydanticCustomError(
                "volume_shorthand",
                'could not read "{text}"; write it like "12 t per year" or "500 kg/month"',
                {"text": _quotable(value[:60])},
            )
        unit = _UNIT_WORDS.get(match["unit"].lower(), "t")
        per = _PERIOD_WORDS[(match["per"] or "year").lower()]
        quantity = re.sub(r"[,_ ]", "", match["quantity"])
        return {"quantity": quantity, "unit": unit, "per": per}

    def annual_kg(self, *, months: int) -> Decimal:
        """The quantity per year in kilograms, for a term of ``months`` months."""
        kilograms = self.quantity * (1000 if self.unit is MassUnit.T else 1)
        if self.per is VolumePeriod.MONTH:
            return kilograms * 12
        if self.per is VolumePeriod.TERM:
            return kilograms * 12 / months
        return kilograms


_TERM_SHORTHAND = re.compile(
    r"^\s*(?P<count>\d{1,3})\s*(?P<unit>years?|yrs?|y|months?|mos?|m)\s*$", re.IGNORECASE
)


class Term(_Strict):
    """The supply period: from ``start_date`` for ``months`` months."""

    start_date: date | None = Field(
        default=None, description="First day of the supply period; a placeholder when left out."
    )
    months: int = Field(ge=1, le=360)

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        match = _TERM_SHORTHAND.match(value)
        if match is None:
            raise PydanticCustomError(
                "term_shorthand",
                'could not read "{text}"; write it like "3 years" or "36 months"',
                {"text": _quotable(value[:60])},
            )
        count = int(match["count"])
        months = count * 12 if match["unit"].lower().startswith("y") else count
        return {"months": months}

    @field_validator("start_date")
    @classmethod
    def _plausible_start(cls, value: date | None) -> date | None:
        if value is not None and not date(2000, 1, 1) <= value <= date(2100, 12, 31):
            raise PydanticCustomError(
                "start_date_range", "must be a date between 2000-01-01 and 2100-12-31"
            )
        return value


class Party(_Strict):
    """A party to the agreement. Missing facts become placeholders."""

    name: Name | None = None
    country: Country | None = Field(
        default=None, description='ISO 3166 country code or English name ("CN", "Germany").'
    )
    address: Address | None = None
    registration_number: ShortText | None = None
    signatory_name: Name | None = None
    signatory_title: Name | None = None
    email: ShortText | None = Field(default=None, description="Address for notices.")


class Incoterm(StrEnum):
    """Incoterms 2020 rules."""

    EXW = "EXW"
    FCA = "FCA"
    CPT = "CPT"
    CIP = "CIP"
    DAP = "DAP"
    DPU = "DPU"
    DDP = "DDP"
    FAS = "FAS"
    FOB = "FOB"
    CFR = "CFR"
    CIF = "CIF"


SEA_ONLY_INCOTERMS = frozenset({Incoterm.FAS, Incoterm.FOB, Incoterm.CFR, Incoterm.CIF})


class Frequency(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    SEMI_ANNUAL = "semi_annual"
    ANNUAL = "annual"


DELIVERIES_PER_YEAR = {
    Frequency.MONTHLY: 12,
    Frequency.QUARTERLY: 4,
    Frequency.SEMI_ANNUAL: 2,
    Frequency.ANNUAL: 1,
}


class Delivery(_Strict):
    incoterm: Incoterm | None = Field(default=None, description="Incoterms 2020 rule.")
    place: ShortText | None = Field(default=None, description="Named place or port.")
    frequency: Frequency = Frequency.QUARTERLY

    @field_validator("incoterm", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value


class PriceMode(StrEnum):
    FIXED = "fixed"
    INDEX = "index"


class Price(_Strict):
    """Fixed price per kg, or a published index with a discount or premium."""

    mode: PriceMode = PriceMode.FIXED
    currency: Currency = "USD"
    unit_price: Decimal | None = Field(
        default=None, gt=0, le=Decimal("1000000"), description="Price per kg (fixed mode)."
    )
    index_name: ShortText | None = Field(
        default=None, description='Price assessment used (index mode), e.g. "Fastmarkets".'
    )
    adjustment_percent: Decimal = Field(
        default=Decimal(0), ge=-50, le=50, description="Premium (+) or discount (-) on the index."
    )
    floor_price: Decimal | None = Field(default=None, gt=0, le=Decimal("1000000"))
    ceiling_price: Decimal | None = Field(default=None, gt=0, le=Decimal("1000000"))
    payment_days: int = Field(default=30, ge=0, le=180)

    @model_validator(mode="after")
    def _floor_below_ceiling(self) -> Price:
        if (
            self.floor_price is not None
            and self.ceiling_price is not None
            and self.floor_price > self.ceiling_price
        ):
            raise PydanticCustomError(
                "floor_above_ceiling", "the floor price must not be higher than the ceiling price"
            )
        return self


class GoverningLaw(StrEnum):
    ENGLAND_AND_WALES = "england_and_wales"
    SINGAPORE = "singapore"
    HONG_KONG = "hong_kong"
    NEW_YORK = "new_york"
    SWITZERLAND = "switzerland"
    GERMANY = "germany"


class Forum(StrEnum):
    ICC = "icc"
    SIAC = "siac"
    HKIAC = "hkiac"
    LCIA = "lcia"
    CIETAC = "cietac"
    COURTS = "courts"


class Disputes(_Strict):
    governing_law: GoverningLaw | None = None
    forum: Forum = Field(default=Forum.ICC, description="Arbitral institution, or courts.")
    seat: ShortText | None = Field(default=None, description="Seat of arbitration or court city.")
    arbitrators: Literal[1, 3] = 3
    language: ShortText = "English"


class LicenceDuty(StrEnum):
    ABSOLUTE = "absolute"
    DILIGENT_EFFORTS = "diligent_efforts"


class CostBearer(StrEnum):
    SELLER = "seller"
    BUYER = "buyer"
    SHARED = "shared"


class LicensingOptions(_Strict):
    """Licensing-risk options; each left out takes the posture's default."""

    seller_duty: LicenceDuty | None = None
    application_days: Days | None = Field(
        default=None, description="Days after an order within which the Seller applies."
    )
    buyer_documents_days: Days | None = Field(
        default=None, description="Days for the Buyer to supply end-user/end-use documents."
    )
    status_report_days: Days | None = None
    long_stop_days: Days | None = Field(
        default=None, description="Days of licence delay after which a delivery may be cancelled."
    )
    termination_refusals: Annotated[int, Field(ge=1, le=12)] | None = Field(
        default=None, description="Refusals in 12 months that allow termination."
    )
    licence_costs: CostBearer | None = None


class LicenceRefusalTreatment(StrEnum):
    """Whether a refused or delayed export licence counts as force majeure."""

    FORCE_MAJEURE = "force_majeure"
    LICENSING_CLAUSE = "licensing_clause"


class HardshipRoute(StrEnum):
    RENEGOTIATE_THEN_TERMINATE = "renegotiate_then_terminate"
    RENEGOTIATE_THEN_ADAPT = "renegotiate_then_adapt"
    NONE = "none"


class ForceMajeureOptions(_Strict):
    notice_days: Days | None = None
    termination_days: Days = 120
    licence_refusal: LicenceRefusalTreatment | None = None
    additional_events: list[ShortText] = Field(default_factory=list, max_length=10)
    hardship: HardshipRoute = HardshipRoute.RENEGOTIATE_THEN_TERMINATE


class SafetyStockMethod(StrEnum):
    COMPUTED = "computed"
    FIXED_COVER = "fixed_cover"
    NONE = "none"


class StockHolder(StrEnum):
    SELLER_WAREHOUSE = "seller_warehouse"
    CONSIGNMENT = "consignment"
    VENDOR_MANAGED = "vendor_managed"


class SafetyStockOptions(_Strict):
    method: SafetyStockMethod = SafetyStockMethod.COMPUTED
    cover_months: Decimal = Field(default=Decimal(3), gt=0, le=24, decimal_places=1)
    service_level: float = Field(
        default=0.95, description="Cycle service level, as 0.95 or 95 (per cent)."
    )
    demand_cv: float = Field(
        default=0.2, ge=0, le=2, description="Variability of demand per delivery period."
    )
    base_lead_time_days: Days = Field(default=45, description="Production and transit time.")
    base_lead_time_sd_days: Annotated[int, Field(ge=0, le=365)] = 7
    holder: StockHolder | None = None
    location: ShortText | None = None
    replenish_days: Days | None = None
    storage_costs: CostBearer | None = None
    buy_back: bool | None = None

    @field_validator("service_level", mode="before")
    @classmethod
    def _percent(cls, value: Any) -> Any:
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool) and value > 1:
            return float(value) / 100
        return value

    @field_validator("service_level")
    @classmethod
    def _level_range(cls, value: float) -> float:
        if not 0.5 <= value <= 0.999:
            raise PydanticCustomError(
                "service_level_range", "must be between 50 % and 99.9 % (0.5 to 0.999)"
            )
        return value


def _element_symbol(value: str) -> str:
    try:
        element = reference_data().element(value)
    except NotFoundError as error:
        if error.suggestion:
            raise PydanticCustomError(
                "unknown_element",
                '"{text}" is not a rare-earth element; did you mean {suggestion}?',
                {"text": value[:40], "suggestion": error.suggestion},
            ) from None
        raise PydanticCustomError(
            "unknown_element",
            '"{text}" is not one of the 17 rare-earth elements (give a symbol such as "Dy" '
            'or a name such as "dysprosium")',
            {"text": value[:40]},
        ) from None
    if not element.bulk_traded:
        raise PydanticCustomError(
            "not_bulk_traded",
            "{name} is radioactive and not traded in bulk; Clausewright does not draft "
            "supply agreements for it",
            {"name": element.name.capitalize()},
        )
    return element.symbol


ElementSymbol = Annotated[str, StringConstraints(max_length=40), AfterValidator(_element_symbol)]


class ContractRequest(_Strict):
    """Everything Clausewright needs to draft one supply agreement."""

    element: ElementSymbol = Field(description='Symbol or English name, any case ("Dy").')
    form: Form = Form.OXIDE
    volume: Volume
    term: Term
    seller: Party = Field(default_factory=Party)
    buyer: Party = Field(default_factory=Party)
    posture: Posture = Posture.BALANCED
    origin_country: Country | None = Field(
        default=None, description="Country of origin of the material; defaults to the seller's."
    )
    destination_country: Country | None = Field(
        default=None, description="Country of delivery; defaults to the buyer's."
    )
    agreement_date: date | None = Field(
        default=None, description="Date of signature; a placeholder when left out."
    )
    specification: ShortText | None = Field(
        default=None, description='Minimum purity, e.g. "Dy2O3/TREO 99.5 % min".'
    )
    delivery: Delivery = Field(default_factory=Delivery)
    price: Price = Field(default_factory=Price)
    disputes: Disputes = Field(default_factory=Disputes)
    licensing: LicensingOptions = Field(default_factory=LicensingOptions)
    force_majeure: ForceMajeureOptions = Field(default_factory=ForceMajeureOptions)
    safety_stock: SafetyStockOptions = Field(default_factory=SafetyStockOptions)
    draft_number: int = Field(default=1, ge=1, le=999)

    @model_validator(mode="after")
    def _consistent(self) -> ContractRequest:
        if (
            self.agreement_date
            and self.term.start_date
            and self.agreement_date > self.term.start_date
        ):
            raise PydanticCustomError(
                "agreement_after_start",
                "the agreement date ({agreement}) is after the start of supply ({start})",
                {
                    "agreement": self.agreement_date.isoformat(),
                    "start": self.term.start_date.isoformat(),
                },
            )
        return self

    @property
    def effective_origin(self) -> str | None:
        """The origin country, or the seller's country when no origin is given."""
        return self.origin_country or self.seller.country

    @property
    def effective_destination(self) -> str | None:
        """The destination country, or the buyer's country when none is given."""
        return self.destination_country or self.buyer.country
