"""Options a request leaves out take the posture's default; this records which did.

The defaults live in ``app/data/posture_defaults.yaml`` (drafting policy a lawyer can
review), not in code. The report shows, for every option, whether it came from the
request or from the posture.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from app.domain.request import ContractRequest, Posture
from app.errors import ReferenceDataError

DEFAULTS_PATH = Path(__file__).resolve().parent.parent / "data" / "posture_defaults.yaml"
_GROUPS = ("licensing", "force_majeure", "safety_stock")


@dataclass(frozen=True, slots=True)
class ResolvedOptions:
    """Every option of the three risk groups, with where each value came from."""

    licensing: dict[str, Any]
    force_majeure: dict[str, Any]
    safety_stock: dict[str, Any]
    origin: dict[str, str]  # "licensing.long_stop_days" -> "request" | "default for buyer posture"


@cache
def posture_defaults() -> dict[str, dict[str, dict[str, Any]]]:
    """The defaults file, checked: every posture has every group.

    Raises:
        ReferenceDataError: the file is missing or incomplete.
    """
    try:
        data = yaml.safe_load(DEFAULTS_PATH.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ReferenceDataError(f"{DEFAULTS_PATH.name}: cannot be read: {error}") from None
    for posture in Posture:
        for group in _GROUPS:
            if not isinstance(data.get(posture.value, {}).get(group), dict):
                raise ReferenceDataError(
                    f"{DEFAULTS_PATH.name}: posture {posture.value!r} has no {group!r} defaults"
                )
    return dict(data)


def resolve_options(*, request: ContractRequest) -> ResolvedOptions:
    """Fill every option the request left as None from its posture's defaults."""
    defaults = posture_defaults()[request.posture.value]
    origin: dict[str, str] = {}
    groups: dict[str, dict[str, Any]] = {}
    for group in _GROUPS:
        model: BaseModel = getattr(request, group)
        values = dict(model)
        for name, value in defaults[group].items():
            if values.get(name) is None:
                values[name] = _coerce(model, name, value)
                origin[f"{group}.{name}"] = f"default for {request.posture.value} posture"
            else:
                origin[f"{group}.{name}"] = "request"
        groups[group] = values
    return ResolvedOptions(
        licensing=groups["licensing"],
        force_majeure=groups["force_majeure"],
        safety_stock=groups["safety_stock"],
        origin=origin,
    )


@cache
def _adapter(model: type[BaseModel], name: str) -> TypeAdapter[Any]:
    """One validator per option field (building one costs about a millisecond)."""
    annotation = model.model_fields[name].annotation
    assert annotation is not None  # _coerce checked it
    return TypeAdapter(annotation)


def _coerce(model: BaseModel, name: str, value: Any) -> Any:
    """Give a default the field's own type (an enum member, say) by validating it.

    Raises:
        ReferenceDataError: the defaults file names an unknown option or a bad value.
    """
    field = type(model).model_fields.get(name)
    if field is None or field.annotation is None:
        raise ReferenceDataError(f"{DEFAULTS_PATH.name}: unknown option {name!r}")
    try:
        return _adapter(type(model), name).validate_python(value)
    except ValidationError as error:
        raise ReferenceDataError(
            f"{DEFAULTS_PATH.name}: {name}: {error.errors()[0]['msg']}"
        ) from None
