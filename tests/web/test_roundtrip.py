"""Draft a .docx, upload it, and get back exactly the normalised request it was made from."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest

from app import service

SHORTHAND = {"element": "terbium", "form": "metal", "volume": "500 kg/month", "term": "3 years"}
UNICODE_PARTIES = {
    "element": "Nd",
    "volume": {"quantity": "2.5", "unit": "t", "per": "month"},
    "term": {"start_date": "2028-02-29", "months": 18},
    "seller": {
        "name": "赣州稀土 Example Co., Ltd.",
        "country": "China",
        "address": "Zhāng\nRoad 1",
    },
    "buyer": {"name": "Müller & Söhne <GmbH> {{ x }}", "country": "de"},
    "posture": "seller",
}


def _upload(client: Any, document: bytes) -> dict[str, Any]:
    response = client.post(
        "/api/v1/documents/parameters", files={"file": ("agreement.docx", document)}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize("name", ["spec", "full", "shorthand", "unicode"])
def test_round_trip_recovers_the_exact_normalised_request(
    client: Any, spec_request: dict, full_request: dict, name: str
) -> None:
    request = {
        "spec": spec_request,
        "full": full_request,
        "shorthand": SHORTHAND,
        "unicode": UNICODE_PARTIES,
    }[name]
    parsed = service.parse_request(request)
    drafted = client.post("/api/v1/contracts/docx", json=request)
    recovered = _upload(client, drafted.content)

    canonical = json.dumps(
        recovered["request"], sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    assert canonical == service.normalised_json(parsed)
    assert recovered["input_hash"] == service.input_hash(parsed)
    assert recovered["input_hash_matches"] is True
    assert recovered["library_version"] == service.get_library().version
    report = client.post("/api/v1/contracts/report", json=request).json()
    assert recovered["clauses"] == [
        {"id": clause["id"], "version": clause["version"]} for clause in report["clauses"]
    ]

    # The recovered request is a fixed point: drafting it again gives the same file.
    again = client.post("/api/v1/contracts/docx", json=recovered["request"])
    assert again.content == drafted.content


def test_documents_from_a_batch_read_back_too(client: Any, spec_request: dict) -> None:
    archive = client.post("/api/v1/contracts/batch", json=[SHORTHAND, spec_request]).content
    with zipfile.ZipFile(io.BytesIO(archive)) as members:
        second = members.read(members.namelist()[1])
    recovered = _upload(client, second)
    assert recovered["input_hash"] == service.input_hash(service.parse_request(spec_request))
