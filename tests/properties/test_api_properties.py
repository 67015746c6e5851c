"""The HTTP API on any JSON body: a draft or a clear 4xx problem, never a 5xx."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Any

import httpx
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

DRAFTING = {
    "/api/v1/contracts/docx": "application/vnd.openxmlformats-officedocument",
    "/api/v1/contracts/html": "text/html",
    "/api/v1/contracts/report": "application/json",
}
JSON = {"content-type": "application/json"}


Problem = Callable[[httpx.Response, int], dict[str, Any]]


def check_answer(response: httpx.Response, route: str, check_problem: Problem) -> None:
    """A draft of the right kind, or a 4xx problem+json; a 422 lists located fields."""
    assert response.status_code < 500, response.text[:500]
    if response.status_code == 200:
        assert response.headers["content-type"].startswith(DRAFTING[route])
        event("drafted")
        return
    event(f"refused {response.status_code}")
    body = check_problem(response, response.status_code)
    assert 400 <= response.status_code < 500
    if response.status_code == 422:
        assert body["errors"]
        for error in body["errors"]:
            assert isinstance(error["path"], str)
            assert len(error["message"]) > 5


@property_settings(max_examples=150)
@given(data=any_json | request_shaped, route=st.sampled_from(sorted(DRAFTING)))
def test_any_json_body_gets_a_draft_or_a_clear_4xx(
    api: Any, expect_problem: Problem, data: Any, route: str
) -> None:
    check_answer(api.post(route, content=encode(data), headers=JSON), route, expect_problem)


@property_settings(max_examples=60)
@given(raw=st.binary(max_size=300), route=st.sampled_from(sorted(DRAFTING)))
def test_any_bytes_get_a_clear_4xx(
    api: Any, expect_problem: Problem, raw: bytes, route: str
) -> None:
    check_answer(api.post(route, content=raw, headers=JSON), route, expect_problem)


@property_settings(max_examples=200)
@example(
    case=({**SHORTHAND, "volume": "\ud80012 t per year"}, []), route="/api/v1/contracts/report"
)
@given(case=near_valid_requests(), route=st.sampled_from(sorted(DRAFTING)))
def test_near_valid_requests_get_a_draft_or_a_clear_4xx(
    api: Any, expect_problem: Problem, case: tuple[dict[str, Any], list[Mutation]], route: str
) -> None:
    data, _ = case
    check_answer(api.post(route, content=encode(data), headers=JSON), route, expect_problem)


@property_settings(max_examples=40)
@given(data=markup_in_string_fields(), route=st.sampled_from(sorted(DRAFTING)))
def test_markup_in_any_free_text_is_drafted(
    api: Any, expect_problem: Problem, data: dict[str, Any], route: str
) -> None:
    response = api.post(route, content=encode(data), headers=JSON)
    check_answer(response, route, expect_problem)
    assert response.status_code == 200


@property_settings(max_examples=30)
@given(items=st.lists(near_valid_requests().map(lambda case: case[0]), min_size=1, max_size=3))
def test_batches_of_near_valid_requests_get_a_zip_or_a_clear_4xx(
    api: Any, expect_problem: Problem, items: list[dict[str, Any]]
) -> None:
    response = api.post("/api/v1/contracts/batch", content=encode(items), headers=JSON)
    assert response.status_code < 500, response.text[:500]
    if response.status_code == 200:
        event("drafted")
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            assert len(archive.namelist()) == len(items) + 1
        return
    event(f"refused {response.status_code}")
    expect_problem(response, response.status_code)
