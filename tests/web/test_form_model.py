"""The form model: flat fields <-> nested request, errors placed on their fields, and
the form definition kept in step with the request model."""

from __future__ import annotations

import types
import typing
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from app import service
from app.domain.request import ContractRequest
from app.errors import FieldError
from app.web.form_fields import FIELDS_FILE, FormDefinitionError, form_model, load_form_model
from app.web.form_model import Fieldset, FormField, FormModel

MODEL = form_model()


def _leaf_paths(model: type[BaseModel], prefix: str = "") -> dict[str, Any]:
    """Every leaf field of a request model, by dotted path, with its annotation."""
    paths: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            paths.update(_leaf_paths(annotation, f"{prefix}{name}."))
        else:
            paths[prefix + name] = annotation
    return paths


REQUEST_PATHS = _leaf_paths(ContractRequest)


def _allowed_values(annotation: Any) -> set[str] | None:
    """The values a closed annotation (enum, bool, literal) allows, as form text; None
    when the annotation is open (text, numbers)."""
    if typing.get_origin(annotation) is typing.Literal:
        return {str(value) for value in typing.get_args(annotation)}
    union = typing.get_origin(annotation) in (typing.Union, types.UnionType)
    values: set[str] = set()
    for member in typing.get_args(annotation) if union else (annotation,):
        if member is type(None):
            continue
        if isinstance(member, type) and issubclass(member, Enum):
            values |= {str(item.value) for item in member}
        elif member is bool:
            values |= {"true", "false"}
        else:
            return None
    return values


def test_every_request_field_has_a_form_field_and_back() -> None:
    assert set(REQUEST_PATHS) == set(MODEL.by_name)


@pytest.mark.parametrize(
    "field", [field for field in MODEL.fields if field.choices], ids=lambda field: field.name
)
def test_choices_offer_exactly_what_the_request_allows(field: FormField) -> None:
    allowed = _allowed_values(REQUEST_PATHS[field.name])
    assert allowed is not None, f"{field.name} has choices but the request field is open"
    offered = {choice.value for choice in field.choices} - {""}
    assert offered == allowed


def test_fields_are_unique_and_ids_are_unique() -> None:
    ids = [field.id for field in MODEL.fields]
    assert len(ids) == len(set(ids))
    assert MODEL.by_name["volume.quantity"].id == "f-volume-quantity"


def test_a_fresh_form_is_a_valid_request_once_the_required_facts_are_given() -> None:
    values = MODEL.defaults() | {"element": "Dy", "volume.quantity": "12", "term.months": "36"}
    request = service.parse_request(MODEL.to_request(values))
    assert request.element == "Dy"
    assert request.posture.value == "balanced"


@pytest.mark.parametrize("blank", ["", "   ", "\n"])
def test_empty_fields_are_left_out_of_the_request(blank: str) -> None:
    values = {field.name: blank for field in MODEL.fields} | {"element": "Dy"}
    assert MODEL.to_request(values) == {"element": "Dy"}


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("term.months", "36", 36),
        ("term.months", " 36 ", 36),
        ("term.months", "3 years", "3 years"),
        ("volume.quantity", "12.5", 12.5),
        ("volume.quantity", "12", 12),
        ("volume.quantity", "twelve", "twelve"),
        ("price.adjustment_percent", "-2.5", -2.5),
        ("safety_stock.service_level", "98", 98),
        ("safety_stock.service_level", "0.975", 0.975),
        ("safety_stock.buy_back", "false", False),
        ("safety_stock.buy_back", "true", True),
        ("disputes.arbitrators", "1", 1),
        (
            "force_majeure.additional_events",
            "port closure\n\n  flood  \n",
            ["port closure", "flood"],
        ),
        ("seller.name", "  Example GmbH  ", "Example GmbH"),
        ("seller.address", "1 Road\nTown", "1 Road\nTown"),
    ],
)
def test_text_converts_to_request_values(name: str, text: str, expected: Any) -> None:
    request = MODEL.to_request({name: text})
    node: Any = request
    for part in name.split("."):
        node = node[part]
    assert node == expected
    assert type(node) is type(expected)


@pytest.mark.parametrize(
    ("name", "value", "shown"),
    [
        ("safety_stock.service_level", 0.95, "95"),
        ("safety_stock.service_level", 0.999, "99.9"),
        ("safety_stock.service_level", 98, "98"),
        ("safety_stock.buy_back", True, "true"),
        ("safety_stock.buy_back", None, ""),
        ("volume.quantity", "12.000", "12.000"),
        ("price.adjustment_percent", -2.5, "-2.5"),
        ("force_majeure.additional_events", ["a", "b"], "a\nb"),
        ("term.months", 36, "36"),
    ],
)
def test_request_values_display_as_form_text(name: str, value: Any, shown: str) -> None:
    data: dict[str, Any] = {}
    *parents, leaf = name.split(".")
    node = data
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = value
    assert MODEL.from_request(data)[name] == shown


def test_fields_missing_from_a_request_show_their_default() -> None:
    values = MODEL.from_request({"element": "Dy"})
    assert values["form"] == "oxide"
    assert values["disputes.language"] == "English"
    assert values["seller.name"] == ""


def test_form_values_round_trip_through_the_request(full_request: dict[str, Any]) -> None:
    normalised = service.parse_request(full_request).model_dump(mode="json")
    values = MODEL.from_request(normalised)
    assert MODEL.from_request(MODEL.to_request(values)) == values
    assert service.parse_request(MODEL.to_request(values)) == service.parse_request(full_request)


def test_submitted_keeps_known_text_fields_only() -> None:
    values = MODEL.submitted({"element": "Dy", "unknown": "x", "seller.name": object()})
    assert values["element"] == "Dy"
    assert values["seller.name"] == ""
    assert "unknown" not in values


@pytest.mark.parametrize(
    ("location", "field_name"),
    [
        (("volume", "quantity"), "volume.quantity"),
        (("seller", "country"), "seller.country"),
        (("force_majeure", "additional_events", 2), "force_majeure.additional_events"),
        ((), "agreement_date"),
        (("price",), "price.floor_price"),
        (("volume",), "volume.quantity"),
        (("seller", "nmae"), None),
        (("bogus",), None),
        (("price", "bogus"), None),
    ],
)
def test_errors_find_their_field(location: tuple[str | int, ...], field_name: str | None) -> None:
    field = MODEL.field_for(location)
    assert (field.name if field else None) == field_name


def test_errors_are_placed_in_page_order_with_sentences() -> None:
    placed = MODEL.place_errors(
        [
            FieldError(("term", "months"), "must be at most 360"),
            FieldError(("seller", "name"), "must not be empty"),
            FieldError(("element",), '"Dyx" is not a rare-earth element'),
            FieldError(("bogus",), "is not a field of this request; check the spelling"),
        ]
    )
    assert [error.field.name if error.field else None for error in placed] == [
        None,
        "element",
        "term.months",
        "seller.name",
    ]
    assert placed[0].summary == "bogus is not a field of this request; check the spelling"
    assert placed[1].inline == '"Dyx" is not a rare-earth element'
    assert placed[2].inline == "Term in months must be at most 360"
    assert placed[3].inline == "Legal name must not be empty"
    assert placed[3].summary == "Seller legal name must not be empty"


def test_posture_dependent_options_say_what_each_posture_picks() -> None:
    help_text = MODEL.by_name["licensing.long_stop_days"].help
    assert "buyer: 60" in help_text
    assert "balanced: 90" in help_text
    assert "seller: 120" in help_text
    assert MODEL.by_name["licensing.licence_costs"].choices[0].label == "Posture default"


def test_form_model_refuses_duplicate_names_and_unknown_aliases() -> None:
    field = FormField("element", "Element")
    with pytest.raises(ValueError, match="share a name"):
        FormModel([Fieldset("a", "A", fields=(field, field))], location_aliases={})
    with pytest.raises(ValueError, match="unknown fields"):
        FormModel([Fieldset("a", "A", fields=(field,))], location_aliases={"": "nowhere"})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sections: [\n", "cannot be read"),
        ("sections: []\n", "location_aliases"),
        ("sections:\n  - id: x\n    fields: [{name: a, label: A, type: slider}]\n"
         "location_aliases: {}\n", "sections.0.fields.0.type"),
        ("sections:\n  - id: x\n    fields: [{name: a, label: A}, {name: a, label: B}]\n"
         "location_aliases: {}\n", "share a name"),
        ("sections:\n  - id: x\n    fields: [{name: price.payment_days, label: A,"
         " posture_default: true}]\nlocation_aliases: {}\n", "no default"),
    ],
)  # fmt: skip
def test_a_broken_form_definition_is_reported(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "fields.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FormDefinitionError, match=message):
        load_form_model(path)


def test_the_packaged_definition_loads() -> None:
    assert load_form_model(FIELDS_FILE).by_name.keys() == MODEL.by_name.keys()
