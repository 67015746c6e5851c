"""Strict decoding of JSON request bodies, for every transport.

The standard library accepts more than a contract request should carry (NaN,
Infinity, numbers of thousands of digits, nesting deep enough to exhaust the stack);
this decoder refuses each of them with a short, plain reason.
"""

from __future__ import annotations

import json
import math
from typing import Any

from app.errors import FieldError, InvalidRequestError

MAX_INTEGER_DIGITS = 30


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise ValueError(f"a number has more than {MAX_INTEGER_DIGITS} digits")
    return int(text)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:20]} is too large")
    return value


def _no_constants(text: str) -> Any:
    raise ValueError(f"{text} is not a number JSON allows")


def strict_json_loads(raw: bytes | str) -> Any:
    """Decode a JSON document strictly: UTF-8 only; no NaN or Infinity; no number
    too long or too large for a contract; no nesting deeper than Python can parse.

    Raises:
        ValueError: the text is not such a document; the message says why in a few
            plain words ("it is nested too deeply").
    """
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        return json.loads(
            text, parse_int=_integer, parse_float=_finite_float, parse_constant=_no_constants
        )
    except UnicodeDecodeError:
        reason = "it is not UTF-8 text"
    except json.JSONDecodeError as error:
        reason = f"{error.msg} at line {error.lineno} column {error.colno}"
    except RecursionError:
        reason = "it is nested too deeply"
    raise ValueError(reason)


def decode_json(raw: bytes | str) -> Any:
    """:func:`strict_json_loads` for a request.

    Raises:
        InvalidRequestError: not a JSON document (one error, at the request itself).
    """
    try:
        return strict_json_loads(raw)
    except ValueError as error:
        raise InvalidRequestError(
            [FieldError(location=(), message=f"the request is not valid JSON ({error})")]
        ) from None
