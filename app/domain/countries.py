"""Countries and currencies, by ISO code or English name (data from pycountry)."""

from __future__ import annotations

import difflib
from functools import cache

import pycountry
from pydantic_core import PydanticCustomError


@cache
def _country_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for country in pycountry.countries:
        code = country.alpha_2
        for name in (
            code,
            country.alpha_3,
            country.name,
            getattr(country, "common_name", None),
            getattr(country, "official_name", None),
        ):
            if name:
                index.setdefault(name.casefold(), code)
    for alias, code in {"uk": "GB", "england": "GB", "usa": "US", "prc": "CN"}.items():
        index.setdefault(alias, code)
    return index


def normalise_country(value: str) -> str:
    """Return the ISO 3166-1 alpha-2 code for a code or English name.

    Raises:
        PydanticCustomError: unknown country, with the closest name when one is near.
    """
    text = " ".join(value.split())
    code = _country_index().get(text.casefold())
    if code is not None:
        return code
    close = difflib.get_close_matches(text.casefold(), list(_country_index()), n=1, cutoff=0.8)
    if close:
        suggestion = country_name(_country_index()[close[0]])
        raise PydanticCustomError(
            "unknown_country",
            '"{text}" is not a country we know; did you mean {suggestion}?',
            {"text": text[:40], "suggestion": suggestion},
        )
    raise PydanticCustomError(
        "unknown_country",
        '"{text}" is not a country we know; give an ISO code such as "CN" or "DE"',
        {"text": text[:40]},
    )


def country_name(code: str) -> str:
    """The English short name of an ISO alpha-2 code (``CN`` -> ``China``)."""
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    return str(getattr(country, "common_name", None) or country.name)


# Countries whose English name takes "the" inside a sentence ("incorporated in the
# United States"): plural names, and names that are a title rather than a place.
_NAMES_WITH_ARTICLE = frozenset(
    {
        "AE", "BS", "CD", "CF", "CG", "CK", "DO", "FK", "FO", "GB", "GM", "KM", "KY", "MH",
        "MP", "MV", "NL", "PH", "RU", "SB", "SC", "TC", "US", "VA", "VG", "VI",
    }
)  # fmt: skip


def country_name_in_text(code: str) -> str:
    """The country's name as it stands in a sentence: ``the United States``,
    ``the Netherlands``, but ``China`` and ``Germany``."""
    name = country_name(code)
    return f"the {name}" if code in _NAMES_WITH_ARTICLE else name


def normalise_currency(value: str) -> str:
    """Return an ISO 4217 currency code.

    Raises:
        PydanticCustomError: not an ISO 4217 code.
    """
    code = value.strip().upper()
    if pycountry.currencies.get(alpha_3=code) is None:
        raise PydanticCustomError(
            "unknown_currency",
            '"{text}" is not an ISO 4217 currency code (such as USD, EUR or CNY)',
            {"text": value[:10]},
        )
    return code
