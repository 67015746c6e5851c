"""Pydantic's validation errors in words a lawyer understands, with field paths."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from app.errors import FieldError


def _limit(context: dict[str, Any], key: str) -> str:
    return str(context.get(key, ""))


def _sentence(error: ErrorDetails) -> str:
    kind = error["type"]
    context: dict[str, Any] = dict(error.get("ctx") or {})
    match kind:
        case "missing":
            return "is required"
        case "extra_forbidden":
            return "is not a field of this request; check the spelling"
        case "int_parsing" | "int_type" | "int_from_float":
            return "must be a whole number"
        case "decimal_parsing" | "decimal_type" | "float_parsing" | "float_type":
            return "must be a number"
        case "decimal_max_places":
            return f"must have at most {_limit(context, 'decimal_places')} decimal places"
        case "decimal_max_digits" | "decimal_whole_digits":
            return "has too many digits"
        case "greater_than":
            return f"must be more than {_limit(context, 'gt')}"
        case "greater_than_equal":
            return f"must be at least {_limit(context, 'ge')}"
        case "less_than":
            return f"must be less than {_limit(context, 'lt')}"
        case "less_than_equal":
            return f"must be at most {_limit(context, 'le')}"
        case "finite_number":
            return "must be a finite number"
        case (
            "date_parsing"
            | "date_from_datetime_parsing"
            | "date_type"
            | "date_from_datetime_inexact"
        ):
            return "must be a date written as YYYY-MM-DD (for example 2027-01-01)"
        case "enum" | "literal_error":
            return f"must be one of: {_limit(context, 'expected')}"
        case "string_type":
            return "must be text"
        case "string_unicode":
            return "contains characters that are not valid text (a broken Unicode sequence)"
        case "string_too_short":
            return "must not be empty"
        case "string_too_long":
            return f"must be at most {_limit(context, 'max_length')} characters long"
        case "bool_parsing" | "bool_type":
            return "must be true or false"
        case "model_type" | "dict_type" | "model_attributes_type":
            return "must be an object with named fields"
        case "list_type":
            return "must be a list"
        case "too_long":
            return f"must have at most {_limit(context, 'max_length')} entries"
        case "json_invalid":
            return f"the request is not valid JSON ({_limit(context, 'error')})"
        case "json_type":
            return "the request must be a JSON object"
        case "recursion_loop":
            return "is nested too deeply"
    message = error["msg"]
    if message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
    return message[:1].lower() + message[1:]


def _location(error: ErrorDetails) -> tuple[str | int, ...]:
    # Drop pydantic's internal step names (e.g. "function-after[...]") from the path.
    return tuple(
        part
        for part in error["loc"]
        if isinstance(part, int) or ("[" not in part and "-" not in part)
    )


def field_errors(
    error: ValidationError,
    *,
    model: type[BaseModel] | None = None,
    prefix: tuple[str | int, ...] = (),
) -> list[FieldError]:
    """One :class:`FieldError` per problem, located and phrased for a person.

    For an unknown field the closest known field name is suggested when ``model``
    is given.
    """
    return translate(error.errors(include_url=False), model=model, prefix=prefix)


def translate(
    details: Iterable[ErrorDetails | dict[str, Any]],
    *,
    model: type[BaseModel] | None = None,
    prefix: tuple[str | int, ...] = (),
    drop_first: frozenset[str] = frozenset(),
) -> list[FieldError]:
    """Pydantic error details (also FastAPI's, whose paths start with ``body``) as
    located sentences. Location parts named in ``drop_first`` are dropped from the
    front of each path."""
    out: list[FieldError] = []
    for raw in details:
        detail: ErrorDetails = raw  # type: ignore[assignment]
        location = _location(detail)
        while location and location[0] in drop_first:
            location = location[1:]
        location = prefix + location
        message = _sentence(detail)
        if detail["type"] == "extra_forbidden" and model is not None:
            suggestion = _suggest_field(model, location[len(prefix) :])
            if suggestion:
                message += f' (did you mean "{suggestion}"?)'
        out.append(FieldError(location=location, message=message))
    return out


def _suggest_field(model: type[BaseModel], location: tuple[str | int, ...]) -> str | None:
    current: Any = model
    for part in location[:-1]:
        if isinstance(part, int):
            continue
        field = getattr(current, "model_fields", {}).get(part)
        annotation = getattr(field, "annotation", None)
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        current = annotation
    names = list(getattr(current, "model_fields", {}))
    close = difflib.get_close_matches(str(location[-1]), names, n=1, cutoff=0.6) if location else []
    return close[0] if close else None
