"""The contract form's fields, loaded from ``templates/form_fields.yaml``.

The YAML holds the page copy a lawyer may want to adjust (labels, help, order,
choices) grouped as a supply agreement reads: product; quantity and term; parties;
commercial terms; law and disputes; risk. This module checks it, expands its
shorthands (field types, the repeated party fields) and adds to every option a
request may leave to the posture what each posture would put there, read from the
posture defaults so the page and the draft never disagree.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.domain.options import posture_defaults
from app.domain.request import Posture
from app.errors import ClausewrightError
from app.web.form_model import Choice, Fieldset, FormField, FormModel, ValueType, Widget

FIELDS_FILE = Path(__file__).resolve().parent / "templates" / "form_fields.yaml"

FieldType = Literal[
    "text", "textarea", "lines", "date", "email", "int", "number", "percent", "days",
    "select", "radio",
]  # fmt: skip
_NUMERIC = (("inputmode", "numeric"), ("step", "1"))
_DECIMAL = (("inputmode", "decimal"), ("step", "any"))
# type -> (widget, value conversion, default attributes)
_TYPES: dict[str, tuple[Widget, ValueType, tuple[tuple[str, str], ...]]] = {
    "text": ("text", "text", ()),
    "textarea": ("textarea", "text", ()),
    "lines": ("textarea", "lines", ()),
    "date": ("date", "text", ()),
    "email": ("email", "text", (("autocomplete", "off"),)),
    "int": ("number", "int", _NUMERIC),
    "number": ("number", "number", _DECIMAL),
    "percent": ("number", "percent", _DECIMAL),
    "days": ("number", "int", (*_NUMERIC, ("min", "1"), ("max", "730"))),
}
POSTURE_DEFAULT = Choice("", "Posture default")


class FormDefinitionError(ClausewrightError):
    """The form definition file is malformed (a defect, caught by the tests)."""


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _FieldSpec(_Spec):
    name: str
    label: str
    type: FieldType = "text"
    help: str = ""
    required: bool = False
    default: str = ""
    choices: dict[str, str] = Field(default_factory=dict)
    choice_groups: dict[str, dict[str, str]] = Field(default_factory=dict)
    convert: Literal["text", "int", "bool"] = "text"
    posture_default: bool = False
    attrs: dict[str, str] = Field(default_factory=dict)


class _FieldsetSpec(_Spec):
    id: str
    legend: str = ""
    intro: str = ""
    parties: dict[str, str] = Field(default_factory=dict)
    fields: list[_FieldSpec] = Field(default_factory=list)
    children: list[_FieldsetSpec] = Field(default_factory=list)


class _FormSpec(_Spec):
    sections: list[_FieldsetSpec]
    location_aliases: dict[str, str]


def _field(spec: _FieldSpec, *, prefix: str = "", owner: str = "") -> FormField:
    if spec.type in ("select", "radio"):
        widget: Widget = spec.type
        value_type: ValueType = spec.convert
        attrs: dict[str, str] = {}
    else:
        widget, value_type, preset = _TYPES[spec.type]
        attrs = dict(preset)
    attrs.update(spec.attrs)
    choices = [Choice(value, label) for value, label in spec.choices.items()]
    choices += [
        Choice(value, label, group)
        for group, members in spec.choice_groups.items()
        for value, label in members.items()
    ]
    if spec.posture_default and widget == "select":
        choices.insert(0, POSTURE_DEFAULT)
    field = FormField(
        name=prefix + spec.name,
        label=spec.label,
        widget=widget,
        value_type=value_type,
        help=spec.help,
        choices=tuple(choices),
        default=spec.default,
        required=spec.required,
        summary_label=f"{owner} {spec.label[:1].lower()}{spec.label[1:]}" if owner else "",
        attrs=tuple(sorted(attrs.items())),
    )
    return _with_posture_hint(field) if spec.posture_default else field


def _with_posture_hint(field: FormField) -> FormField:
    """``field`` with help saying what each posture puts there when it is left empty."""
    group, _, option = field.name.partition(".")
    defaults = posture_defaults()
    shown = []
    for posture in Posture:
        value = defaults[posture.value].get(group, {}).get(option)
        if value is None:
            raise FormDefinitionError(
                f"{FIELDS_FILE.name}: {field.name} is marked posture_default but the "
                f"{posture.value} posture has no default for it"
            )
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        shown.append(f"{posture.value}: {field.choice_label(text)}")
    hint = "Posture default - " + ", ".join(shown) + "."
    return FormField(
        name=field.name,
        label=field.label,
        widget=field.widget,
        value_type=field.value_type,
        help=f"{field.help} {hint}".strip(),
        choices=field.choices,
        default=field.default,
        required=field.required,
        summary_label=field.summary_label,
        attrs=field.attrs,
    )


def _fieldsets(spec: _FieldsetSpec) -> list[Fieldset]:
    """One fieldset, or one per party when the spec lists parties."""
    children = tuple(fieldset for child in spec.children for fieldset in _fieldsets(child))
    if not spec.parties:
        return [
            Fieldset(
                id=f"group-{spec.id}",
                legend=spec.legend,
                intro=spec.intro,
                fields=tuple(_field(field) for field in spec.fields),
                children=children,
            )
        ]
    return [
        Fieldset(
            id=f"group-{key}",
            legend=label,
            intro=spec.intro,
            fields=tuple(_field(field, prefix=f"{key}.", owner=label) for field in spec.fields),
            children=children,
        )
        for key, label in spec.parties.items()
    ]


def load_form_model(path: Path = FIELDS_FILE) -> FormModel:
    """Read and check a form definition file.

    Raises:
        FormDefinitionError: the file cannot be read, does not match the expected
            shape, repeats a field name or aliases an unknown field.
    """
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
        spec = _FormSpec.model_validate(raw)
    except (OSError, yaml.YAMLError) as error:
        raise FormDefinitionError(f"{path.name}: cannot be read: {error}") from None
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise FormDefinitionError(f"{path.name}: {where}: {first['msg']}") from None
    sections = [fieldset for section in spec.sections for fieldset in _fieldsets(section)]
    try:
        return FormModel(sections, location_aliases=spec.location_aliases)
    except ValueError as error:
        raise FormDefinitionError(f"{path.name}: {error}") from None


@cache
def form_model() -> FormModel:
    """The contract form, loaded once per process."""
    return load_form_model()
