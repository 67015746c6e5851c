"""The service on any input: a draft, or InvalidRequestError whose every FieldError is
located in the request and says what is wrong - never another exception."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import event, example, given
from hypothesis import strategies as st
from request_strategies import (
    SHORTHAND,
    Mutation,
    any_json,
    encode,
    markup_in_string_fields,
    near_valid_requests,
    property_settings,
    request_shaped,
)

from app import reporting, service
from app.domain.request import ContractRequest
from app.errors import FieldError, InvalidRequestError
from app.render.docx_writer import render_docx
from app.render.html import render_html


def check_located(errors: list[FieldError], data: Any) -> None:
    """Every error has a sentence and a path into ``data``: each step but the last
    exists in the request (the last may name a missing field)."""
    assert errors
    for error in errors:
        assert isinstance(error.message, str)
        assert len(error.message) > 5, error
        assert all(isinstance(step, str | int) for step in error.location), error
        node = data
        for step in error.location[:-1]:
            if isinstance(node, dict) and isinstance(step, str):
                assert step in node, (error, "is not a path of the request")
            elif isinstance(node, list) and isinstance(step, int):
                assert 0 <= step < len(node), (error, "is not a path of the request")
            else:
                raise AssertionError(f"{error} is not a path of the request")
            node = node[step]


def check_sentences(errors: list[FieldError]) -> None:
    """Every error says something."""
    assert errors
    assert all(len(error.message) > 5 for error in errors), errors


def check_points_at_the_change(errors: list[FieldError], mutations: list[Mutation]) -> None:
    """An otherwise valid request is refused at (the top-level field of) a change."""
    changed = {mutation.path[0] for mutation in mutations}
    located = {error.location[0] for error in errors if error.location}
    assert located & changed or not located, (errors, [str(m) for m in mutations])


def draft_everything(request: ContractRequest) -> None:
    """Draft ``request`` and render every output; any exception fails the property."""
    drafted = service.draft(request=request)
    assert render_docx(drafted.assembly.document)[:2] == b"PK"
    assert render_html(drafted.assembly.document).lower().startswith("<!doctype html>")
    report = reporting.report(drafted)
    assert report["input_hash"] == service.input_hash(request)
    json.dumps(report, allow_nan=False)


def parse_or_errors(data: Any) -> ContractRequest | None:
    """The request, or ``None`` after checking the errors are located."""
    try:
        return service.parse_request(data)
    except InvalidRequestError as error:
        check_located(error.errors, data)
        return None


@property_settings(max_examples=300)
@given(data=any_json | request_shaped)
def test_any_json_value_is_a_request_or_located_errors(data: Any) -> None:
    request = parse_or_errors(data)
    event("refused" if request is None else "drafted")
    if request is not None:
        draft_everything(request)


@property_settings(max_examples=200)
@given(raw=st.binary(max_size=200) | any_json.map(encode))
def test_any_body_is_decoded_or_refused_at_the_request(raw: bytes) -> None:
    try:
        service.parse_request_json(raw)
    except InvalidRequestError as error:
        check_sentences(error.errors)


BROKEN_UNICODE_SHORTHANDS = [  # once a 500: the error message quoted a lone surrogate
    ({**SHORTHAND, "volume": "\ud80012 t per year"}, [Mutation("wrap", ("volume",))]),
    ({**SHORTHAND, "term": "3 years\udfff"}, [Mutation("wrap", ("term",))]),
]


@property_settings(max_examples=400)
@example(case=BROKEN_UNICODE_SHORTHANDS[0])
@example(case=BROKEN_UNICODE_SHORTHANDS[1])
@given(case=near_valid_requests())
def test_near_valid_requests_draft_or_point_at_the_change(
    case: tuple[dict[str, Any], list[Mutation]],
) -> None:
    data, mutations = case
    try:
        request = service.parse_request(data)
    except InvalidRequestError as error:
        check_located(error.errors, data)
        check_points_at_the_change(error.errors, mutations)
        event("refused")
        return
    event("drafted")
    draft_everything(request)
    # What was accepted reads back as the same request (normalisation is stable).
    again = service.parse_request(json.loads(service.normalised_json(request)))
    assert service.input_hash(again) == service.input_hash(request)


@property_settings(max_examples=100)
@given(data=markup_in_string_fields())
def test_markup_in_string_fields_is_drafted_or_refused_in_place(data: dict[str, Any]) -> None:
    request = parse_or_errors(data)
    event("refused" if request is None else "drafted")
    if request is not None:
        draft_everything(request)
