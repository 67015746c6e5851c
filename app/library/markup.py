"""The clause-text language: sandboxed Jinja that renders to a small Markdown dialect.

A clause template is lawyer-readable Markdown with a few named helpers::

    1. {{ anchor("long_stop") }}If no {{ define("Export Licence") }} has been granted
       within {{ days(licensing.long_stop_days) }} ... see clause {{ ref("force_majeure") }}.

Jinja runs first, in a sandbox with ``StrictUndefined``; Markdown is parsed second
(:mod:`app.library.parse`). The two never mix up user text with markup because every
value printed by ``{{ }}`` passes through :func:`finalize`:

* helper output (:class:`Markdown`) is trusted and passes unchanged;
* a :class:`Missing` fact becomes a placeholder link ``[label](placeholder:key)``;
* any other string is user data: every ASCII punctuation character is
  backslash-escaped, so no name or address can become a list, a link, emphasis or
  a helper call;
* ``None`` is a defect in the context and raises, so a contract never says "None".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from jinja2 import StrictUndefined, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from app.errors import ClauseLibraryError

_ASCII_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_NUMBER_WORDS = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
)  # fmt: skip
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")


class Markdown(str):
    """Trusted clause markup produced by a helper; printed without escaping."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Missing:
    """A fact the request left out. Prints as a highlighted placeholder."""

    key: str
    label: str

    def __str__(self) -> str:
        return f"[{self.label}]"

    def __bool__(self) -> bool:
        return False


_ESCAPES = str.maketrans({char: "\\" + char for char in _ASCII_PUNCTUATION})


def escape(text: str) -> Markdown:
    """Make user text literal in Markdown: backslash-escape ASCII punctuation."""
    return Markdown(text.translate(_ESCAPES))


def _link(text: str, href: str) -> Markdown:
    return Markdown(f"[{escape(text)}]({href})")


def placeholder(key: str, label: str) -> Markdown:
    """A highlighted placeholder for a fact that is missing."""
    return _link(label, f"placeholder:{key}")


def finalize(value: Any) -> Any:
    """Turn every value printed in a template into safe Markdown (see module doc)."""
    if isinstance(value, Markdown):
        return value
    if isinstance(value, Missing):
        return placeholder(value.key, value.label)
    if isinstance(value, Undefined):
        return escape(str(value))  # StrictUndefined raises UndefinedError here
    if value is None:
        raise ClauseLibraryError("a template printed a value that is None")
    if isinstance(value, bool):
        raise ClauseLibraryError("a template printed a yes/no value; use it in an {% if %}")
    if isinstance(value, int | Decimal | float):
        return escape(format_number(value))
    if isinstance(value, date):
        return escape(format_date(value))
    if isinstance(value, str):
        return escape(value)
    raise ClauseLibraryError(f"a template printed a {type(value).__name__}, not text")


def format_number(value: int | Decimal | float) -> str:
    """``12500`` -> ``12,500``; ``12.50`` -> ``12.5``; no exponent notation."""
    if isinstance(value, int):
        return f"{value:,}"
    decimal_value = Decimal(str(value)).normalize()
    if decimal_value == decimal_value.to_integral_value():
        return f"{int(decimal_value):,}"
    return f"{decimal_value:,f}"


def format_date(value: date) -> str:
    """``2027-01-01`` -> ``1 January 2027`` (the style of English agreements)."""
    return f"{value.day} {value:%B} {value.year}"


def number_in_words(value: int) -> str:
    """Cardinal words for 0 to 999 (``120`` -> ``one hundred and twenty``)."""
    if not 0 <= value <= 999:
        raise ValueError(f"no words for {value}")
    if value < 20:
        return _NUMBER_WORDS[value]
    if value < 100:
        tens, units = divmod(value, 10)
        return _TENS[tens] + (f"-{_NUMBER_WORDS[units]}" if units else "")
    hundreds, rest = divmod(value, 100)
    text = f"{_NUMBER_WORDS[hundreds]} hundred"
    return text + (f" and {number_in_words(rest)}" if rest else "")


def _count(value: int, singular: str, plural: str | None = None) -> Markdown:
    """``count(30, "day")`` -> ``thirty (30) days``."""
    if isinstance(value, Missing):
        return finalize(value)
    noun = singular if value == 1 else (plural or singular + "s")
    if 0 <= value <= 999:
        return escape(f"{number_in_words(value)} ({value}) {noun}")
    return escape(f"{format_number(value)} {noun}")


def _days(value: int) -> Markdown:
    return _count(value, "day")


def _months(value: int) -> Markdown:
    return _count(value, "month")


def _define(name: str) -> Markdown:
    """The defining occurrence of a term: bold in quotation marks."""
    return _link(name, "term:")


def _ref(target: str) -> Markdown:
    """A cross-reference to a clause id or ``clause_id.anchor``; shows its number."""
    return Markdown(f"[]({'ref:' + target})")


def _anchor(name: str) -> Markdown:
    """Marks the numbered paragraph it starts as a cross-reference target."""
    return Markdown(f"[](anchor:{name})")


_CONTEXT_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


def _rows(path: str) -> Markdown:
    """A table row that stands for the rows of the context value at ``path``.

    The text is the same for every draft (the parse and clause caches keep it); the
    rows themselves are put in per draft (:mod:`app.library.rows`).

    Raises:
        ClauseLibraryError: ``path`` is not a dotted name.
    """
    if not isinstance(path, str) or not _CONTEXT_PATH.fullmatch(path):
        raise ClauseLibraryError(f"rows() takes a dotted context name, not {path!r}")
    return Markdown(f"| [](rows:{path}) |")


def _money(amount: Decimal | Missing, currency: str) -> Markdown:
    if isinstance(amount, Missing):
        return finalize(amount)  # type: ignore[no-any-return]
    return escape(f"{currency} {Decimal(amount).quantize(Decimal('0.01')):,}")


def _percent(value: Decimal | float) -> Markdown:
    return escape(f"{format_number(value)} %")


HELPERS: dict[str, Any] = {
    "define": _define,
    "ref": _ref,
    "rows": _rows,
    "anchor": _anchor,
    "placeholder": placeholder,
    "count": _count,
    "days": _days,
    "months": _months,
    "money": _money,
    "percent": _percent,
    "words": number_in_words,
}
"""The helpers a clause template may call, by name (see docs/clause-templates.md)."""


def make_environment() -> ImmutableSandboxedEnvironment:
    """The one Jinja environment for clause text: sandboxed, strict, no autoescape."""
    environment = ImmutableSandboxedEnvironment(
        undefined=StrictUndefined,
        autoescape=False,
        finalize=finalize,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    environment.globals.update(HELPERS)
    environment.filters["date"] = lambda value: escape(format_date(value))
    environment.filters["number"] = lambda value: escape(format_number(value))
    return environment
