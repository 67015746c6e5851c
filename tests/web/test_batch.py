"""Batch drafting: the zip and its manifest, through the API and app.batch itself."""

from __future__ import annotations

import copy
import io
import json
import re
import zipfile
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app import batch, service
from app.errors import InvalidRequestError

JSON = {"content-type": "application/json"}
Problem = Callable[[httpx.Response, int], dict[str, Any]]


@pytest.fixture
def two_requests(spec_request: dict[str, Any], full_request: dict[str, Any]) -> list[dict]:
    return [spec_request, full_request]


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return {info.filename: archive.read(info) for info in archive.infolist()}


def test_batch_zip_holds_each_document_and_a_manifest(
    client: Any, two_requests: list[dict]
) -> None:
    response = client.post("/api/v1/contracts/batch", json=two_requests)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert re.search(
        r'filename="clausewright-batch-[0-9a-f]{12}\.zip"', response.headers["content-disposition"]
    )
    members = _members(response.content)
    names = list(members)
    assert names[-1] == "manifest.json"
    assert [name[:4] for name in names[:-1]] == ["001_", "002_"]
    for index, request in enumerate(two_requests):
        single = client.post("/api/v1/contracts/docx", json=request)
        # The same document as the single route, byte for byte, under its descriptive name.
        assert members[names[index]] == single.content
        assert names[index].endswith(
            re.findall(r'filename="([^"]+)"', single.headers["content-disposition"])[0]
        )

    manifest = json.loads(members["manifest.json"])
    assert manifest["count"] == 2
    assert manifest["library_version"] == service.get_library().version
    for index, (item, request) in enumerate(zip(manifest["items"], two_requests, strict=True)):
        parsed = service.parse_request(request)
        assert item["index"] == index
        assert item["file"] == names[index]
        assert item["input_hash"] == service.input_hash(parsed)
        assert item["element"] == "Dy"
        assert item["licensing_controlled"] in (True, False, None)
        assert item["safety_stock"]["unit"] in ("kg", "t")
        assert item["clauses"] > 5
        assert isinstance(item["warnings"], list)
        report = client.post("/api/v1/contracts/report", json=request).json()
        assert item["warnings"] == report["warnings"]
        assert item["placeholders"] == len(report["placeholders"])


def test_batch_is_deterministic_and_names_duplicates_apart(client: Any, spec_request: dict) -> None:
    requests = [spec_request, copy.deepcopy(spec_request)]
    first = client.post("/api/v1/contracts/batch", json=requests).content
    assert client.post("/api/v1/contracts/batch", json=requests).content == first
    names = list(_members(first))
    assert len(set(names)) == 3
    assert names[0][4:] == names[1][4:]


def test_batch_limit_comes_from_the_settings(
    app_with: Callable[..., FastAPI],
    client_for: Callable[[FastAPI], Any],
    expect_problem: Problem,
    spec_request: dict,
) -> None:
    client = client_for(app_with(batch_limit=2))
    assert client.post("/api/v1/contracts/batch", json=[spec_request] * 2).status_code == 200
    problem = expect_problem(client.post("/api/v1/contracts/batch", json=[spec_request] * 3), 422)
    assert "the batch has 3 requests; at most 2" in problem["detail"]


def test_one_invalid_item_refuses_the_whole_batch_naming_every_bad_item(
    client: Any, expect_problem: Problem, spec_request: dict
) -> None:
    bad_volume = {**spec_request, "volume": {"quantity": 0, "unit": "t"}}
    bad_element = {**spec_request, "element": "Xx", "colour": "red"}
    response = client.post(
        "/api/v1/contracts/batch", json=[spec_request, bad_volume, spec_request, bad_element]
    )
    paths = [error["path"] for error in expect_problem(response, 422)["errors"]]
    assert paths == ["[1].volume.quantity", "[3].element", "[3].colour"]


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ({"element": "Dy"}, "must be a JSON list"),
        ([], "is empty"),
        ([{}] * 4, "the batch has 4 requests; at most 3"),
    ],
)
def test_batch_shape_is_checked_before_the_items(items: object, message: str) -> None:
    with pytest.raises(InvalidRequestError) as raised:
        batch.parse_batch(items, limit=3)
    (error,) = raised.value.errors
    assert error.location == ()
    assert message in error.message


def test_parse_batch_prefixes_each_error_with_its_item(spec_request: dict) -> None:
    with pytest.raises(InvalidRequestError) as raised:
        batch.parse_batch([spec_request, None, {**spec_request, "term": "forever"}], limit=10)
    assert [error.path for error in raised.value.errors] == ["[1]", "[2].term"]
    assert len(batch.parse_batch([spec_request, spec_request], limit=2)) == 2


def test_zip_is_streamed_one_document_at_a_time(two_requests: list[dict]) -> None:
    requests = [service.parse_request(request) for request in two_requests]
    done: list[int] = []
    chunks = list(batch.iter_batch_zip(requests, progress=done.append))
    assert done == [1, 2]
    assert len(chunks) == 3  # a document, a document, then the manifest and directory
    assert all(chunks)
    assert list(_members(b"".join(chunks)))[-1] == "manifest.json"


def test_member_names_sort_in_request_order(spec_request: dict) -> None:
    draft = service.draft(request=service.parse_request(spec_request))
    assert batch.member_name(index=0, count=12, draft=draft).startswith("001_")
    assert batch.member_name(index=1233, count=1234, draft=draft).startswith("1234_")
    assert batch.member_name(index=8, count=1234, draft=draft).startswith("0009_")
