"""The web form's model: flat form fields <-> the nested request, and errors -> fields.

A field's name is its path in the request (``"seller.name"``, ``"volume.quantity"``),
so a submitted form converts to the request dict by splitting names on dots, and a
:class:`~app.errors.FieldError` finds its field by its location. Empty fields are
left out of the request, never sent as ``""``: a missing fact becomes a placeholder
in the draft and a missing option takes the posture's default.

The fields themselves, grouped as a lawyer reads a supply agreement, are declared in
:mod:`app.web.form_fields`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from app.errors import FieldError

ValueType = Literal["text", "int", "number", "percent", "bool", "lines"]
Widget = Literal["text", "textarea", "number", "date", "email", "select", "radio"]

_INTEGER = re.compile(r"[+-]?\d+")
_PREDICATE_STARTS = frozenset({"is", "must", "has", "contains", "could", "cannot"})
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


@dataclass(frozen=True, slots=True)
class Choice:
    """One option of a select or radio group; ``group`` names an ``<optgroup>``."""

    value: str
    label: str
    group: str = ""


@dataclass(frozen=True, slots=True)
class FormField:
    """One input. ``name`` is the request path; ``default`` the value of a fresh form.

    ``summary_label`` names the field in the error summary, where the fieldset's
    legend is not in sight ("Seller name" rather than "Name").
    """

    name: str
    label: str
    widget: Widget = "text"
    value_type: ValueType = "text"
    help: str = ""
    choices: tuple[Choice, ...] = ()
    default: str = ""
    required: bool = False
    summary_label: str = ""
    attrs: tuple[tuple[str, str], ...] = ()

    @property
    def id(self) -> str:
        """The element id: ``f-`` and the name with dots and underscores as dashes."""
        return "f-" + self.name.replace(".", "-").replace("_", "-")

    @property
    def long_label(self) -> str:
        """The label to use out of context (error summary)."""
        return self.summary_label or self.label

    def choice_label(self, value: str) -> str:
        """The label of the choice whose value is ``value`` (the value itself if none)."""
        return next((choice.label for choice in self.choices if choice.value == value), value)


@dataclass(frozen=True, slots=True)
class Fieldset:
    """A ``<fieldset>`` with its legend, intro text, fields and nested fieldsets."""

    id: str
    legend: str
    intro: str = ""
    fields: tuple[FormField, ...] = ()
    children: tuple[Fieldset, ...] = ()

    def all_fields(self) -> tuple[FormField, ...]:
        """This fieldset's fields, then its children's, in page order."""
        return self.fields + tuple(field for child in self.children for field in child.all_fields())


@dataclass(frozen=True, slots=True)
class FormError:
    """A validation error placed on the page: next to ``field`` (when the error
    belongs to one) and in the summary at the top. ``path`` is its request path."""

    field: FormField | None
    message: str
    path: str = ""

    @property
    def inline(self) -> str:
        """The sentence shown next to the field: ``Term in months must be at most 360``."""
        return _sentence(self.field.label if self.field else self.path, self.message)

    @property
    def summary(self) -> str:
        """The sentence in the summary, naming the field out of context:
        ``Seller legal name must not be empty``."""
        return _sentence(self.field.long_label if self.field else self.path, self.message)


class FormModel:
    """The form's fields in page order, and the conversions between form and request."""

    def __init__(
        self, sections: Iterable[Fieldset], *, location_aliases: Mapping[str, str]
    ) -> None:
        self.sections = tuple(sections)
        self.fields = tuple(field for section in self.sections for field in section.all_fields())
        self.by_name = {field.name: field for field in self.fields}
        if len(self.by_name) != len(self.fields):
            raise ValueError("two form fields share a name")
        unknown = set(location_aliases.values()) - set(self.by_name)
        if unknown:
            raise ValueError(f"location aliases point to unknown fields: {sorted(unknown)}")
        self._aliases = dict(location_aliases)

    def defaults(self) -> dict[str, str]:
        """The values of a fresh form."""
        return {field.name: field.default for field in self.fields}

    def submitted(self, form: Mapping[str, Any]) -> dict[str, str]:
        """The submitted text of every known field (unknown names and files ignored),
        as the page shows it again."""
        return {
            field.name: value if isinstance(value := form.get(field.name, ""), str) else ""
            for field in self.fields
        }

    def to_request(self, values: Mapping[str, str]) -> dict[str, Any]:
        """The nested request dict of the form's values.

        Empty fields are left out; numbers that parse become numbers (so that the
        request model's own checks and messages apply), and text that does not parse
        is passed on as text for the model to reject with a sentence.
        """
        request: dict[str, Any] = {}
        for field in self.fields:
            value = _convert(field, values.get(field.name, ""))
            if value is None:
                continue
            *parents, leaf = field.name.split(".")
            node = request
            for part in parents:
                node = node.setdefault(part, {})
            node[leaf] = value
        return request

    def from_request(self, data: Mapping[str, Any]) -> dict[str, str]:
        """The form values that show a nested request dict (from an answers file or a
        .docx): fields it leaves out show the form's default, ``null`` an empty field."""
        values: dict[str, str] = {}
        for field in self.fields:
            found, value = _lookup(data, field.name)
            values[field.name] = _display(field, value) if found else field.default
        return values

    def field_for(self, location: tuple[str | int, ...]) -> FormField | None:
        """The field an error at ``location`` belongs to, or None (an unknown key in
        an uploaded answers file, say).

        List indexes are ignored (an error in the third further event belongs to
        the further-events field); a location that is no field but an alias (a rule
        comparing fields, located at their parent) gives the aliased field; else
        the nearest parent path that is a field.
        """
        parts = [part for part in location if isinstance(part, str)]
        name = ".".join(parts)
        if name not in self.by_name and name in self._aliases:
            return self.by_name[self._aliases[name]]
        while parts:
            name = ".".join(parts)
            if name in self.by_name:
                return self.by_name[name]
            parts.pop()
        return None

    def place_errors(self, errors: Iterable[FieldError]) -> list[FormError]:
        """Each error with its field, in page order; errors without a field first."""
        order = {field.name: index for index, field in enumerate(self.fields)}
        placed = [
            FormError(
                field=self.field_for(error.location),
                message=error.message,
                path=error.path,
            )
            for error in errors
        ]
        return sorted(placed, key=lambda error: order[error.field.name] if error.field else -1)


def _sentence(subject: str, message: str) -> str:
    """The request's messages are predicates (``must be at most 360``) or sentences of
    their own (``"Dysprosum" is not a rare-earth element...``); a predicate gets the
    field as its subject."""
    first_word = message.split(" ", 1)[0]
    if subject and first_word in _PREDICATE_STARTS:
        return f"{subject} {message}"
    return message[:1].upper() + message[1:] if message else f"{subject}: check this value"


def _convert(field: FormField, raw: str) -> Any:
    """The request value of one field's text, or None when the field is empty."""
    text = raw.strip()
    if not text:
        return None
    match field.value_type:
        case "int":
            return int(text) if _INTEGER.fullmatch(text) else text
        case "number" | "percent":
            if _INTEGER.fullmatch(text):
                return int(text)
            return float(text) if _NUMBER.fullmatch(text) else text
        case "bool":
            return {"true": True, "false": False}.get(text, text)
        case "lines":
            lines = [line.strip() for line in text.splitlines() if line.strip()]
            return lines or None
    return text


def _lookup(data: Mapping[str, Any], name: str) -> tuple[bool, Any]:
    node: Any = data
    for part in name.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return False, None
        node = node[part]
    return True, node


def _display(field: FormField, value: Any) -> str:
    """A request value as the form shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "\n".join(str(item) for item in value)
    if field.value_type == "percent" and isinstance(value, int | float) and value <= 1:
        return _plain(Decimal(repr(value)) * 100)
    if isinstance(value, float):
        return _plain(Decimal(repr(value)))
    if isinstance(value, Decimal):
        return _plain(value)
    return str(value)


def _plain(value: Decimal) -> str:
    """``95.0`` -> ``95``, ``0.50`` -> ``0.5``, never exponent notation."""
    try:
        return f"{value.normalize():f}"
    except InvalidOperation:  # pragma: no cover - only NaN-like values, which JSON cannot carry
        return str(value)
